/* SPDX-License-Identifier: Apache-2.0 */
/* `update -r` documents: parse and validate any buffer; never crash, never leak. */
#include <stddef.h>
#include <stdint.h>

#include "spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        tong_resources r;
        tong_err *err = NULL;

        if (tong_spec_parse_resources((const char *)data, size, "resources", &r, &err) >= 0) {
                (void)tong_spec_validate_resources(&r, "resources", &err);
                tong_resources_done(&r);
        }
        tong_err_free(err);
        return 0;
}

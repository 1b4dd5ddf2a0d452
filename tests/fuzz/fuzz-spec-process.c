/* SPDX-License-Identifier: Apache-2.0 */
/* `exec --process` documents: parse and validate any buffer; never crash, never leak. */
#include <stddef.h>
#include <stdint.h>

#include "spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        tong_process p;
        tong_err *err = NULL;

        if (tong_spec_parse_process((const char *)data, size, "process", &p, &err) >= 0) {
                (void)tong_spec_validate_process(&p, "process", &err);
                tong_process_done(&p);
        }
        tong_err_free(err);
        return 0;
}

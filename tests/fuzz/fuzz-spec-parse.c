/* SPDX-License-Identifier: Apache-2.0 */
/* config.json: parse and validate any buffer; never crash, never leak. */
#include <stddef.h>
#include <stdint.h>

#include "spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        tong_spec *s = NULL;
        tong_err *err = NULL;

        if (tong_spec_parse_buffer((const char *)data, size, &s, &err) >= 0) {
                tong_err_free(err);
                err = NULL;
                (void)tong_spec_validate(s, &err);
        }
        tong_err_free(err);
        tong_spec_free(s);
        return 0;
}

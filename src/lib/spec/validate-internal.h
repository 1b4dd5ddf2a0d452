/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Helpers shared by validate.c and validate-linux.c (not for other modules). */
#include <stdbool.h>

#include "spec/spec.h"

/* tong_err_set(err, EINVAL, ...): every validation failure is EINVAL. */
int v_err(tong_err **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

bool v_absolute(const char *path);
/* "0-3,7": comma-separated numbers and ranges a-b with a <= b; "" is valid (unset). */
bool v_cpu_list(const char *s);
/* Network interface names (dev_valid_name): 1..15 bytes, not "." or "..", no '/', ':' or
 * whitespace; a single "%d" is allowed when template is true. */
bool v_ifname(const char *s, bool template);

/* Each entry size > 0 and no uint32 overflow; `path` is e.g. "linux.uidMappings". */
int v_idmaps(const tong_idmap *m, size_t n, const char *path, tong_err **err);

int v_linux(const tong_spec *s, tong_err **err);

/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdint.h>

/*
 * Strict decimal parsers for command-line and file input: the whole string must be a
 * number (no sign for unsigned, no spaces, no trailing text), in range.  They return 0,
 * -EINVAL for syntax, -ERANGE for range.  Never atoi/strtoul unchecked (CVE-2026-30892).
 */
int parse_u64(const char *s, uint64_t *ret);
int parse_i64(const char *s, int64_t *ret);
int parse_u32(const char *s, uint32_t *ret);
int parse_int(const char *s, int *ret);

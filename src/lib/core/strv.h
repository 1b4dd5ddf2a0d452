/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* NULL-terminated arrays of owned strings.  A NULL strv is an empty one. */
size_t strv_length(char *const *l);
char **strv_free(char **l);
static inline void strv_freep(char ***l)
{
        *l = strv_free(*l);
}
#define _cleanup_strv_free_ __attribute__((cleanup(strv_freep)))
char **strv_copy(char *const *l);
/* Append a copy of s; *l may be NULL. */
void strv_push(char ***l, const char *s);
/* Take ownership of s. */
void strv_consume(char ***l, char *s);
bool strv_contains(char *const *l, const char *s);
/* Value of "KEY=value" in an environment strv, or NULL. */
const char *strv_env_get(char *const *env, const char *key);

#define STRV_FOREACH(s, l) for (char *const *s = (l); s && *s; s++)

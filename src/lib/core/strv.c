/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/macro.h"
#include "core/strv.h"

size_t strv_length(char *const *l)
{
        size_t n = 0;

        while (l && l[n])
                n++;
        return n;
}

char **strv_free(char **l)
{
        for (size_t i = 0; l && l[i]; i++)
                free(l[i]);
        free(l);
        return NULL;
}

char **strv_copy(char *const *l)
{
        size_t n = strv_length(l);
        char **c = xcalloc(n + 1, sizeof(char *));

        for (size_t i = 0; i < n; i++)
                c[i] = xstrdup(l[i]);
        return c;
}

void strv_consume(char ***l, char *s)
{
        size_t n = strv_length(*l);

        *l = xrealloc(*l, (n + 2) * sizeof(char *));
        (*l)[n] = s;
        (*l)[n + 1] = NULL;
}

void strv_push(char ***l, const char *s)
{
        strv_consume(l, xstrdup(s));
}

bool strv_contains(char *const *l, const char *s)
{
        STRV_FOREACH (i, l)
                if (streq(*i, s))
                        return true;
        return false;
}

const char *strv_env_get(char *const *env, const char *key)
{
        size_t k = strlen(key);

        STRV_FOREACH (e, env)
                if (strncmp(*e, key, k) == 0 && (*e)[k] == '=')
                        return *e + k + 1;
        return NULL;
}

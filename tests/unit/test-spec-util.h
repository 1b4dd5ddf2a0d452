/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Helpers for the test-spec*.c files.  JSON in the tests is written with single quotes
 * (J() turns them into double quotes) so that it stays readable inside C strings.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "spec/spec.h"
#include "test.h"

static inline char *spec_test_json(const char *s)
{
        char *out = xstrdup(s);

        for (char *p = out; *p; p++)
                if (*p == '\'')
                        *p = '"';
        return out;
}

/* Parse and validate; NULL and *msg set (caller frees) on failure. */
static inline tong_spec *spec_test_load(const char *json, char **msg)
{
        char *buf = spec_test_json(json);
        tong_spec *s = NULL;
        tong_err *err = NULL;
        int r = tong_spec_parse_buffer(buf, strlen(buf), &s, &err);

        if (r >= 0)
                r = tong_spec_validate(s, &err);
        free(buf);
        *msg = NULL;
        if (r < 0) {
                *msg = xstrdup(err ? err->msg : "(no message)");
                tong_err_free(err);
                return tong_spec_free(s);
        }
        return s;
}

#define SPEC_BASE "'ociVersion':'1.0.0','root':{'path':'rootfs'}"
#define SPEC_TOP(x) "{" SPEC_BASE "," x "}"
#define SPEC_PROC(x) \
        "{" SPEC_BASE ",'process':{'args':['sh'],'cwd':'/','user':{'uid':0,'gid':0}" x "}}"
#define SPEC_LNX(x) "{" SPEC_BASE ",'linux':{" x "}}"
#define SPEC_RES(x) SPEC_LNX("'resources':{" x "}")
/* A linux section with the namespaces most rules need. */
#define SPEC_NS_ALL                                                                      \
        "'namespaces':[{'type':'pid'},{'type':'network'},{'type':'ipc'},{'type':'uts'}," \
        "{'type':'mount'},{'type':'cgroup'}]"

/* The runner's children _exit(), so LeakSanitizer never runs by itself: ask it explicitly
 * (a weak reference: NULL when the tests are built without ASan). */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

static inline void spec_test_assert_no_leaks(void)
{
        if (__lsan_do_recoverable_leak_check && __lsan_do_recoverable_leak_check())
                test_fail(__FILE__, __LINE__, "memory leaked (see the LeakSanitizer report)");
}

/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Unit tests: TEST(name) { ... } registers itself in the `tong_tests` linker section;
 * test-main.c walks it, forks per test (a crash fails only that test) and prints TAP.
 * ASSERT_* print both values on failure.  Neither gcc nor clang gives globals in a user section
 * whose name is a C identifier ASan redzones, so the section stays a plain array.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/macro.h"

typedef struct test_case {
        const char *name;
        void (*fn)(void);
} test_case;

#define TEST(name)                                                                           \
        static void test_##name(void);                                                       \
        __attribute__((section("tong_tests"), used,                                          \
                       aligned(sizeof(void *)))) static const test_case test_case_##name = { \
                #name, test_##name                                                           \
        };                                                                                   \
        static void test_##name(void)

_noreturn_ void test_fail(const char *file, int line, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

#define ASSERT_TRUE(x)                                                          \
        do {                                                                    \
                if (!(x))                                                       \
                        test_fail(__FILE__, __LINE__, "expected true: %s", #x); \
        } while (0)

#define ASSERT_FALSE(x)                                                          \
        do {                                                                     \
                if (x)                                                           \
                        test_fail(__FILE__, __LINE__, "expected false: %s", #x); \
        } while (0)

#define ASSERT_EQ(a, b)                                                                          \
        do {                                                                                     \
                long long _a = (long long)(a), _b = (long long)(b);                              \
                if (_a != _b)                                                                    \
                        test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, _a, _b); \
        } while (0)

#define ASSERT_U64_EQ(a, b)                                                                        \
        do {                                                                                       \
                uint64_t _a = (uint64_t)(a), _b = (uint64_t)(b);                                   \
                if (_a != _b)                                                                      \
                        test_fail(__FILE__, __LINE__, "%s == %s: %" PRIu64 " != %" PRIu64, #a, #b, \
                                  _a, _b);                                                         \
        } while (0)

#define ASSERT_OK(expr)                                                                  \
        do {                                                                             \
                long long _r = (long long)(expr);                                        \
                if (_r < 0)                                                              \
                        test_fail(__FILE__, __LINE__, "%s failed: %lld (%s)", #expr, _r, \
                                  strerror((int)-_r));                                   \
        } while (0)

#define ASSERT_NULL(p)                                                          \
        do {                                                                    \
                if ((p) != NULL)                                                \
                        test_fail(__FILE__, __LINE__, "expected NULL: %s", #p); \
        } while (0)

#define ASSERT_NOT_NULL(p)                                                          \
        do {                                                                        \
                if ((p) == NULL)                                                    \
                        test_fail(__FILE__, __LINE__, "expected non-NULL: %s", #p); \
        } while (0)

#define ASSERT_STREQ(a, b)                                                                  \
        do {                                                                                \
                const char *_a = (a), *_b = (b);                                            \
                if (!_a || !_b || strcmp(_a, _b) != 0)                                      \
                        test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b, \
                                  _a ? _a : "(null)", _b ? _b : "(null)");                  \
        } while (0)

#define ASSERT_STR_CONTAINS(hay, needle)                                                \
        do {                                                                            \
                const char *_h = (hay), *_n = (needle);                                 \
                if (!_h || !strstr(_h, _n))                                             \
                        test_fail(__FILE__, __LINE__, "\"%s\" does not contain \"%s\"", \
                                  _h ? _h : "(null)", _n);                              \
        } while (0)

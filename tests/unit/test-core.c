/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/parse-util.h"
#include "core/strv.h"
#include "test.h"

TEST(err_contract_returns_negative_errno_and_prefixes)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        int r = tong_err_set(&err, EINVAL, "bad %s", "thing");

        ASSERT_EQ(r, -EINVAL);
        ASSERT_EQ(err->errnum, EINVAL);
        r = tong_err_prefix(&err, r, "ctx %d", 1);
        ASSERT_EQ(r, -EINVAL);
        ASSERT_STREQ(err->msg, "ctx 1: bad thing");
}

TEST(err_sys_appends_strerror)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;

        ASSERT_EQ(tong_err_sys(&err, ENOENT, "open %s", "x"), -ENOENT);
        ASSERT_STREQ(err->msg, "open x: No such file or directory");
}

TEST(err_null_sink_is_allowed)
{
        ASSERT_EQ(tong_err_set(NULL, EPERM, "ignored"), -EPERM);
}

TEST(json_parse_reports_position)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        tong_json *j = NULL;
        static const char doc[] = "{\n  \"a\": [1, 2,,]\n}";

        ASSERT_EQ(tong_json_parse(doc, sizeof(doc) - 1, &j, &err), -EINVAL);
        ASSERT_STR_CONTAINS(err->msg, "line 2");
}

TEST(json_integers_full_range)
{
        _cleanup_json_ tong_json *j = NULL;
        static const char doc[] = "[18446744073709551615, -9223372036854775808, -1, 1.5]";
        uint64_t u;
        int64_t i;

        ASSERT_OK(tong_json_parse(doc, sizeof(doc) - 1, &j, NULL));
        ASSERT_OK(tong_json_get_u64(tong_json_array_at(j, 0), &u));
        ASSERT_U64_EQ(u, UINT64_MAX);
        ASSERT_EQ(tong_json_get_i64(tong_json_array_at(j, 0), &i), -ERANGE);
        ASSERT_OK(tong_json_get_i64(tong_json_array_at(j, 1), &i));
        ASSERT_TRUE(i == INT64_MIN);
        ASSERT_EQ(tong_json_get_u64(tong_json_array_at(j, 2), &u), -ERANGE);
        ASSERT_EQ(tong_json_get_u64(tong_json_array_at(j, 3), &u), -EINVAL);
}

TEST(json_out_of_range_integers_are_errors_not_clamped)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        tong_json *j = NULL;
        static const char big[] = "{\"x\": 18446744073709551616}";
        static const char neg[] = "[-9223372036854775809]";

        ASSERT_EQ(tong_json_parse(big, sizeof(big) - 1, &j, &err), -ERANGE);
        ASSERT_STR_CONTAINS(err->msg, "18446744073709551616 out of range");
        err = tong_err_free(err);
        ASSERT_EQ(tong_json_parse(neg, sizeof(neg) - 1, &j, &err), -ERANGE);
}

TEST(json_rejects_trailing_data_and_deep_nesting)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        _cleanup_free_ char *deep = xmalloc(2 * 200 + 1);
        tong_json *j = NULL;

        ASSERT_EQ(tong_json_parse("{} x", 4, &j, &err), -EINVAL);
        err = tong_err_free(err);
        for (int i = 0; i < 200; i++) {
                deep[i] = '[';
                deep[200 + i] = ']';
        }
        deep[400] = '\0';
        ASSERT_EQ(tong_json_parse(deep, 400, &j, &err), -EINVAL);
}

TEST(json_string_with_nul_is_rejected_by_getter)
{
        _cleanup_json_ tong_json *j = NULL;
        static const char doc[] = "[\"a\\u0000b\"]";
        const char *s;

        ASSERT_OK(tong_json_parse(doc, sizeof(doc) - 1, &j, NULL));
        ASSERT_EQ(tong_json_get_string(tong_json_array_at(j, 0), &s), -EINVAL);
}

TEST(json_build_and_serialise)
{
        _cleanup_json_ tong_json *o = tong_json_new_object();
        _cleanup_free_ char *s = NULL;
        tong_json *a = tong_json_new_array();

        tong_json_append(a, tong_json_new_u64(UINT64_MAX));
        tong_json_set(o, "a", a);
        tong_json_set(o, "s", tong_json_new_string("x/y"));
        s = tong_json_to_string(o, TONG_JSON_PLAIN);
        ASSERT_STREQ(s, "{\"a\":[18446744073709551615],\"s\":\"x/y\"}");
}

TEST(parse_util_is_strict)
{
        uint64_t u;
        uint32_t u32;
        int i;

        ASSERT_EQ(parse_u64("", &u), -EINVAL);
        ASSERT_EQ(parse_u64("-1", &u), -EINVAL);
        ASSERT_EQ(parse_u64(" 1", &u), -EINVAL);
        ASSERT_EQ(parse_u64("1a", &u), -EINVAL);
        ASSERT_EQ(parse_u64("18446744073709551616", &u), -ERANGE);
        ASSERT_OK(parse_u64("18446744073709551615", &u));
        ASSERT_EQ(parse_u32("4294967296", &u32), -ERANGE);
        ASSERT_OK(parse_int("-5", &i));
        ASSERT_EQ(i, -5);
        ASSERT_EQ(parse_int("2147483648", &i), -ERANGE);
}

TEST(strv_basics)
{
        _cleanup_strv_free_ char **l = NULL;

        strv_push(&l, "A=1");
        strv_push(&l, "PATH=/bin");
        ASSERT_EQ(strv_length(l), 2);
        ASSERT_STREQ(strv_env_get(l, "PATH"), "/bin");
        ASSERT_NULL(strv_env_get(l, "PAT"));
        ASSERT_TRUE(strv_contains(l, "A=1"));
}

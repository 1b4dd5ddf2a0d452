/* SPDX-License-Identifier: Apache-2.0 */
/* The value syntax of `update` and `events` (runtime/ops-cgroup.c): runc's units and Go's
 * durations. */
#include <errno.h>
#include <stdint.h>

#include "tong/tong.h"
#include "test.h"

static int64_t ram(const char *s)
{
        int64_t v = -2;

        ASSERT_OK(tong_parse_ram_bytes(s, &v));
        return v;
}

TEST(ops_cgroup_ram_bytes_as_runc)
{
        int64_t v;

        ASSERT_EQ(ram("0"), 0);
        ASSERT_EQ(ram("12 "), 12); /* Go: the blank is the number's end */
        ASSERT_EQ(ram("4096"), 4096);
        ASSERT_EQ(ram("10b"), 10);
        ASSERT_EQ(ram("64k"), 64 << 10);
        ASSERT_EQ(ram("64K"), 64 << 10);
        ASSERT_EQ(ram("64kb"), 64 << 10);
        ASSERT_EQ(ram("64KiB"), 64 << 10);
        ASSERT_EQ(ram("64ki"), 64 << 10);
        ASSERT_EQ(ram("128m"), 128ll << 20);
        ASSERT_EQ(ram("128 MB"), 128ll << 20);
        ASSERT_EQ(ram("1.5g"), 3ll << 29);
        ASSERT_EQ(ram("2t"), 2ll << 40);
        ASSERT_EQ(ram("3p"), 3ll << 50);
        ASSERT_EQ(ram(".5k"), 512);
        ASSERT_EQ(ram("1.0000000000000000000001k"), 1024);
        ASSERT_EQ(ram("9223372036854775807"), INT64_MAX);
        ASSERT_EQ(tong_parse_ram_bytes("9223372036854775808", &v), -ERANGE);
        ASSERT_EQ(tong_parse_ram_bytes("8192p", &v), -ERANGE);
        ASSERT_EQ(tong_parse_ram_bytes("99999999999999999999", &v), -EINVAL);
        static const char *const bad[] = { "",      "-1",   "k",     "12x",  "12kx",
                                           "12kbi", "1  k", "1.2.3", "0x10", "12ib" };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                ASSERT_EQ(tong_parse_ram_bytes(bad[i], &v), -EINVAL);
}

static int64_t dur(const char *s)
{
        int64_t v = -2;

        ASSERT_OK(tong_parse_duration(s, &v));
        return v;
}

TEST(ops_cgroup_duration_as_go)
{
        int64_t v;

        ASSERT_EQ(dur("0"), 0);
        ASSERT_EQ(dur("5s"), 5000000000ll);
        ASSERT_EQ(dur("100ms"), 100000000ll);
        ASSERT_EQ(dur("1.5s"), 1500000000ll);
        ASSERT_EQ(dur("1m30s"), 90000000000ll);
        ASSERT_EQ(dur("1h"), 3600000000000ll);
        ASSERT_EQ(dur("10us"), 10000);
        ASSERT_EQ(dur("10\u00b5s"), 10000);
        ASSERT_EQ(dur("7ns"), 7);
        ASSERT_EQ(dur("-2s"), -2000000000ll);
        ASSERT_EQ(dur("+2s"), 2000000000ll);
        static const char *const bad[] = { "", "5", "s", "5x", "5 s", "1.s.", "-" };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                ASSERT_EQ(tong_parse_duration(bad[i], &v), -EINVAL);
        ASSERT_EQ(tong_parse_duration("3000000h", &v), -ERANGE);
}

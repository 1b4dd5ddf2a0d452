/* SPDX-License-Identifier: Apache-2.0 */
/* cgroup layout detection, path resolution and value conversions: pure, no cgroupfs. */
#include <stdlib.h>

#include "cgroup/cgroup-internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "test.h"

static const char hybrid_self[] = "9:name=systemd:/\n"
                                  "8:pids:/\n"
                                  "5:devices:/\n"
                                  "4:memory:/process_api/d544\n"
                                  "2:cpuacct:/\n"
                                  "1:cpu:/\n"
                                  "0::/\n";

static const char hybrid_mi[] =
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
        "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
        "33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
        "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:7 - cgroup cgroup rw,memory\n"
        "36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
        "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
        "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static const cg_layout_entry *find(const cg_layout_entry *e, size_t n, const char *mp)
{
        for (size_t i = 0; i < n; i++)
                if (streq(e[i].mountpoint, mp))
                        return &e[i];
        return NULL;
}

TEST(cgroup_layout_hybrid)
{
        cg_layout_entry *e = NULL;
        const cg_layout_entry *m;
        size_t n = 0;

        ASSERT_OK(cg_layout_parse(hybrid_self, hybrid_mi, &e, &n, NULL));
        ASSERT_EQ(n, 7);
        m = find(e, n, "/sys/fs/cgroup/memory");
        ASSERT_NOT_NULL(m);
        ASSERT_EQ(m->version, 1);
        ASSERT_STREQ(m->controllers, "memory");
        ASSERT_STREQ(m->own, "/process_api/d544");
        m = find(e, n, "/sys/fs/cgroup/unified");
        ASSERT_NOT_NULL(m);
        ASSERT_EQ(m->version, 2);
        ASSERT_NULL(m->controllers);
        ASSERT_STREQ(m->own, "/");
        m = find(e, n, "/sys/fs/cgroup/systemd");
        ASSERT_NOT_NULL(m);
        ASSERT_STREQ(m->controllers, "name=systemd");
        cg_layout_free(e, n);
}

TEST(cgroup_layout_pure_v2_and_escapes)
{
        static const char mi[] = "20 1 0:5 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n"
                                 "21 1 0:6 / /mnt/with\\040space rw shared:1 master:2 - cgroup2 "
                                 "cgroup2 rw\n";
        cg_layout_entry *e = NULL;
        size_t n = 0;

        ASSERT_OK(cg_layout_parse("0::/user.slice/s.scope\n", mi, &e, &n, NULL));
        ASSERT_EQ(n, 1);
        ASSERT_EQ(e[0].version, 2);
        ASSERT_STREQ(e[0].mountpoint, "/sys/fs/cgroup");
        ASSERT_STREQ(e[0].own, "/user.slice/s.scope");
        cg_layout_free(e, n);

        /* Only the escaped mount: its name is unescaped. */
        ASSERT_OK(cg_layout_parse("0::/\n",
                                  mi + strlen("20 1 0:5 / /sys/fs/cgroup rw - cgroup2 "
                                              "cgroup2 rw,nsdelegate\n"),
                                  &e, &n, NULL));
        ASSERT_EQ(n, 1);
        ASSERT_STREQ(e[0].mountpoint, "/mnt/with space");
        cg_layout_free(e, n);
}

TEST(cgroup_layout_mount_root_below_hierarchy_root)
{
        /* A bind mount of a sub-tree (as inside a container without cgroupns). */
        static const char mi[] =
                "50 1 0:40 /docker/abc /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
                "51 1 0:41 /other /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n";
        cg_layout_entry *e = NULL;
        size_t n = 0;
        tong_err *err = NULL;

        ASSERT_OK(cg_layout_parse("4:memory:/docker/abc/sub\n3:pids:/docker/abc\n", mi, &e, &n,
                                  NULL));
        /* pids is mounted from a root that does not contain our cgroup: left out. */
        ASSERT_EQ(n, 1);
        ASSERT_STREQ(e[0].own, "/sub");
        cg_layout_free(e, n);

        ASSERT_EQ(cg_layout_parse("3:pids:/x\n", "", &e, &n, &err), -ENOENT);
        ASSERT_STR_CONTAINS(err->msg, "no mounted cgroup hierarchy");
        tong_err_free(err);
}

TEST(cgroup_layout_joined_controllers)
{
        static const char mi[] =
                "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
                "33 31 0:30 / /sys/fs/cgroup/net_cls,net_prio rw - cgroup cgroup "
                "rw,net_cls,net_prio\n";
        cg_layout_entry *e = NULL;
        size_t n = 0;

        ASSERT_OK(cg_layout_parse("3:net_cls,net_prio:/\n2:cpu,cpuacct:/a\n", mi, &e, &n, NULL));
        ASSERT_EQ(n, 2);
        ASSERT_STREQ(find(e, n, "/sys/fs/cgroup/cpu,cpuacct")->controllers, "cpu,cpuacct");
        ASSERT_STREQ(find(e, n, "/sys/fs/cgroup/cpu,cpuacct")->own, "/a");
        cg_layout_free(e, n);
}

static void resolve_ok(const char *in, const char *own, const char *want)
{
        _cleanup_free_ char *out = NULL;

        ASSERT_OK(cg_resolve_path(in, own, &out, NULL));
        ASSERT_STREQ(out, want);
}

static void resolve_bad(const char *in, const char *msg)
{
        tong_err *err = NULL;
        char *out = NULL;

        ASSERT_EQ(cg_resolve_path(in, "/own", &out, &err), -EINVAL);
        ASSERT_NULL(out);
        ASSERT_STR_CONTAINS(err->msg, msg);
        tong_err_free(err);
}

TEST(cgroup_resolve_path)
{
        resolve_ok("/tong/web", "/ignored", "/tong/web");
        resolve_ok("//a//b/./c/", "/x", "/a/b/c");
        resolve_ok("rel/x", "/own/cg", "/own/cg/rel/x");
        resolve_ok("rel", "/", "/rel");
        resolve_ok("./rel/", "/own", "/own/rel");
        resolve_bad("/a/../b", "\"..\" is not allowed");
        resolve_bad("..", "\"..\" is not allowed");
        resolve_bad("", "empty path");
        resolve_bad("/", "names no cgroup");
        resolve_bad("/./", "names no cgroup");
        resolve_bad(".", "names no cgroup");
        resolve_bad("/a\nb", "newline");
}

TEST(cgroup_cpu_shares_to_weight)
{
        static const uint64_t cases[][2] = {
                { 0, 0 },       { 1, 1 },          { 2, 1 },          { 3, 2 },
                { 100, 17 },    { 512, 59 },       { 1024, 100 },     { 2048, 174 },
                { 10000, 627 }, { 262143, 10000 }, { 262144, 10000 }, { 1u << 30, 10000 },
        };
        uint64_t prev = 1;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                ASSERT_U64_EQ(cg_cpu_shares_to_weight(cases[i][0]), cases[i][1]);
        for (uint64_t s = 2; s <= 262144; s++) {
                uint64_t w = cg_cpu_shares_to_weight(s);

                ASSERT_TRUE(w >= prev && w >= 1 && w <= 10000);
                prev = w;
        }
}

TEST(cgroup_blkio_weight_to_io)
{
        ASSERT_U64_EQ(cg_blkio_weight_to_io(0), 0);
        ASSERT_U64_EQ(cg_blkio_weight_to_io(10), 1);
        ASSERT_U64_EQ(cg_blkio_weight_to_io(500), 4950);
        ASSERT_U64_EQ(cg_blkio_weight_to_io(1000), 10000);
}

TEST(cgroup_memory_swap_v2)
{
        tong_err *err = NULL;
        int64_t v = 42;

        ASSERT_EQ(cg_memory_swap_v2(0, 0, &v, NULL), 0);    /* nothing set */
        ASSERT_EQ(cg_memory_swap_v2(0, 1000, &v, NULL), 0); /* swap unset */
        ASSERT_EQ(cg_memory_swap_v2(0, -1, &v, NULL), 1);   /* unlimited memory */
        ASSERT_EQ(v, -1);
        ASSERT_EQ(cg_memory_swap_v2(-1, 1000, &v, NULL), 1);
        ASSERT_EQ(v, -1);
        ASSERT_EQ(cg_memory_swap_v2(3000, 1000, &v, NULL), 1);
        ASSERT_EQ(v, 2000);
        ASSERT_EQ(cg_memory_swap_v2(1000, 1000, &v, NULL), 1); /* no swap at all */
        ASSERT_EQ(v, 0);
        ASSERT_EQ(cg_memory_swap_v2(3000, -1, &v, NULL), 1); /* unlimited memory */
        ASSERT_EQ(v, 3000);
        ASSERT_EQ(cg_memory_swap_v2(3000, 0, &v, &err), -EINVAL);
        ASSERT_STR_CONTAINS(err->msg, "without a memory limit");
        err = tong_err_free(err);
        ASSERT_EQ(cg_memory_swap_v2(500, 1000, &v, &err), -EINVAL);
        ASSERT_STR_CONTAINS(err->msg, "below the memory limit");
        tong_err_free(err);
}

TEST(cgroup_keyed_get)
{
        uint64_t v = 0;

        ASSERT_OK(cg_keyed_get("populated 1\nfrozen 0\n", "frozen", &v));
        ASSERT_U64_EQ(v, 0);
        ASSERT_OK(cg_keyed_get("oom 3\noom_kill 7", "oom_kill", &v));
        ASSERT_U64_EQ(v, 7);
        ASSERT_EQ(cg_keyed_get("oom_kill_x 3\n", "oom_kill", &v), -ENOENT);
}

TEST(cgroup_device_rules)
{
        tong_device_rule user = { .allow = false, .type = 'c', .major = 1, .minor = 3 };
        tong_resources res = { .devices = &user, .n_devices = 1 };
        tong_device devs[] = {
                { .type = 'b', .has_major_minor = true, .major = 8, .minor = 0 },
                { .type = 'p' },
                { .type = 'u', .has_major_minor = true, .major = 4, .minor = 64 },
        };
        tong_device_rule *rules = NULL;
        size_t n = 0;

        tong_cgroup_device_rules(&res, devs, ELEMENTSOF(devs), &rules, &n);
        ASSERT_EQ(n, 1 + 12 + 2);
        ASSERT_FALSE(rules[0].allow); /* the user's rules first: defaults win over them */
        ASSERT_TRUE(rules[1].allow && rules[1].type == 'c' && rules[1].major == -1);
        ASSERT_STREQ(rules[1].access, "m");
        ASSERT_TRUE(rules[3].major == 1 && rules[3].minor == 3);
        ASSERT_TRUE(rules[13].type == 'b' && rules[13].major == 8);
        ASSERT_TRUE(rules[14].type == 'c' && rules[14].major == 4 && rules[14].minor == 64);
        ASSERT_STREQ(rules[14].access, "rwm");
        free(rules);

        tong_cgroup_device_rules(NULL, NULL, 0, &rules, &n);
        ASSERT_EQ(n, 12);
        free(rules);
}

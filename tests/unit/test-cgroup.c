/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cgroup module on the real host (root): every test works below /tong-unit-<pid> (and
 * a relative tong-unit-rel-<pid>) in every hierarchy.  The body runs in a child process, so
 * a failed ASSERT still reaches the cleanup in the parent, which kills what is left, removes
 * the trees and checks that they are gone.  Runs on hybrid (this host) and pure v2 (the VM).
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/bpf-devices.h"
#include "cgroup/cgroup-internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "test.h"

#define MiB (1024 * 1024)

typedef void (*fixture_body)(const char *parent);

static double ms_since(const struct timespec *t0);

static bool live_ok(void)
{
        if (geteuid() != 0 || access("/proc/self/cgroup", R_OK) != 0) {
                printf("# skipped: needs root and cgroupfs\n");
                return false;
        }
        return true;
}

static tong_cgroup *new_cg(const char *parent, const char *leaf)
{
        _cleanup_free_ char *p = leaf ? xasprintf("%s/%s", parent, leaf) : xstrdup(parent);
        tong_cgroup *cg = NULL;
        tong_err *err = NULL;

        if (tong_cgroup_new(p, NULL, &cg, &err) < 0)
                test_fail(__FILE__, __LINE__, "tong_cgroup_new(%s): %s", p, err->msg);
        return cg;
}

/* Run `call` with an error slot; fail the test with its message. */
#define CG_OK(call_with_err)                                                    \
        do {                                                                    \
                tong_err *err = NULL;                                           \
                if ((call_with_err) < 0)                                        \
                        test_fail(__FILE__, __LINE__, "%s: %s", #call_with_err, \
                                  err ? err->msg : "(no message)");             \
                tong_err_free(err);                                             \
        } while (0)

static bool exists_anywhere(const char *path)
{
        _cleanup_(tong_cgroup_freep) tong_cgroup *cg = NULL;

        if (tong_cgroup_new(path, NULL, &cg, NULL) < 0)
                return false;
        for (size_t i = 0; i < cg->n_hiers; i++)
                if (cg->hiers[i].dirfd >= 0)
                        return true;
        return false;
}

static void cleanup_tree(const char *path)
{
        _cleanup_(tong_cgroup_freep) tong_cgroup *cg = NULL;

        if (tong_cgroup_new(path, NULL, &cg, NULL) < 0)
                return;
        (void)tong_cgroup_freeze(cg, false, NULL);
        (void)tong_cgroup_kill_all(cg, SIGKILL, NULL);
        (void)tong_cgroup_destroy(cg, NULL);
}

/* The cgroup2 root's cgroup.subtree_control, to undo controller enabling afterwards. */
static char *v2_root_subtree(void)
{
        _cleanup_(tong_cgroup_freep) tong_cgroup *cg = NULL;
        _cleanup_close_ int fd = -1;
        char *s = NULL;

        if (tong_cgroup_new("/x", NULL, &cg, NULL) < 0 || !cg->v2)
                return NULL;
        fd = open(cg->v2->mountpoint, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || read_file_at(fd, "cgroup.subtree_control", 4096, &s, NULL) < 0)
                return NULL;
        return s;
}

static void restore_v2_root(const char *before)
{
        _cleanup_(tong_cgroup_freep) tong_cgroup *cg = NULL;
        _cleanup_close_ int fd = -1;
        static const char *const ctrls[] = { "hugetlb" };

        if (!before || tong_cgroup_new("/x", NULL, &cg, NULL) < 0 || !cg->v2 ||
            cg->owner[CG_MEMORY] == cg->v2)
                return; /* pure v2: the root has everything enabled anyway */
        fd = open(cg->v2->mountpoint, O_PATH | O_DIRECTORY | O_CLOEXEC);
        for (size_t i = 0; fd >= 0 && i < ELEMENTSOF(ctrls); i++) {
                _cleanup_free_ char *minus = xasprintf("-%s", ctrls[i]);

                if (!strstr(before, ctrls[i]))
                        (void)write_file_at(fd, "cgroup.subtree_control", minus);
        }
}

static void run_in_fixture(fixture_body body)
{
        char parent[64], rel[64];
        _cleanup_free_ char *subtree = v2_root_subtree();
        int status = 0;
        pid_t pid;

        snprintf(parent, sizeof(parent), "/tong-unit-%d", (int)getpid());
        snprintf(rel, sizeof(rel), "tong-unit-rel-%d", (int)getpid());
        fflush(stdout);
        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                body(parent);
                fflush(stdout);
                _exit(0);
        }
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        cleanup_tree(parent);
        cleanup_tree(rel);
        restore_v2_root(subtree);
        ASSERT_FALSE(exists_anywhere(parent));
        ASSERT_FALSE(exists_anywhere(rel));
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                test_fail(__FILE__, __LINE__, "fixture body failed (status 0x%x)", status);
}

/* The file of controller c: v1 or v2 name, whichever hierarchy owns it. */
static char *read_ctrl(const tong_cgroup *cg, cg_ctrl c, const char *v1, const char *v2)
{
        const cg_hier *h = cg->owner[c];
        char *s = NULL;
        tong_err *err = NULL;

        ASSERT_NOT_NULL(h);
        if (cg_read(h, h->version == 1 ? v1 : v2, &s, &err) < 0)
                test_fail(__FILE__, __LINE__, "%s", err->msg);
        return s;
}

#define ASSERT_CTRL(cg, c, v1, v2, want1, want2)                                    \
        do {                                                                        \
                _cleanup_free_ char *_s = read_ctrl(cg, c, v1, v2);                 \
                ASSERT_STREQ(_s, (cg)->owner[c]->version == 1 ? (want1) : (want2)); \
        } while (0)

static bool is_v1(const tong_cgroup *cg, cg_ctrl c)
{
        return cg->owner[c] && cg->owner[c]->version == 1;
}

/* major:minor of some block device, for throttling; false if there is none. */
static bool some_block_device(unsigned *major, unsigned *minor)
{
        _cleanup_closedir_ DIR *d = opendir("/sys/block");
        struct dirent *de;

        while (d && (de = readdir(d))) {
                _cleanup_free_ char *p = xasprintf("/sys/block/%s/dev", de->d_name), *s = NULL;

                if (de->d_name[0] == '.' || read_file_at(AT_FDCWD, p, 64, &s, NULL) < 0)
                        continue;
                if (sscanf(s, "%u:%u", major, minor) == 2)
                        return true;
        }
        return false;
}

static bool has_2mb_hugetlb(const tong_cgroup *cg)
{
        return cg->owner[CG_HUGETLB] &&
               access("/sys/kernel/mm/hugepages/hugepages-2048kB", F_OK) == 0;
}

/* ---------------------------------------------------------------- create + apply + read back */

static tong_device_rule dev_rules[] = {
        { .allow = true, .type = 'c', .major = 1, .minor = 3, .access = "rwm" },
        { .allow = true, .type = 'c', .major = 1, .minor = 5, .access = "r" },
};
static tong_hugepage_limit huge[] = { { .page_size = (char *)"2MB", .limit = 4 * MiB } };
static tong_blkio_throttle thr[1];

static void full_resources(const tong_cgroup *cg, tong_resources *r)
{
        unsigned ma, mi;

        *r = (tong_resources){ 0 };
        r->has_memory = true;
        r->memory = (tong_memory){ .has_limit = true,
                                   .limit = 64 * MiB,
                                   .has_reservation = true,
                                   .reservation = 32 * MiB,
                                   .has_swap = true,
                                   .swap = 128 * MiB,
                                   .has_swappiness = is_v1(cg, CG_MEMORY),
                                   .swappiness = 10,
                                   .has_disable_oom_killer = is_v1(cg, CG_MEMORY),
                                   .disable_oom_killer = true,
                                   .has_use_hierarchy = true,
                                   .use_hierarchy = true,
                                   .has_kernel_tcp = is_v1(cg, CG_MEMORY),
                                   .kernel_tcp = 64 * MiB };
        r->has_cpu = true;
        r->cpu = (tong_cpu){ .has_shares = true,
                             .shares = 512,
                             .has_quota = true,
                             .quota = 50000,
                             .has_period = true,
                             .period = 100000,
                             .has_burst = true,
                             .burst = 1000,
                             .has_idle = true,
                             .idle = 0,
                             .cpus = (char *)"0",
                             .mems = (char *)"0" };
        r->pids = (tong_pids){ .has_limit = true, .limit = 0 };
        if (some_block_device(&ma, &mi)) {
                thr[0] = (tong_blkio_throttle){ .major = ma, .minor = mi, .rate = MiB };
                r->has_blkio = true;
                r->blkio.throttle[TONG_THROTTLE_READ_BPS] = thr;
                r->blkio.n_throttle[TONG_THROTTLE_READ_BPS] = 1;
        }
        if (has_2mb_hugetlb(cg)) {
                r->hugepage_limits = huge;
                r->n_hugepage_limits = 1;
        }
        r->devices = dev_rules;
        r->n_devices = ELEMENTSOF(dev_rules);
        /* What the runtime passes: the config's rules plus the defaults. */
        tong_cgroup_device_rules(r, NULL, 0, &r->devices, &r->n_devices);
}

static void check_memory(const tong_cgroup *cg)
{
        ASSERT_CTRL(cg, CG_MEMORY, "memory.limit_in_bytes", "memory.max", "67108864", "67108864");
        ASSERT_CTRL(cg, CG_MEMORY, "memory.soft_limit_in_bytes", "memory.low", "33554432",
                    "33554432");
        if (is_v1(cg, CG_MEMORY)) {
                _cleanup_free_ char *oom = read_ctrl(cg, CG_MEMORY, "memory.oom_control", NULL);

                ASSERT_CTRL(cg, CG_MEMORY, "memory.memsw.limit_in_bytes", NULL, "134217728", NULL);
                ASSERT_CTRL(cg, CG_MEMORY, "memory.swappiness", NULL, "10", NULL);
                ASSERT_CTRL(cg, CG_MEMORY, "memory.kmem.tcp.limit_in_bytes", NULL, "67108864",
                            NULL);
                ASSERT_STR_CONTAINS(oom, "oom_kill_disable 1");
        } else if (cg_has_file(cg->owner[CG_MEMORY], "memory.swap.max"))
                ASSERT_CTRL(cg, CG_MEMORY, NULL, "memory.swap.max", NULL, "67108864");
}

static void check_cpu(const tong_cgroup *cg)
{
        ASSERT_CTRL(cg, CG_CPU, "cpu.shares", "cpu.weight", "512", "59");
        if (is_v1(cg, CG_CPU)) {
                ASSERT_CTRL(cg, CG_CPU, "cpu.cfs_quota_us", NULL, "50000", NULL);
                ASSERT_CTRL(cg, CG_CPU, "cpu.cfs_period_us", NULL, "100000", NULL);
                ASSERT_CTRL(cg, CG_CPU, "cpu.cfs_burst_us", NULL, "1000", NULL);
        } else {
                ASSERT_CTRL(cg, CG_CPU, NULL, "cpu.max", NULL, "50000 100000");
                ASSERT_CTRL(cg, CG_CPU, NULL, "cpu.max.burst", NULL, "1000");
        }
        ASSERT_CTRL(cg, CG_CPU, "cpu.idle", "cpu.idle", "0", "0");
        ASSERT_CTRL(cg, CG_CPUSET, "cpuset.cpus", "cpuset.cpus", "0", "0");
        ASSERT_CTRL(cg, CG_CPUSET, "cpuset.mems", "cpuset.mems", "0", "0");
}

static void check_rest(const tong_cgroup *cg, const tong_resources *r)
{
        ASSERT_CTRL(cg, CG_PIDS, "pids.max", "pids.max", "0", "0");
        if (r->has_blkio) {
                _cleanup_free_ char *s =
                        read_ctrl(cg, CG_BLKIO, "blkio.throttle.read_bps_device", "io.max");
                _cleanup_free_ char *w =
                        xasprintf(is_v1(cg, CG_BLKIO) ? "%u:%u 1048576" : "%u:%u rbps=1048576",
                                  (unsigned)thr[0].major, (unsigned)thr[0].minor);
                ASSERT_STR_CONTAINS(s, w);
        }
        if (r->n_hugepage_limits) {
                ASSERT_CTRL(cg, CG_HUGETLB, "hugetlb.2MB.limit_in_bytes", "hugetlb.2MB.max",
                            "4194304", "4194304");
                if (cg_has_file(cg->owner[CG_HUGETLB], "hugetlb.2MB.rsvd.max") ||
                    cg_has_file(cg->owner[CG_HUGETLB], "hugetlb.2MB.rsvd.limit_in_bytes"))
                        ASSERT_CTRL(cg, CG_HUGETLB, "hugetlb.2MB.rsvd.limit_in_bytes",
                                    "hugetlb.2MB.rsvd.max", "4194304", "4194304");
        }
        if (is_v1(cg, CG_DEVICES)) {
                _cleanup_free_ char *l = read_ctrl(cg, CG_DEVICES, "devices.list", NULL);

                ASSERT_STR_CONTAINS(l, "c *:* m\n");
                ASSERT_STR_CONTAINS(l, "b *:* m\n");
                ASSERT_STR_CONTAINS(l, "c 1:3 rwm\n");
                ASSERT_STR_CONTAINS(l, "c 1:5 rwm\n"); /* merged with the config's "r" */
                ASSERT_STR_CONTAINS(l, "c 136:* rwm");
                ASSERT_FALSE(strstr(l, "a *:*"));
        } else {
                size_t n = 0;

                CG_OK(tong_bpf_devices_count(tong_cgroup_v2_fd(cg), &n, &err));
                ASSERT_EQ(n, 1);
        }
}

/* Weights work where the I/O scheduler has them; elsewhere the error names the file. */
static void check_blkio_weight(const tong_cgroup *cg)
{
        tong_resources r = { .has_blkio = true, .blkio = { .has_weight = true, .weight = 500 } };
        const cg_hier *h = cg->owner[CG_BLKIO];
        tong_err *err = NULL;

        if (tong_cgroup_apply(cg, &r, &err) < 0) {
                printf("# blkio weight: %s\n", err->msg);
                ASSERT_STR_CONTAINS(err->msg, "linux.resources.blockIO.weight");
                ASSERT_STR_CONTAINS(err->msg, h->version == 1 ? "blkio.weight" : "io.bfq.weight");
                tong_err_free(err);
        } else if (cg_has_file(h, "blkio.weight") || cg_has_file(h, "blkio.bfq.weight"))
                ASSERT_CTRL(cg, CG_BLKIO,
                            cg_has_file(h, "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight",
                            NULL, "500", NULL);
        else if (cg_has_file(h, "io.bfq.weight"))
                ASSERT_CTRL(cg, CG_BLKIO, NULL, "io.bfq.weight", NULL, "default 500");
        else
                ASSERT_CTRL(cg, CG_BLKIO, NULL, "io.weight", NULL, "default 4950");
}

/* A raw cgroup2 key, applied after (and over) the typed fields. */
static void check_unified(const tong_cgroup *cg)
{
        tong_kv kv = { 0 };
        tong_resources r = { .unified = &kv, .n_unified = 1 };

        if (cg->owner[CG_MEMORY] && cg->owner[CG_MEMORY] == cg->v2) {
                kv = (tong_kv){ (char *)"memory.high", (char *)"100663296" };
                CG_OK(tong_cgroup_apply(cg, &r, &err));
                ASSERT_CTRL(cg, CG_MEMORY, NULL, "memory.high", NULL, "100663296");
        } else if (has_2mb_hugetlb(cg) && cg->owner[CG_HUGETLB] == cg->v2) {
                kv = (tong_kv){ (char *)"hugetlb.2MB.max", (char *)"6291456" };
                CG_OK(tong_cgroup_apply(cg, &r, &err));
                ASSERT_CTRL(cg, CG_HUGETLB, NULL, "hugetlb.2MB.max", NULL, "6291456");
        }
}

static void body_create_apply(const char *parent)
{
        _cleanup_(tong_cgroup_freep) tong_cgroup *cg = new_cg(parent, "res");
        struct timespec t0;
        tong_resources r;

        full_resources(cg, &r);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        CG_OK(tong_cgroup_create(cg, &r, &err));
        printf("# hierarchies: %zu, v2: %s, path %s, create with every resource %.2f ms\n",
               cg->n_hiers, cg->v2 ? cg->v2->mountpoint : "none", tong_cgroup_path(cg),
               ms_since(&t0));
        check_memory(cg);
        check_cpu(cg);
        check_rest(cg, &r);
        check_blkio_weight(cg);
        check_unified(cg);
        free(r.devices);
        CG_OK(tong_cgroup_destroy(cg, &err));
        for (size_t i = 0; i < cg->n_hiers; i++) {
                _cleanup_free_ char *p = cg_file_path(&cg->hiers[i], NULL);

                ASSERT_TRUE(access(p, F_OK) < 0 && errno == ENOENT);
        }
}

TEST(cgroup_live_create_apply_readback)
{
        if (live_ok())
                run_in_fixture(body_create_apply);
}

/* ---------------------------------------------------------------- errors name what was wrong */

/* create must fail with `msg`, and leave nothing behind (the parent did not exist). */
static void expect_create_error(const char *parent, const tong_resources *r, const char *msg)
{
        _cleanup_(tong_cgroup_freep) tong_cgroup *cg = new_cg(parent, "err");
        tong_err *err = NULL;

        ASSERT_FALSE(exists_anywhere(parent));
        ASSERT_TRUE(tong_cgroup_create(cg, r, &err) < 0);
        ASSERT_NOT_NULL(err);
        printf("# expected error: %s\n", err->msg);
        ASSERT_STR_CONTAINS(err->msg, msg);
        tong_err_free(err);
        ASSERT_FALSE(exists_anywhere(parent));
}

static void body_errors(const char *parent)
{
        _cleanup_(tong_cgroup_freep) tong_cgroup *probe = new_cg(parent, "err");
        tong_rdma rd = { .device = (char *)"mlx4_0", .has_hca_handles = true, .hca_handles = 2 };
        tong_kv bad_key = { .key = (char *)"../memory.max", .value = (char *)"1" };
        tong_resources r = { 0 };
        tong_err *err = NULL;
        tong_cgroup *cg = NULL;

        if (is_v1(probe, CG_BLKIO)) {
                /* leaf weights went with CFQ (Linux 5.0). */
                r.has_blkio = true;
                r.blkio.has_leaf_weight = true;
                r.blkio.leaf_weight = 500;
                expect_create_error(parent, &r, "blkio.leaf_weight does not exist");
        }
        r = (tong_resources){ .has_class_id = true, .class_id = 0x100001 };
        if (!probe->owner[CG_NET_CLS])
                expect_create_error(parent, &r, "the net_cls controller is not mounted");
        r = (tong_resources){ .rdma = &rd, .n_rdma = 1 };
        expect_create_error(parent, &r, "rdma");
        if (probe->v2) {
                r = (tong_resources){ .unified = &bad_key, .n_unified = 1 };
                expect_create_error(parent, &r, "invalid key \"../memory.max\"");
        }
        if (is_v1(probe, CG_MEMORY) && probe->v2) {
                tong_kv k = { .key = (char *)"memory.high", .value = (char *)"1000000" };

                r = (tong_resources){ .unified = &k, .n_unified = 1 };
                expect_create_error(parent, &r, "memory controller is on cgroup v1");
        }
        if (!is_v1(probe, CG_CPU)) {
                r = (tong_resources){ .has_cpu = true };
                r.cpu.has_realtime_runtime = true;
                r.cpu.realtime_runtime = 1000;
                expect_create_error(parent, &r, "not supported on cgroup v2");
        }
        ASSERT_EQ(tong_cgroup_new("/a/../b", NULL, &cg, &err), -EINVAL);
        ASSERT_STR_CONTAINS(err->msg, "\"..\" is not allowed");
        err = tong_err_free(err);
        ASSERT_EQ(tong_cgroup_new(NULL, "../x", &cg, &err), -EINVAL);
        err = tong_err_free(err);
        ASSERT_EQ(tong_cgroup_new("", NULL, &cg, &err), -EINVAL);
        tong_err_free(err);
        ASSERT_NULL(cg);
}

TEST(cgroup_live_errors)
{
        if (live_ok())
                run_in_fixture(body_errors);
}

/* ---------------------------------------------------------------- processes */

/* A child that waits until its pipe closes; returns its pid. */
static pid_t spawn_waiter(int *wfd)
{
        int p[2];
        pid_t pid;

        ASSERT_OK(pipe2(p, O_CLOEXEC));
        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                char c;

                close(p[1]);
                while (read(p[0], &c, 1) > 0)
                        ;
                _exit(0);
        }
        close(p[0]);
        *wfd = p[1];
        return pid;
}

static double ms_since(const struct timespec *t0)
{
        struct timespec t1;

        clock_gettime(CLOCK_MONOTONIC, &t1);
        return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static bool pid_in(const tong_cgroup *cg, pid_t pid)
{
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;

        CG_OK(tong_cgroup_pids(cg, &pids, &n, &err));
        for (size_t i = 0; i < n; i++)
                if (pids[i] == pid)
                        return true;
        return false;
}

/* /proc/<pid>/cgroup names the container's path in every hierarchy. */
static void check_proc_cgroup(const tong_cgroup *cg, pid_t pid)
{
        _cleanup_free_ char *p = xasprintf("/proc/%d/cgroup", (int)pid), *s = NULL;

        ASSERT_OK(read_file_at(AT_FDCWD, p, 65536, &s, NULL));
        for (size_t i = 0; i < cg->n_hiers; i++) {
                const cg_hier *h = &cg->hiers[i];
                _cleanup_free_ char *line =
                        xasprintf("%s:%s\n", h->controllers ? h->controllers : "", h->path);

                ASSERT_STR_CONTAINS(s, line);
        }
}

static void body_enter_freeze_kill(const char *parent)
{
        _cleanup_(tong_cgroup_freep) tong_cgroup *cg = NULL;
        tong_resources r = { .pids = { .has_limit = true, .limit = 100 } };
        struct timespec t0;
        double t_new, t_create, t_enter, t_destroy;
        int wfd, status;
        pid_t pid;

        /* Let earlier cgroup writes' RCU grace periods lapse: measure a cold start. */
        usleep(200000);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        cg = new_cg(parent, "run");
        t_new = ms_since(&t0);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        CG_OK(tong_cgroup_create(cg, &r, &err));
        t_create = ms_since(&t0);
        pid = spawn_waiter(&wfd);
        usleep(200000);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        CG_OK(tong_cgroup_enter(cg, pid, false, &err));
        t_enter = ms_since(&t0);
        check_proc_cgroup(cg, pid);
        ASSERT_TRUE(pid_in(cg, pid));
        ASSERT_EQ(tong_cgroup_populated(cg, NULL), 1);

        CG_OK(tong_cgroup_freeze(cg, true, &err));
        ASSERT_EQ(tong_cgroup_is_frozen(cg), 1);
        CG_OK(tong_cgroup_freeze(cg, false, &err));
        ASSERT_EQ(tong_cgroup_is_frozen(cg), 0);

        CG_OK(tong_cgroup_kill_all(cg, SIGTERM, &err));
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
        close(wfd);
        ASSERT_FALSE(pid_in(cg, pid));
        ASSERT_EQ(tong_cgroup_is_frozen(cg), 0);

        usleep(200000);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        CG_OK(tong_cgroup_destroy(cg, &err));
        t_destroy = ms_since(&t0);
        printf("# cold timings (%zu hierarchies): new %.2f ms, create %.2f ms, enter %.2f ms, "
               "destroy %.2f ms\n",
               cg->n_hiers, t_new, t_create, t_enter, t_destroy);
}

TEST(cgroup_live_enter_freeze_kill)
{
        if (live_ok())
                run_in_fixture(body_enter_freeze_kill);
}

static void body_kill_sigkill(const char *parent)
{
        _cleanup_(tong_cgroup_freep) tong_cgroup *cg = new_cg(parent, "k");
        pid_t pid, kids[3];
        int wfd[3], status;

        CG_OK(tong_cgroup_create(cg, NULL, &err));
        for (size_t i = 0; i < ELEMENTSOF(kids); i++) {
                kids[i] = spawn_waiter(&wfd[i]);
                CG_OK(tong_cgroup_enter(cg, kids[i], false, &err));
        }
        /* A frozen container is killed as well. */
        CG_OK(tong_cgroup_freeze(cg, true, &err));
        CG_OK(tong_cgroup_kill_all(cg, SIGKILL, &err));
        ASSERT_EQ(tong_cgroup_is_frozen(cg), 0);
        for (size_t i = 0; i < ELEMENTSOF(kids); i++) {
                pid = waitpid(kids[i], &status, 0);
                ASSERT_EQ(pid, kids[i]);
                ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
                close(wfd[i]);
        }
        ASSERT_EQ(tong_cgroup_populated(cg, NULL), 0);
        CG_OK(tong_cgroup_destroy(cg, &err));
}

TEST(cgroup_live_kill_all_sigkill)
{
        if (live_ok())
                run_in_fixture(body_kill_sigkill);
}

static void body_fitness(const char *parent)
{
        _cleanup_(tong_cgroup_freep) tong_cgroup *a = new_cg(parent, "fit");
        _cleanup_(tong_cgroup_freep) tong_cgroup *b = new_cg(parent, "fit");
        tong_err *e = NULL;
        int wfd, status;
        pid_t pid;

        CG_OK(tong_cgroup_create(a, NULL, &err));
        pid = spawn_waiter(&wfd);
        CG_OK(tong_cgroup_enter(a, pid, false, &err));
        ASSERT_EQ(tong_cgroup_create(b, NULL, &e), -EBUSY);
        ASSERT_STR_CONTAINS(e->msg, "has processes in it");
        ASSERT_STR_CONTAINS(e->msg, "/fit");
        e = tong_err_free(e);
        close(wfd);
        ASSERT_EQ(waitpid(pid, &status, 0), pid);

        CG_OK(tong_cgroup_freeze(a, true, &err));
        ASSERT_EQ(tong_cgroup_create(b, NULL, &e), -EBUSY);
        ASSERT_STR_CONTAINS(e->msg, "is frozen");
        e = tong_err_free(e);
        CG_OK(tong_cgroup_freeze(a, false, &err));
        /* An existing, empty, thawed cgroup is taken as it is. */
        CG_OK(tong_cgroup_create(b, NULL, &err));
        /* A failed create of an existing cgroup does not remove it. */
        ASSERT_TRUE(exists_anywhere(tong_cgroup_path(a)));
        CG_OK(tong_cgroup_destroy(a, &err));
}

TEST(cgroup_live_fitness)
{
        if (live_ok())
                run_in_fixture(body_fitness);
}

/* ---------------------------------------------------------------- update */

static void update_memory(const tong_cgroup *cg, int64_t limit, int64_t swap)
{
        tong_resources r = { .has_memory = true };

        r.memory =
                (tong_memory){ .has_limit = true, .limit = limit, .has_swap = true, .swap = swap };
        CG_OK(tong_cgroup_apply(cg, &r, &err));
}

static void body_update(const char *parent)
{
        _cleanup_(tong_cgroup_freep) tong_cgroup *cg = new_cg(parent, "upd");
        tong_resources r = { .has_cpu = true, .pids = { .has_limit = true, .limit = 10 } };
        bool memsw = false;

        r.cpu = (tong_cpu){
                .has_quota = true, .quota = 50000, .has_period = true, .period = 100000
        };
        CG_OK(tong_cgroup_create(cg, &r, &err));
        memsw = cg_has_file(cg->owner[CG_MEMORY], "memory.memsw.limit_in_bytes") ||
                cg_has_file(cg->owner[CG_MEMORY], "memory.swap.max");
        if (memsw) {
                /* Raising both needs memsw first on v1, lowering needs the limit first. */
                update_memory(cg, 64 * MiB, 128 * MiB);
                update_memory(cg, 256 * MiB, 512 * MiB);
                ASSERT_CTRL(cg, CG_MEMORY, "memory.limit_in_bytes", "memory.max", "268435456",
                            "268435456");
                ASSERT_CTRL(cg, CG_MEMORY, "memory.memsw.limit_in_bytes", "memory.swap.max",
                            "536870912", "268435456");
                update_memory(cg, 32 * MiB, 64 * MiB);
                ASSERT_CTRL(cg, CG_MEMORY, "memory.limit_in_bytes", "memory.max", "33554432",
                            "33554432");
                ASSERT_CTRL(cg, CG_MEMORY, "memory.memsw.limit_in_bytes", "memory.swap.max",
                            "67108864", "33554432");
        }
        /* Only the period: the quota stays. */
        r = (tong_resources){ .has_cpu = true, .pids = { .has_limit = true, .limit = -1 } };
        r.cpu = (tong_cpu){ .has_period = true, .period = 200000 };
        CG_OK(tong_cgroup_apply(cg, &r, &err));
        if (is_v1(cg, CG_CPU)) {
                ASSERT_CTRL(cg, CG_CPU, "cpu.cfs_quota_us", NULL, "50000", NULL);
                ASSERT_CTRL(cg, CG_CPU, "cpu.cfs_period_us", NULL, "200000", NULL);
        } else
                ASSERT_CTRL(cg, CG_CPU, NULL, "cpu.max", NULL, "50000 200000");
        ASSERT_CTRL(cg, CG_PIDS, "pids.max", "pids.max", "max", "max");
        /* A shorter period with a quota that no longer fits the old one. */
        r.cpu = (tong_cpu){ .has_quota = true, .quota = 5000, .has_period = true, .period = 10000 };
        CG_OK(tong_cgroup_apply(cg, &r, &err));
        CG_OK(tong_cgroup_destroy(cg, &err));
}

TEST(cgroup_live_update)
{
        if (live_ok())
                run_in_fixture(body_update);
}

/* ---------------------------------------------------------------- ownership */

static void body_delegate(const char *parent)
{
        _cleanup_(tong_cgroup_freep) tong_cgroup *cg = new_cg(parent, "own");
        struct stat st;

        CG_OK(tong_cgroup_create(cg, NULL, &err));
        CG_OK(tong_cgroup_delegate(cg, 12345, 12346, &err));
        for (size_t i = 0; i < cg->n_hiers; i++) {
                const cg_hier *h = &cg->hiers[i];

                ASSERT_OK(fstatat(h->dirfd, "", &st, AT_EMPTY_PATH));
                ASSERT_EQ(st.st_uid, h->version == 2 ? 12345 : 0);
                ASSERT_OK(fstatat(h->dirfd, "cgroup.procs", &st, 0));
                ASSERT_EQ(st.st_uid, h->version == 2 ? 12345 : 0);
                ASSERT_EQ(st.st_gid, h->version == 2 ? 12346 : 0);
                if (h->version == 2) {
                        /* Not in the delegate list: stays root's. */
                        ASSERT_OK(fstatat(h->dirfd, "cgroup.freeze", &st, 0));
                        ASSERT_EQ(st.st_uid, 0);
                }
        }
        CG_OK(tong_cgroup_destroy(cg, &err));
}

TEST(cgroup_live_delegate)
{
        if (live_ok())
                run_in_fixture(body_delegate);
}

/* ---------------------------------------------------------------- stats and OOM */

/* Child: wait for a byte, touch `mb` MiB, report, then wait for the pipe to close. */
static pid_t spawn_eater(size_t mb, int *to_child, int *from_child)
{
        int a[2], b[2];
        pid_t pid;

        ASSERT_OK(pipe2(a, O_CLOEXEC));
        ASSERT_OK(pipe2(b, O_CLOEXEC));
        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                char c;
                char *m;

                close(a[1]);
                close(b[0]);
                if (read(a[0], &c, 1) != 1)
                        _exit(1);
                m = malloc(mb * MiB);
                for (size_t i = 0; m && i < mb * MiB; i += 4096)
                        m[i] = 1;
                if (write(b[1], "x", 1) != 1)
                        _exit(1);
                while (read(a[0], &c, 1) > 0)
                        ;
                _exit(0);
        }
        close(a[0]);
        close(b[1]);
        *to_child = a[1];
        *from_child = b[0];
        return pid;
}

/* v2: a limit below the usage is refused when asked to check (v1's kernel refuses itself). */
static void check_before_update(const tong_cgroup *cg)
{
        tong_resources r = { .has_memory = true };
        tong_err *err = NULL;

        if (is_v1(cg, CG_MEMORY))
                return;
        r.memory = (tong_memory){ .has_limit = true,
                                  .limit = 4 * MiB,
                                  .has_check_before_update = true,
                                  .check_before_update = true };
        ASSERT_EQ(tong_cgroup_apply(cg, &r, &err), -EBUSY);
        ASSERT_STR_CONTAINS(err->msg, "below the current usage");
        tong_err_free(err);
        ASSERT_CTRL(cg, CG_MEMORY, NULL, "memory.max", NULL, "268435456");
}

static void body_stats(const char *parent)
{
        _cleanup_(tong_cgroup_freep) tong_cgroup *cg = new_cg(parent, "st");
        _cleanup_(tong_cgroup_stats_freep) tong_cgroup_stats *st = NULL;
        tong_resources r = { .has_memory = true, .pids = { .has_limit = true, .limit = 50 } };
        int to, from, status;
        uint64_t ooms = 99;
        char c;
        pid_t pid;

        r.memory = (tong_memory){ .has_limit = true, .limit = 256 * MiB };
        CG_OK(tong_cgroup_create(cg, &r, &err));
        pid = spawn_eater(16, &to, &from);
        CG_OK(tong_cgroup_enter(cg, pid, false, &err));
        ASSERT_EQ(write(to, "g", 1), 1);
        ASSERT_EQ(read(from, &c, 1), 1);
        CG_OK(tong_cgroup_get_stats(cg, &st, &err));
        printf("# stats: cpu total %" PRIu64 " ns, mem usage %" PRIu64 " limit %" PRIu64
               ", %zu memory.stat keys, pids %" PRIu64 "/%" PRIu64 ", %zu hugetlb sizes\n",
               st->cpu.total, st->memory.usage.usage, st->memory.usage.limit, st->memory.n_stat,
               st->pids.current, st->pids.limit, st->n_hugetlb);
        ASSERT_TRUE(st->memory.usage.usage >= 16 * MiB);
        ASSERT_U64_EQ(st->memory.usage.limit, 256 * MiB);
        ASSERT_TRUE(st->memory.n_stat > 5);
        ASSERT_U64_EQ(st->pids.current, 1);
        ASSERT_U64_EQ(st->pids.limit, 50);
        ASSERT_TRUE(st->cpu.total > 0);
        if (cg->owner[CG_HUGETLB])
                ASSERT_TRUE(st->n_hugetlb >= 1);
        CG_OK(tong_cgroup_oom_kills(cg, &ooms, &err));
        ASSERT_U64_EQ(ooms, 0);
        check_before_update(cg);
        close(to);
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        close(from);

        /* Now past the limit: the kernel OOM-kills the child and the counter says so. */
        update_memory(cg, 8 * MiB, 8 * MiB);
        pid = spawn_eater(64, &to, &from);
        CG_OK(tong_cgroup_enter(cg, pid, false, &err));
        ASSERT_EQ(write(to, "g", 1), 1);
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        close(to);
        close(from);
        CG_OK(tong_cgroup_oom_kills(cg, &ooms, &err));
        ASSERT_U64_EQ(ooms, 1);
        CG_OK(tong_cgroup_destroy(cg, &err));
}

TEST(cgroup_live_stats_and_oom)
{
        if (live_ok())
                run_in_fixture(body_stats);
}

/* ---------------------------------------------------------------- paths */

static void body_relative_and_open(const char *parent)
{
        _cleanup_free_ char *rel = xasprintf("tong-unit-rel-%d/c", (int)getppid());
        _cleanup_(tong_cgroup_freep) tong_cgroup *cg = NULL, *again = NULL, *def = NULL;

        (void)parent;
        CG_OK(tong_cgroup_new(rel, NULL, &cg, &err));
        CG_OK(tong_cgroup_create(cg, NULL, &err));
        printf("# recorded: %s\n", tong_cgroup_path(cg));
        for (size_t i = 0; i < cg->n_hiers; i++) {
                const cg_hier *h = &cg->hiers[i];
                _cleanup_free_ char *want =
                        xasprintf("%s%s%s", h->own, streq(h->own, "/") ? "" : "/", rel);

                ASSERT_STREQ(h->path, want);
                ASSERT_TRUE(h->dirfd >= 0);
        }
        CG_OK(tong_cgroup_open(tong_cgroup_path(cg), &again, &err));
        ASSERT_EQ(again->n_hiers, cg->n_hiers);
        for (size_t i = 0; i < cg->n_hiers; i++) {
                ASSERT_STREQ(again->hiers[i].path, cg->hiers[i].path);
                ASSERT_TRUE(again->hiers[i].dirfd >= 0);
        }
        CG_OK(tong_cgroup_destroy(again, &err));
        ASSERT_FALSE(exists_anywhere(rel));

        CG_OK(tong_cgroup_new(NULL, "web", &def, &err));
        ASSERT_STREQ(tong_cgroup_path(def), "/tong/web");
}

TEST(cgroup_live_relative_and_open)
{
        if (live_ok())
                run_in_fixture(body_relative_and_open);
}

static void body_destroy_nested(const char *parent)
{
        _cleanup_(tong_cgroup_freep) tong_cgroup *cg = new_cg(parent, "nest");
        const tong_cgroup_hier *pub;
        size_t n;

        CG_OK(tong_cgroup_create(cg, NULL, &err));
        n = tong_cgroup_hierarchies(cg, &pub);
        ASSERT_EQ(n, cg->n_hiers);
        for (size_t i = 0; i < n; i++) {
                ASSERT_STREQ(pub[i].path, cg->hiers[i].path);
                ASSERT_OK(mkdirat(cg->hiers[i].dirfd, "sub", 0755));
                ASSERT_OK(mkdirat(cg->hiers[i].dirfd, "sub/deeper", 0755));
        }
        CG_OK(tong_cgroup_destroy(cg, &err));
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *p = cg_file_path(&cg->hiers[i], NULL);

                ASSERT_TRUE(access(p, F_OK) < 0 && errno == ENOENT);
        }
        /* Destroying again is fine, and so is killing what is not there. */
        CG_OK(tong_cgroup_destroy(cg, &err));
        CG_OK(tong_cgroup_kill_all(cg, SIGKILL, &err));
        ASSERT_TRUE(tong_cgroup_is_frozen(cg) < 0);
        ASSERT_EQ(tong_cgroup_populated(cg, NULL), 0);
}

TEST(cgroup_live_destroy_nested)
{
        if (live_ok())
                run_in_fixture(body_destroy_nested);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cgroup v2 device program, for real: each test makes its own cgroup2 directory (under
 * /sys/fs/cgroup/unified on a hybrid host, /sys/fs/cgroup on pure v2), moves a forked child
 * into it and checks what the child may open and mknod.  Everything is removed afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup/bpf-devices.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "core/missing.h"
#include "test.h"

typedef struct cg {
        char *path;
        char *tmpdir; /* for mknod attempts */
        int fd;
} cg;

static const char *cgroup2_root(void)
{
        struct statfs sf;

        if (statfs("/sys/fs/cgroup/unified", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
                return "/sys/fs/cgroup/unified";
        if (statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
                return "/sys/fs/cgroup";
        return NULL;
}

static void cg_make(cg *c, const char *name)
{
        const char *root = cgroup2_root();

        if (!root)
                test_fail(__FILE__, __LINE__, "no cgroup2 mount");
        c->path = xasprintf("%s/tong-test-bpf-%d-%s", root, getpid(), name);
        c->tmpdir = xasprintf("/tmp/tong-test-bpf-%d-%s", getpid(), name);
        ASSERT_OK(mkdir(c->path, 0755));
        ASSERT_OK(mkdir(c->tmpdir, 0700));
        c->fd = open(c->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        ASSERT_TRUE(c->fd >= 0);
}

static void cg_remove(cg *c)
{
        _cleanup_free_ char *node = xasprintf("%s/node", c->tmpdir);

        safe_close(c->fd);
        (void)unlink(node);
        (void)rmdir(c->tmpdir);
        /* The last member was reaped just before; the kernel may lag a moment. */
        for (int i = 0; i < 100 && rmdir(c->path) < 0 && errno == EBUSY; i++)
                usleep(10000);
        ASSERT_TRUE(access(c->path, F_OK) < 0);
        free(c->path);
        free(c->tmpdir);
}

typedef int (*child_fn)(const cg *c);

/* Run fn in a child that is a member of the cgroup; returns its exit status (0 = passed). */
static int run_in(const cg *c, child_fn fn)
{
        int go[2], status = 0;
        char pid_s[32];
        pid_t pid;

        ASSERT_OK(pipe2(go, O_CLOEXEC));
        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                char b;

                close(go[1]);
                if (read(go[0], &b, 1) != 1)
                        _exit(99);
                _exit(fn(c));
        }
        close(go[0]);
        (void)snprintf(pid_s, sizeof(pid_s), "%d", pid);
        ASSERT_OK(write_file_at(c->fd, "cgroup.procs", pid_s));
        ASSERT_EQ(write(go[1], "x", 1), 1);
        close(go[1]);
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int open_errno(const char *path, int flags)
{
        int fd = open(path, flags | O_CLOEXEC);

        if (fd >= 0) {
                close(fd);
                return 0;
        }
        return errno;
}

static int mknod_errno(const cg *c, dev_t dev)
{
        _cleanup_free_ char *node = xasprintf("%s/node", c->tmpdir);

        (void)unlink(node);
        if (mknod(node, S_IFCHR | 0600, dev) == 0) {
                (void)unlink(node);
                return 0;
        }
        return errno;
}

#define RULE(al, t, ma, mi, acc)                                                        \
        {                                                                               \
                .allow = (al), .type = (t), .major = (ma), .minor = (mi), .access = acc \
        }

static void apply_ok(const cg *c, const tong_device_rule *rules, size_t n)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;

        if (tong_bpf_devices_apply(c->fd, rules, n, &err) < 0) {
                /* test_fail() exits: remove the (empty) cgroup and tmpdir first. */
                (void)rmdir(c->path);
                (void)rmdir(c->tmpdir);
                test_fail(__FILE__, __LINE__, "apply: %s", err->msg);
        }
}

static size_t count_ours(const cg *c)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        size_t n = 99;

        if (tong_bpf_devices_count(c->fd, &n, &err) < 0)
                test_fail(__FILE__, __LINE__, "count: %s", err->msg);
        return n;
}

static size_t count_all(const cg *c)
{
        uint32_t ids[64];
        union bpf_attr attr;

        memset(&attr, 0, sizeof(attr));
        attr.query.target_fd = (uint32_t)c->fd;
        attr.query.attach_type = BPF_CGROUP_DEVICE;
        attr.query.prog_ids = (uint64_t)(uintptr_t)ids;
        attr.query.prog_cnt = ELEMENTSOF(ids);
        ASSERT_OK(syscall(SYS_bpf, BPF_PROG_QUERY, &attr, sizeof(attr)));
        return attr.query.prog_cnt;
}

/* ---------------------------------------------------------------- tests */

static int child_null_only(const cg *c)
{
        if (open_errno("/dev/null", O_RDWR) != 0)
                return 1;
        if (open_errno("/dev/zero", O_RDONLY) != EPERM)
                return 2;
        if (mknod_errno(c, makedev(1, 5)) != EPERM)
                return 3;
        if (mknod_errno(c, makedev(1, 3)) != EPERM) /* no 'm' for 1:3 either */
                return 4;
        return 0;
}

TEST(bpf_devices_allow_null_deny_the_rest)
{
        tong_device_rule rules[] = {
                RULE(false, 'a', -1, -1, "rwm"),
                RULE(true, 'c', 1, 3, "rw"),
        };
        cg c;

        cg_make(&c, "null");
        apply_ok(&c, rules, ELEMENTSOF(rules));
        ASSERT_EQ(run_in(&c, child_null_only), 0);
        cg_remove(&c);
}

static int child_null_denied(const cg *c)
{
        (void)c;
        return open_errno("/dev/null", O_RDONLY) == EPERM ? 0 : 1;
}

static int child_null_ro(const cg *c)
{
        (void)c;
        if (open_errno("/dev/null", O_RDONLY) != 0)
                return 1;
        if (open_errno("/dev/null", O_WRONLY) != EPERM)
                return 2;
        if (open_errno("/dev/null", O_RDWR) != EPERM)
                return 3;
        if (open_errno("/dev/zero", O_RDWR) != 0)
                return 4;
        return 0;
}

static int child_null_rw(const cg *c)
{
        (void)c;
        return open_errno("/dev/null", O_RDWR) == 0 ? 0 : 1;
}

TEST(bpf_devices_order_matters_and_bits_are_separate)
{
        tong_device_rule later_deny[] = {
                RULE(true, 'c', 1, 3, "rw"),
                RULE(false, 'c', 1, 3, ""),
        };
        tong_device_rule hole[] = {
                RULE(true, 'c', -1, -1, "rwm"),
                RULE(false, 'c', 1, 3, "w"),
        };
        tong_device_rule split[] = {
                RULE(false, 'a', -1, -1, ""),
                RULE(true, 'c', 1, 3, "r"),
                RULE(true, 'b', 1, 3, "w"), /* another type: does not count */
                RULE(true, 'a', 1, 3, "w"),
        };
        cg c;

        cg_make(&c, "order");
        apply_ok(&c, later_deny, ELEMENTSOF(later_deny));
        ASSERT_EQ(run_in(&c, child_null_denied), 0);
        apply_ok(&c, hole, ELEMENTSOF(hole));
        ASSERT_EQ(run_in(&c, child_null_ro), 0);
        apply_ok(&c, split, ELEMENTSOF(split));
        ASSERT_EQ(run_in(&c, child_null_rw), 0);
        cg_remove(&c);
}

static int child_all_denied(const cg *c)
{
        (void)c;
        return open_errno("/dev/null", O_RDONLY) == EPERM &&
                               open_errno("/dev/zero", O_RDONLY) == EPERM
                       ? 0
                       : 1;
}

static int child_all_allowed(const cg *c)
{
        (void)c;
        return open_errno("/dev/null", O_RDWR) == 0 && open_errno("/dev/zero", O_RDONLY) == 0 ? 0
                                                                                              : 1;
}

TEST(bpf_devices_update_replaces_and_detach_removes)
{
        tong_device_rule allow_null[] = { RULE(true, 'c', 1, 3, "rwm") };
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        int opath;
        cg c;

        cg_make(&c, "update");
        /* No rules at all: default deny. */
        apply_ok(&c, NULL, 0);
        ASSERT_EQ(run_in(&c, child_all_denied), 0);
        apply_ok(&c, allow_null, 1);
        apply_ok(&c, allow_null, 1);
        ASSERT_EQ(count_ours(&c), 1);
        ASSERT_EQ(count_all(&c), 1);
        ASSERT_EQ(run_in(&c, child_null_rw), 0);

        /* An O_PATH fd works too. */
        opath = open(c.path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        ASSERT_TRUE(opath >= 0);
        ASSERT_OK(tong_bpf_devices_apply(opath, NULL, 0, &err));
        ASSERT_EQ(count_ours(&c), 1);
        ASSERT_EQ(run_in(&c, child_all_denied), 0);

        ASSERT_OK(tong_bpf_devices_detach(opath, &err));
        close(opath);
        ASSERT_EQ(count_ours(&c), 0);
        ASSERT_EQ(count_all(&c), 0);
        ASSERT_EQ(run_in(&c, child_all_allowed), 0);
        /* Detaching when nothing is attached is fine. */
        ASSERT_OK(tong_bpf_devices_detach(c.fd, &err));
        cg_remove(&c);
}

TEST(bpf_devices_invalid_rules_name_the_field)
{
        tong_device_rule bad_type[] = { RULE(true, 'c', 1, 3, "rw"), RULE(true, 'x', 1, 3, "") };
        tong_device_rule bad_access[] = { RULE(true, 'c', 1, 3, "rx") };
        tong_device_rule bad_major[] = { RULE(true, 'c', -2, 3, "") };
        _cleanup_(tong_err_freep) tong_err *e1 = NULL, *e2 = NULL, *e3 = NULL;

        /* Validation comes before any bpf(2) call, so any fd will do. */
        ASSERT_EQ(tong_bpf_devices_apply(-1, bad_type, 2, &e1), -EINVAL);
        ASSERT_STR_CONTAINS(e1->msg, "linux.resources.devices[1].type");
        ASSERT_EQ(tong_bpf_devices_apply(-1, bad_access, 1, &e2), -EINVAL);
        ASSERT_STR_CONTAINS(e2->msg, "linux.resources.devices[0].access");
        ASSERT_EQ(tong_bpf_devices_apply(-1, bad_major, 1, &e3), -ERANGE);
        ASSERT_STR_CONTAINS(e3->msg, "linux.resources.devices[0].major: -2");
}

TEST(bpf_devices_many_rules_load)
{
        size_t n = 65536; /* the most a program may hold (and the spec allows) */
        _cleanup_free_ tong_device_rule *rules = xcalloc(n, sizeof(*rules));
        cg c;

        rules[0] = (tong_device_rule)RULE(false, 'a', -1, -1, "");
        for (size_t i = 1; i < n; i++)
                rules[i] = (tong_device_rule)RULE(i % 2, 'c', 200, (int64_t)i, "rw");
        rules[n - 1] = (tong_device_rule)RULE(true, 'c', 1, 3, "rw");
        cg_make(&c, "many");
        apply_ok(&c, rules, n);
        ASSERT_EQ(run_in(&c, child_null_rw), 0);
        cg_remove(&c);
}

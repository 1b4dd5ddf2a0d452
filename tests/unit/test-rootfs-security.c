/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The black-box cases of security.md (sections 1.1, 1.2, 2) as unit tests: a hostile rootfs or
 * config, and a sentinel directory $S on the host that must stay exactly as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "linux/rootfs.h"
#include "test-rootfs-util.h"
#include "test.h"

typedef struct attack {
        char *root;
        char *sentinel;
        char *marker;
        trt_spec s;
        trt_run r;
} attack;

static void attack_init(attack *a, bool fallback)
{
        a->root = trt_mkdtemp("rootfs");
        a->sentinel = trt_mkdtemp("sentinel");
        a->marker = xasprintf("%s/marker", a->sentinel);
        trt_write(a->marker, "untouched");
        trt_build_rootfs(a->root);
        trt_spec_init(&a->s);
        a->r = (trt_run){
                .rootfs = a->root, .cgroups = true, .fallback = fallback, .quiet_timing = true
        };
        a->r.spec = &a->s.spec;
}

/* Nothing but the marker, unchanged, in the sentinel directory. */
static void attack_check_sentinel(attack *a)
{
        _cleanup_free_ char *c = NULL;
        struct stat st;

        ASSERT_EQ(trt_count_entries(a->sentinel), 1);
        ASSERT_OK(lstat(a->marker, &st));
        ASSERT_TRUE(S_ISREG(st.st_mode));
        ASSERT_OK(read_file_at(AT_FDCWD, a->marker, 64, &c, NULL));
        ASSERT_STREQ(c, "untouched");
}

static void attack_done(attack *a)
{
        attack_check_sentinel(a);
        trt_rm_rf(a->root);
        trt_rm_rf(a->sentinel);
        free(a->root);
        free(a->sentinel);
        free(a->marker);
}

static char *rootfs_path(attack *a, const char *rel)
{
        return xasprintf("%s/%s", a->root, rel);
}

/* Replace a directory of the rootfs by a symlink. */
static void make_link(attack *a, const char *rel, const char *target)
{
        _cleanup_free_ char *p = rootfs_path(a, rel);

        (void)rmdir(p);
        trt_symlink(target, p);
}

/* ------------------------------------------------------------------ CVE-2024-45310 */

static int check_mounted_inside(void *arg)
{
        return trt_is_mountpoint(arg) ? 0 : 1;
}

static void mkdir_escape(bool fallback)
{
        attack a;
        _cleanup_free_ char *up = NULL;

        attack_init(&a, fallback);
        up = xasprintf("../../../../../../..%s", a.sentinel);
        make_link(&a, "x", up);
        trt_add_mount(&a.s, "/x/newdir/sub", "tmpfs", "tmpfs", 0, NULL);
        a.r.check = check_mounted_inside;
        a.r.arg = (void *)"/x/newdir/sub";
        ASSERT_EQ(trt_run_container(&a.r), 0);
        attack_done(&a);
}

TEST(rootfs_sec_mount_point_symlink_out)
{
        mkdir_escape(false);
        mkdir_escape(true);
}

/* ------------------------------------------------------------------ CVE-2019-18837 */

static void last_component(bool fallback)
{
        attack a;
        _cleanup_free_ char *t = NULL, *t2 = NULL;

        attack_init(&a, fallback);
        t = xasprintf("/../../..%s/pwn", a.sentinel);
        t2 = xasprintf("../../..%s/pwnfile", a.sentinel);
        make_link(&a, "target", t);
        make_link(&a, "target2", t2);
        trt_add_mount(&a.s, "/target", "tmpfs", "tmpfs", 0, NULL);
        trt_add_mount(&a.s, "/target2", "bind", a.marker, MS_RDONLY, NULL);
        a.r.check = check_mounted_inside;
        a.r.arg = (void *)"/target";
        ASSERT_EQ(trt_run_container(&a.r), 0);
        attack_done(&a);
}

TEST(rootfs_sec_destination_last_component_symlink)
{
        last_component(false);
        last_component(true);
}

/* ------------------------------------------------------------------ CVE-2019-19921 */

TEST(rootfs_sec_proc_or_sys_symlink_refused)
{
        for (int fallback = 0; fallback < 2; fallback++) {
                attack a;

                attack_init(&a, fallback);
                make_link(&a, "proc", "/bad-proc");
                trt_runc_defaults(&a.s);
                a.r.expect_err = "mounts[0] (/proc): filesystem proc must be mounted on "
                                 "ordinary directory";
                ASSERT_EQ(trt_run_container(&a.r), 0);
                attack_done(&a);

                attack_init(&a, fallback);
                make_link(&a, "sys", "tmp");
                trt_runc_defaults(&a.s);
                a.r.expect_err = "mounts[5] (/sys): filesystem sysfs must be mounted on "
                                 "ordinary directory";
                ASSERT_EQ(trt_run_container(&a.r), 0);
                attack_done(&a);
        }
}

/* ------------------------------------------------------------------ CVE-2019-16884 */

TEST(rootfs_sec_fake_proc_refused)
{
        attack a;
        _cleanup_free_ char *fake = NULL;

        attack_init(&a, false);
        fake = xasprintf("%s/self/attr", a.sentinel);
        trt_mkdir_p(fake, 0755);
        trt_add_mount(&a.s, "/proc", "rbind", a.sentinel, 0, NULL);
        a.r.expect_err = "mounts[0] (/proc): bind mount cannot be mounted on /proc: not procfs";
        ASSERT_EQ(trt_run_container(&a.r), 0);
        (void)rmdir(fake);
        fake[strlen(fake) - 5] = '\0';
        (void)rmdir(fake);
        attack_done(&a);
}

/* ------------------------------------------------------------------ CVE-2025-52881 gadget */

TEST(rootfs_sec_mount_over_procfs_files_refused)
{
        static const char *const dests[] = { "/proc/self/attr/exec",
                                             "/proc/sys/kernel/core_pattern",
                                             "/proc/sys/net/ipv4/ip_forward" };

        for (size_t i = 0; i < ELEMENTSOF(dests); i++) {
                attack a;

                attack_init(&a, i == 1);
                trt_add_mount(&a.s, "/proc", "proc", "proc", 0, NULL);
                trt_add_mount(&a.s, dests[i], "bind", "/proc/sys/kernel/core_pattern", 0, NULL);
                a.r.expect_err = "is inside /proc";
                ASSERT_EQ(trt_run_container(&a.r), 0);
                attack_done(&a);
        }
}

/* ------------------------------------------------------------------ CVE-2026-41579/47766 */

TEST(rootfs_sec_dev_symlink_without_dev_tmpfs)
{
        for (int variant = 0; variant < 4; variant++) {
                attack a;
                _cleanup_free_ char *ptmx = NULL, *target = NULL;

                attack_init(&a, variant & 1);
                ptmx = xasprintf("%s/ptmx", a.sentinel);
                /* crun's regression test: a ptmx marker that must stay a file */
                trt_write(ptmx, "marker");
                target = variant < 2 ? xstrdup(a.sentinel)
                                     : xasprintf("../../../../../../..%s", a.sentinel);
                make_link(&a, "dev", target);
                trt_add_mount(&a.s, "/proc", "proc", "proc", 0, NULL);
                a.r.expect_err = "/dev: is a symlink in the rootfs";
                ASSERT_EQ(trt_run_container(&a.r), 0);
                {
                        _cleanup_free_ char *c = NULL;

                        ASSERT_OK(read_file_at(AT_FDCWD, ptmx, 64, &c, NULL));
                        ASSERT_STREQ(c, "marker");
                }
                ASSERT_OK(unlink(ptmx));
                attack_done(&a);
        }
}

/* ------------------------------------------------------------------ CVE-2025-31133 */

TEST(rootfs_sec_dev_null_symlink_in_rootfs_dev)
{
        _cleanup_free_ char *before = NULL, *after = NULL;
        attack a;
        _cleanup_free_ char *null = NULL;

        ASSERT_OK(read_file_at(AT_FDCWD, "/proc/sys/kernel/core_pattern", 4096, &before, NULL));
        attack_init(&a, false);
        null = rootfs_path(&a, "dev/null");
        trt_symlink("/proc/sys/kernel/core_pattern", null);
        trt_runc_defaults(&a.s);
        /* keep /proc, /sys; drop the /dev mounts so the rootfs /dev is used */
        a.s.mounts[1] = a.s.mounts[5];
        a.s.mounts[2] = a.s.mounts[6];
        a.s.spec.n_mounts = 3;
        a.r.expect_err = "/dev/null: exists as a symlink, not the character device 1:3";
        ASSERT_EQ(trt_run_container(&a.r), 0);
        ASSERT_OK(read_file_at(AT_FDCWD, "/proc/sys/kernel/core_pattern", 4096, &after, NULL));
        ASSERT_STREQ(before, after);
        attack_done(&a);
}

/* A /dev someone prepared and bound: devices are not created, masking must still verify. */
TEST(rootfs_sec_dev_null_symlink_in_bound_dev)
{
        attack a;
        _cleanup_free_ char *devdir = NULL, *null = NULL, *secret = NULL;
        struct stat st;

        attack_init(&a, false);
        secret = xasprintf("%s/secret", a.sentinel);
        devdir = xasprintf("%s/dev", a.sentinel);
        null = xasprintf("%s/null", devdir);
        trt_mkdir_p(devdir, 0755);
        trt_symlink("/data/secret", null);
        trt_write(secret, "secret");
        trt_add_mount(&a.s, "/proc", "proc", "proc", 0, NULL);
        trt_add_mount(&a.s, "/dev", "bind", devdir, 0, NULL);
        trt_add_mount(&a.s, "/data/secret", "bind", secret, 0, NULL);
        trt_add_masked(&a.s, "/proc/keys");
        a.r.expect_err = "linux.maskedPaths[0] (/proc/keys): /dev/null: exists as a symlink";
        ASSERT_EQ(trt_run_container(&a.r), 0);
        ASSERT_OK(stat(secret, &st));
        ASSERT_TRUE((st.st_mode & 07777) == 0644 && st.st_uid == 0);
        ASSERT_OK(unlink(null));
        ASSERT_OK(rmdir(devdir));
        ASSERT_OK(unlink(secret));
        attack_done(&a);
}

/* ------------------------------------------------------------------ CVE-2026-88264 */

static int check_console_symlink(void *arg)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        int fd = tong_rootfs_console_target(&err);

        (void)arg;
        if (fd >= 0 || !strstr(err->msg, "symlink")) {
                fprintf(stderr, "# console target: %d %s\n", fd, err ? err->msg : "");
                return 1;
        }
        return 0;
}

TEST(rootfs_sec_dev_console_symlink)
{
        attack a;
        _cleanup_free_ char *target = NULL, *console = NULL;

        attack_init(&a, false);
        target = xasprintf("/../../..%s/owned", a.sentinel);
        console = rootfs_path(&a, "dev/console");
        trt_symlink(target, console);
        trt_add_mount(&a.s, "/proc", "proc", "proc", 0, NULL);
        a.r.check = check_console_symlink;
        ASSERT_EQ(trt_run_container(&a.r), 0);
        attack_done(&a);
}

/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "core/missing.h"
#include "linux/rootfs-internal.h"
#include "test-rootfs-util.h"
#include "test.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

#define CHECK(x)                                                                                \
        do {                                                                                    \
                if (!(x)) {                                                                     \
                        fprintf(stderr, "# %s:%d: check failed: %s (%m)\n", __FILE__, __LINE__, \
                                #x);                                                            \
                        return 1;                                                               \
                }                                                                               \
        } while (0)

static bool file_is(const char *path, const char *content)
{
        _cleanup_free_ char *buf = NULL;

        if (read_file_at(AT_FDCWD, path, 4096, &buf, NULL) < 0)
                return false;
        return streq(buf, content);
}

static bool link_is(const char *path, const char *target)
{
        char buf[256];
        ssize_t k = readlink(path, buf, sizeof(buf) - 1);

        if (k < 0)
                return false;
        buf[k] = '\0';
        return streq(buf, target);
}

static bool on_fs(const char *path, long magic)
{
        struct statfs sf;

        return statfs(path, &sf) == 0 && sf.f_type == magic;
}

/* The host path of the rootfs must not be reachable from inside: the old root is gone. */
static int check_runc_defaults(void *arg)
{
        const char *host_rootfs = arg;
        static const char *const mps[] = { "/proc",       "/dev", "/dev/pts",      "/dev/shm",
                                           "/dev/mqueue", "/sys", "/sys/fs/cgroup" };

        for (size_t i = 0; i < ELEMENTSOF(mps); i++)
                CHECK(trt_is_mountpoint(mps[i]));
        CHECK(on_fs("/proc", PROC_SUPER_MAGIC));
        CHECK(on_fs("/dev", TMPFS_MAGIC));
        CHECK(on_fs("/dev/pts", DEVPTS_SUPER_MAGIC));
        CHECK(trt_is_chr("/dev/null", 1, 3) && trt_is_chr("/dev/zero", 1, 5));
        CHECK(trt_is_chr("/dev/full", 1, 7) && trt_is_chr("/dev/random", 1, 8));
        CHECK(trt_is_chr("/dev/urandom", 1, 9) && trt_is_chr("/dev/tty", 5, 0));
        CHECK(link_is("/dev/ptmx", "pts/ptmx") && link_is("/dev/fd", "/proc/self/fd"));
        CHECK(link_is("/dev/stdin", "/proc/self/fd/0") &&
              link_is("/dev/stderr", "/proc/self/fd/2"));
        CHECK(trt_open_errno("/dev/ptmx", O_RDWR | O_NOCTTY) == 0);
        /* readonlyPaths, maskedPaths, the ro sysfs */
        CHECK(trt_open_errno("/proc/sys/kernel/hostname", O_WRONLY) == EROFS);
        CHECK(access("/proc/sysrq-trigger", F_OK) < 0 ||
              trt_open_errno("/proc/sysrq-trigger", O_WRONLY) == EROFS);
        CHECK(trt_is_chr("/proc/keys", 1, 3) && trt_is_chr("/proc/timer_list", 1, 3));
        CHECK(access("/proc/kcore", F_OK) < 0 || trt_is_chr("/proc/kcore", 1, 3));
        CHECK(on_fs("/sys/firmware", TMPFS_MAGIC) && mkdir("/sys/firmware/x", 0755) < 0);
        CHECK(mkdir("/sys/x", 0755) < 0 && errno == EROFS);
        CHECK(mkdir("/sys/fs/cgroup/x", 0755) < 0);
        /* sysctl went to the container's network namespace */
        CHECK(file_is("/proc/sys/net/ipv4/ip_forward", "1\n"));
        CHECK(access("/bin/busybox", X_OK) == 0);
        CHECK(access(host_rootfs, F_OK) < 0);
        CHECK(mkdir("/tmp/writable", 0755) == 0);
        return 0;
}

static void run_runc_defaults(bool legacy, bool fallback, bool userns)
{
        if (userns && !trt_userns_available())
                return;

        _cleanup_free_ char *root = trt_mkdtemp("rootfs");
        _cleanup_free_ char *mi_before = NULL, *mi_after = NULL;
        trt_spec s;
        trt_run r = {
                .rootfs = root,
                .cgroups = true,
                .cgroupns = userns,
                .userns = userns,
                .legacy = legacy,
                .fallback = fallback,
                .check = check_runc_defaults,
                .arg = root,
        };

        trt_build_rootfs(root);
        trt_spec_init(&s);
        trt_runc_defaults(&s);
        s.sysctl[0] = (tong_kv){ (char *)"net.ipv4.ip_forward", (char *)"1" };
        s.spec.linux.n_sysctl = 1;
        r.spec = &s.spec;
        ASSERT_OK(read_file_at(AT_FDCWD, "/proc/self/mountinfo", 1 << 20, &mi_before, NULL));
        ASSERT_EQ(trt_run_container(&r), 0);
        /* Nothing leaked to the host's mount table. */
        ASSERT_OK(read_file_at(AT_FDCWD, "/proc/self/mountinfo", 1 << 20, &mi_after, NULL));
        ASSERT_FALSE(strstr(mi_after, root));
        trt_rm_rf(root);
}

TEST(rootfs_runc_defaults)
{
        run_runc_defaults(false, false, false);
}

TEST(rootfs_runc_defaults_mount2_and_path_walk)
{
        run_runc_defaults(true, true, false);
}

TEST(rootfs_runc_defaults_userns_cgroupns)
{
        run_runc_defaults(false, false, true);
}

/* ------------------------------------------------------------------ options */

static int check_options(void *arg)
{
        (void)arg;
        /* root.readonly: the root is ro, the mounts on it are not */
        CHECK(mkdir("/newdir", 0755) < 0 && errno == EROFS);
        CHECK(mkdir("/dev/shm/x", 0755) == 0);
        /* bind of a file, read-only */
        CHECK(file_is("/etc/hostfile", "from-host"));
        CHECK(trt_open_errno("/etc/hostfile", O_WRONLY) == EROFS);
        /* rro: the submount of the rbind source is read-only too */
        CHECK(trt_is_mountpoint("/data/sub"));
        CHECK(mkdir("/data/x", 0755) < 0 && errno == EROFS);
        CHECK(mkdir("/data/sub/x", 0755) < 0 && errno == EROFS);
        /* tmpcopyup: the image's /opt content is in the new tmpfs */
        CHECK(on_fs("/opt", TMPFS_MAGIC) && file_is("/opt/keep/me", "image-data"));
        CHECK(link_is("/opt/link", "keep/me"));
        /* noexec + nosuid as options */
        CHECK(trt_is_mountpoint("/scratch"));
        {
                struct statvfs sv;

                CHECK(statvfs("/scratch", &sv) == 0 && (sv.f_flag & ST_NOEXEC) &&
                      (sv.f_flag & ST_NOSUID) && (sv.f_flag & ST_NOATIME));
        }
        /* an lxcfs-style bind over a procfs file is allowed */
        CHECK(file_is("/proc/uptime", "from-host"));
        return 0;
}

static void run_options(bool legacy, bool no_pivot)
{
        _cleanup_free_ char *root = trt_mkdtemp("rootfs");
        _cleanup_free_ char *host = trt_mkdtemp("hostdir");
        _cleanup_free_ char *hostfile = xasprintf("%s/file", host);
        _cleanup_free_ char *hostdir = xasprintf("%s/dir", host);
        _cleanup_free_ char *hostsub = xasprintf("%s/dir/sub", host);
        _cleanup_free_ char *opt = xasprintf("%s/opt/keep", root);
        _cleanup_free_ char *optf = xasprintf("%s/opt/keep/me", root);
        _cleanup_free_ char *optl = xasprintf("%s/opt/link", root);
        trt_spec s;
        tong_mount *m;
        trt_run r = { .rootfs = root,
                      .legacy = legacy,
                      .no_pivot = no_pivot,
                      .cgroups = true,
                      .check = check_options };

        trt_build_rootfs(root);
        trt_write(hostfile, "from-host");
        trt_mkdir_p(hostsub, 0755);
        trt_mkdir_p(opt, 0755);
        trt_write(optf, "image-data");
        trt_symlink("keep/me", optl);
        trt_spec_init(&s);
        trt_runc_defaults(&s);
        s.spec.root_readonly = true;
        trt_add_mount(&s, "etc/hostfile", "bind", hostfile, MS_RDONLY, NULL);
        m = trt_add_mount(&s, "/opt", "tmpfs", "tmpfs", 0, "mode=755");
        m->tmpcopyup = true;
        trt_add_mount(&s, "/scratch", "tmpfs", "tmpfs", MS_NOEXEC | MS_NOSUID | MS_NOATIME, NULL);
        trt_add_mount(&s, "/proc/uptime", "bind", hostfile, 0, NULL);
        /* the host dir gets a submount inside our namespace before the rbind */
        trt_add_mount(&s, "/data", "rbind", hostdir, 0, NULL)->rec_attr_set = MOUNT_ATTR_RDONLY;
        r.spec = &s.spec;
        if (legacy) /* mount(2) has no rro: the test then expects a clear refusal */
                r.expect_err = "mounts[11] (/data): idmapped mounts and recursive mount "
                               "attributes need mount_setattr";
        {
                /* a tmpfs on hostdir/sub, visible only to the container's namespace copy */
                trt_unshare_mnt();
                ASSERT_OK(mount("tmpfs", hostsub, "tmpfs", 0, "size=64k"));
        }
        ASSERT_EQ(trt_run_container(&r), 0);
        ASSERT_OK(umount2(hostsub, MNT_DETACH));
        trt_rm_rf(root);
        trt_rm_rf(host);
}

TEST(rootfs_mount_options_readonly_root_tmpcopyup)
{
        run_options(false, false);
}

TEST(rootfs_mount_options_no_pivot)
{
        run_options(false, true);
}

TEST(rootfs_mount_options_mount2_refuses_rro)
{
        run_options(true, false);
}

/* ------------------------------------------------------------------ devices, idmap */

static int check_devices(void *arg)
{
        struct stat st;

        (void)arg;
        CHECK(lstat("/dev/fuse", &st) == 0 && S_ISCHR(st.st_mode));
        CHECK(st.st_rdev == makedev(10, 229) && (st.st_mode & 07777) == 0640);
        CHECK(st.st_uid == 1000 && st.st_gid == 1001);
        CHECK(lstat("/run/fifo", &st) == 0 && S_ISFIFO(st.st_mode));
        return 0;
}

TEST(rootfs_linux_devices)
{
        _cleanup_free_ char *root = trt_mkdtemp("rootfs");
        trt_spec s;
        trt_run r = { .rootfs = root, .cgroups = true, .check = check_devices };

        trt_build_rootfs(root);
        trt_spec_init(&s);
        trt_runc_defaults(&s);
        s.devices[0] = (tong_device){ .path = (char *)"/dev/fuse",
                                      .type = 'c',
                                      .has_major_minor = true,
                                      .major = 10,
                                      .minor = 229,
                                      .has_file_mode = true,
                                      .file_mode = 0640,
                                      .has_uid = true,
                                      .uid = 1000,
                                      .has_gid = true,
                                      .gid = 1001 };
        s.devices[1] = (tong_device){ .path = (char *)"/run/fifo", .type = 'p' };
        s.spec.linux.n_devices = 2;
        r.spec = &s.spec;
        ASSERT_EQ(trt_run_container(&r), 0);
        /* An existing different file at a device path is an error (config-linux.md). */
        s.devices[1] = (tong_device){ .path = (char *)"/bin/busybox",
                                      .type = 'c',
                                      .has_major_minor = true,
                                      .major = 1,
                                      .minor = 3 };
        r.expect_err = "linux.devices[1] (/bin/busybox): exists and is not the character "
                       "device 1:3";
        ASSERT_EQ(trt_run_container(&r), 0);
        trt_rm_rf(root);
}

static int check_userns_dev(void *arg)
{
        (void)arg;
        CHECK(trt_is_mountpoint("/dev/null") && trt_is_chr("/dev/null", 1, 3));
        CHECK(trt_is_mountpoint("/dev/tty") && trt_is_chr("/dev/tty", 5, 0));
        return 0;
}

TEST(rootfs_userns_binds_host_devices)
{
        if (!trt_userns_available())
                return;

        _cleanup_free_ char *root = trt_mkdtemp("rootfs");
        trt_spec s;
        trt_run r = { .rootfs = root, .userns = true, .check = check_userns_dev };

        trt_build_rootfs(root);
        trt_spec_init(&s);
        trt_runc_defaults(&s);
        s.spec.n_mounts = 6; /* no cgroup mount */
        r.spec = &s.spec;
        ASSERT_EQ(trt_run_container(&r), 0);
        trt_rm_rf(root);
}

static int check_idmap(void *arg)
{
        struct stat st;

        (void)arg;
        CHECK(stat("/idmapped/f", &st) == 0 && st.st_uid == 1000 && st.st_gid == 2000);
        CHECK(stat("/plain/f", &st) == 0 && st.st_uid == 0 && st.st_gid == 0);
        CHECK(trt_is_mountpoint("/idmapped/sub") && stat("/idmapped/sub/g", &st) == 0 &&
              st.st_uid == 1000);
        return 0;
}

/* idmap on a bind with its own mappings; ridmap reaches the submount too. */
TEST(rootfs_idmapped_bind_mounts)
{
        if (!trt_userns_available())
                return;

        _cleanup_free_ char *root = trt_mkdtemp("rootfs");
        _cleanup_free_ char *host = trt_mkdtemp("idmap");
        _cleanup_free_ char *f = xasprintf("%s/f", host);
        _cleanup_free_ char *sub = xasprintf("%s/sub", host);
        _cleanup_free_ char *g = xasprintf("%s/sub/g", host);
        _cleanup_close_ int ns = -EBADF;
        int fds[TRT_MAX];
        trt_spec s;
        trt_run r = { .rootfs = root, .check = check_idmap };
        tong_mount *m;

        trt_build_rootfs(root);
        trt_write(f, "x");
        trt_mkdir_p(sub, 0755);
        ns = trt_make_userns("0 1000 1\n", "0 2000 1\n");
        trt_spec_init(&s);
        m = trt_add_mount(&s, "/idmapped", "rbind", host, 0, NULL);
        m->ridmap = true;
        m->n_uid_mappings = m->n_gid_mappings = 1; /* the content lives in the userns fd */
        trt_add_mount(&s, "/plain", "bind", host, 0, NULL);
        for (size_t i = 0; i < TRT_MAX; i++)
                fds[i] = i == 0 ? ns : -1;
        r.spec = &s.spec;
        r.mount_userns_fds = fds;
        trt_unshare_mnt();
        ASSERT_OK(mount("tmpfs", sub, "tmpfs", 0, "size=64k"));
        trt_write(g, "y");
        ASSERT_EQ(trt_run_container(&r), 0);
        /* Mappings without a user namespace from the runtime: a clear error. */
        r.mount_userns_fds = NULL;
        r.expect_err = "mounts[0] (/idmapped): idmap: no user namespace holding uidMappings";
        ASSERT_EQ(trt_run_container(&r), 0);
        ASSERT_OK(umount2(sub, MNT_DETACH));
        trt_rm_rf(root);
        trt_rm_rf(host);
}

/* ------------------------------------------------------------------ units */

TEST(rootfs_sysctl_key_to_path)
{
        char *p = NULL;

        ASSERT_OK(rootfs_sysctl_key_to_path("net.ipv4.ip_forward", &p));
        ASSERT_STREQ(p, "net/ipv4/ip_forward");
        free(p);
        ASSERT_OK(rootfs_sysctl_key_to_path("net.ipv4.conf.eth0/1.forwarding", &p));
        ASSERT_STREQ(p, "net/ipv4/conf/eth0.1/forwarding");
        free(p);
        ASSERT_EQ(rootfs_sysctl_key_to_path("", &p), -EINVAL);
        ASSERT_EQ(rootfs_sysctl_key_to_path("net..x", &p), -EINVAL);
        ASSERT_EQ(rootfs_sysctl_key_to_path("net./..", &p), -EINVAL);
        ASSERT_EQ(rootfs_sysctl_key_to_path("kernel.", &p), -EINVAL);
        ASSERT_EQ(rootfs_sysctl_key_to_path(".kernel", &p), -EINVAL);
}

/* ------------------------------------------------------------------ cost */

TEST(rootfs_setup_time_runc_defaults)
{
        _cleanup_free_ char *root = trt_mkdtemp("rootfs");
        trt_spec s;
        trt_run r = { .rootfs = root, .cgroups = true, .quiet_timing = true };
        struct timespec a, b;
        const int n = 20;

        trt_build_rootfs(root);
        trt_spec_init(&s);
        trt_runc_defaults(&s);
        r.spec = &s.spec;
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (int i = 0; i < n; i++)
                ASSERT_EQ(trt_run_container(&r), 0);
        clock_gettime(CLOCK_MONOTONIC, &b);
        fprintf(stderr, "# %d container rootfs setups incl. fork+unshare: %.2f ms each\n", n,
                ((double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6) / n);
        r.quiet_timing = false;
        ASSERT_EQ(trt_run_container(&r), 0);
        trt_rm_rf(root);
}

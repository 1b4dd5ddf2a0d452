/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "test-rootfs-util.h"
#include "test.h"

char *trt_mkdtemp(const char *tag)
{
        char *p = xasprintf("/tmp/tong-test-%s.XXXXXX", tag);

        if (!mkdtemp(p))
                test_fail(__FILE__, __LINE__, "mkdtemp %s: %m", p);
        return p;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        (void)st;
        (void)ftw;
        if (type == FTW_DP)
                (void)rmdir(path);
        else
                (void)unlink(path);
        return 0;
}

void trt_rm_rf(const char *path)
{
        (void)nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

void trt_mkdir_p(const char *path, mode_t mode)
{
        _cleanup_free_ char *p = xstrdup(path);

        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                (void)mkdir(p, mode);
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                test_fail(__FILE__, __LINE__, "mkdir %s: %m", p);
}

void trt_write(const char *path, const char *content)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t)strlen(content))
                test_fail(__FILE__, __LINE__, "write %s: %m", path);
}

void trt_symlink(const char *target, const char *path)
{
        if (symlink(target, path) < 0)
                test_fail(__FILE__, __LINE__, "symlink %s: %m", path);
}

int trt_count_entries(const char *path)
{
        _cleanup_closedir_ DIR *d = opendir(path);
        struct dirent *de;
        int n = 0;

        if (!d)
                return -1;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        n++;
        return n;
}

bool trt_exists(const char *path)
{
        struct stat st;

        return lstat(path, &st) == 0;
}

void trt_unshare_mnt(void)
{
        if (unshare(CLONE_NEWNS) < 0)
                test_fail(__FILE__, __LINE__, "unshare(CLONE_NEWNS): %m");
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                test_fail(__FILE__, __LINE__, "make / private: %m");
}

int trt_run_child(int (*fn)(void *), void *arg, unsigned long unshare_flags)
{
        pid_t pid;
        int status;

        fflush(NULL);
        pid = fork();
        if (pid < 0)
                test_fail(__FILE__, __LINE__, "fork: %m");
        if (pid == 0) {
                if (unshare_flags && unshare((int)unshare_flags) < 0)
                        _exit(100);
                _exit(fn(arg));
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        test_fail(__FILE__, __LINE__, "waitpid: %m");
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        return 128 + WTERMSIG(status);
}

/* ------------------------------------------------------------------ containers */
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "cgroup/cgroup.h"
#include "core/fd-util.h"
#include "core/missing.h"
#include "core/path-util.h"
#include "linux/mount-fd.h"
#include "linux/rootfs.h"

void trt_spec_init(trt_spec *s)
{
        memset(s, 0, sizeof(*s));
        s->spec.mounts = s->mounts;
        s->spec.linux.masked_paths = s->masked;
        s->spec.linux.readonly_paths = s->readonly;
        s->spec.linux.sysctl = s->sysctl;
        s->spec.linux.devices = s->devices;
}

tong_mount *trt_add_mount(trt_spec *s, const char *dest, const char *type, const char *source,
                          unsigned long flags, const char *data)
{
        tong_mount *m = &s->mounts[s->spec.n_mounts++];

        if (s->spec.n_mounts > TRT_MAX)
                test_fail(__FILE__, __LINE__, "too many mounts");
        memset(m, 0, sizeof(*m));
        m->destination = (char *)dest;
        m->source = (char *)source;
        m->flags = flags;
        m->data = (char *)data;
        if (type && (streq(type, "bind") || streq(type, "rbind"))) {
                m->bind = true;
                m->recursive = streq(type, "rbind");
        } else {
                m->type = (char *)type;
        }
        return m;
}

static void add_strv(char **l, const char *p)
{
        size_t n = 0;

        while (l[n])
                n++;
        if (n >= TRT_MAX)
                test_fail(__FILE__, __LINE__, "too many paths");
        l[n] = (char *)p;
}

void trt_add_masked(trt_spec *s, const char *path)
{
        add_strv(s->masked, path);
}

void trt_add_readonly(trt_spec *s, const char *path)
{
        add_strv(s->readonly, path);
}

void trt_runc_defaults(trt_spec *s)
{
        static const char *const masked[] = {
                "/proc/acpi",          "/proc/asound",     "/proc/kcore",       "/proc/keys",
                "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
                "/sys/firmware",       "/proc/scsi",
        };
        static const char *const ro[] = {
                "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
        };
        const unsigned long nse = MS_NOSUID | MS_NOEXEC | MS_NODEV;

        trt_add_mount(s, "/proc", "proc", "proc", nse, NULL);
        trt_add_mount(s, "/dev", "tmpfs", "tmpfs", MS_NOSUID | MS_STRICTATIME,
                      "mode=755,size=65536k");
        trt_add_mount(s, "/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC,
                      "newinstance,ptmxmode=0666,mode=0620,gid=5");
        trt_add_mount(s, "/dev/shm", "tmpfs", "shm", nse, "mode=1777,size=65536k");
        trt_add_mount(s, "/dev/mqueue", "mqueue", "mqueue", nse, NULL);
        trt_add_mount(s, "/sys", "sysfs", "sysfs", nse | MS_RDONLY, NULL);
        trt_add_mount(s, "/sys/fs/cgroup", "cgroup", "cgroup", nse | MS_RELATIME | MS_RDONLY, NULL);
        for (size_t i = 0; i < ELEMENTSOF(masked); i++)
                trt_add_masked(s, masked[i]);
        for (size_t i = 0; i < ELEMENTSOF(ro); i++)
                trt_add_readonly(s, ro[i]);
}

void trt_build_rootfs(const char *dir)
{
        static const char *const dirs[] = { "bin", "proc", "sys", "dev", "etc", "tmp" };
        _cleanup_free_ char *bb = xasprintf("%s/bin/busybox", dir);
        _cleanup_free_ char *sh = xasprintf("%s/bin/sh", dir);

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                _cleanup_free_ char *p = xasprintf("%s/%s", dir, dirs[i]);

                trt_mkdir_p(p, 0755);
        }
        if (link("/bin/busybox", bb) < 0) {
                _cleanup_close_ int in = open("/bin/busybox", O_RDONLY | O_CLOEXEC);
                _cleanup_close_ int out = open(bb, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);

                char buf[65536];
                ssize_t k;

                if (in < 0 || out < 0)
                        test_fail(__FILE__, __LINE__, "copy busybox: %m");
                while ((k = read(in, buf, sizeof(buf))) > 0)
                        if (write(out, buf, (size_t)k) != k)
                                test_fail(__FILE__, __LINE__, "copy busybox: %m");
        }
        trt_symlink("busybox", sh);
}

/* The test's own cgroups, as the container's (bound from the host without a cgroupns). */
static size_t own_cgroups(tong_cgroup_hier *h, size_t max)
{
        static char storage[TRT_MAX][3][256];
        _cleanup_fclose_ FILE *f = fopen("/proc/self/cgroup", "re");
        struct statfs sf;
        bool pure_v2 = statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
        char line[512];
        size_t n = 0;

        while (f && n < max && fgets(line, sizeof(line), f)) {
                char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                const char *name;
                struct stat st;

                if (!c2)
                        continue;
                *c2 = '\0';
                c2[strcspn(c2 + 1, "\n") + 1] = '\0';
                name = c1[1] ? c1 + 1 : (pure_v2 ? "" : "unified");
                if (startswith(name, "name="))
                        name += 5;
                snprintf(storage[n][0], 256, "/sys/fs/cgroup%s%s", name[0] ? "/" : "", name);
                if (stat(storage[n][0], &st) < 0)
                        continue;
                snprintf(storage[n][1], 256, "%s", c1 + 1);
                snprintf(storage[n][2], 256, "%s", c2 + 1);
                h[n].version = c1[1] ? 1 : 2;
                h[n].mountpoint = storage[n][0];
                h[n].options = c1[1] ? storage[n][1] : NULL;
                h[n].path = storage[n][2];
                n++;
        }
        return n;
}

static long usec_since(const struct timespec *a)
{
        struct timespec b;

        clock_gettime(CLOCK_MONOTONIC, &b);
        return (b.tv_sec - a->tv_sec) * 1000000L + (b.tv_nsec - a->tv_nsec) / 1000;
}

/* Inside: the container's pid 1.  Returns the exit status. */
static int container_main(const trt_run *r, const tong_cgroup_hier *cg, size_t n_cg)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        tong_rootfs_ctx ctx;
        struct timespec t0;
        long tp, tv, tf;
        int rc;

        tong_mnt_set_legacy(r->legacy);
        tong_path_set_openat2_disabled(r->fallback);
        tong_rootfs_ctx_init(&ctx);
        ctx.spec = r->spec;
        ctx.rootfs = r->rootfs;
        ctx.no_pivot = r->no_pivot;
        ctx.userns = r->userns;
        ctx.cgroupns = r->cgroupns;
        ctx.cgroups = cg;
        ctx.n_cgroups = n_cg;
        ctx.mount_userns_fds = r->mount_userns_fds;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        rc = tong_rootfs_prepare(&ctx, &err);
        tp = usec_since(&t0);
        if (rc >= 0)
                rc = tong_rootfs_pivot(&ctx, &err);
        tv = usec_since(&t0) - tp;
        if (rc >= 0)
                rc = tong_rootfs_finalize(&ctx, &err);
        tf = usec_since(&t0) - tp - tv;
        tong_rootfs_ctx_done(&ctx);
        if (rc < 0) {
                bool match = r->expect_err && strstr(err->msg, r->expect_err);

                if (!match)
                        fprintf(stderr, "# rootfs setup failed: %s\n", err->msg);
                return match ? 0 : 1;
        }
        if (r->expect_err) {
                fprintf(stderr, "# expected an error containing \"%s\"\n", r->expect_err);
                return 1;
        }
        if (!r->quiet_timing)
                fprintf(stderr, "# rootfs: prepare %ld us, pivot %ld us, finalize %ld us\n", tp, tv,
                        tf);
        if (getenv("TRT_DUMP_MOUNTINFO")) {
                _cleanup_free_ char *mi = NULL;

                if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", 1 << 20, &mi, NULL) >= 0)
                        fprintf(stderr, "%s", mi);
        }
        return r->check ? r->check(r->arg) : 0;
}

static int wait_child(pid_t pid)
{
        int status;

        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return 99;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int write_map(pid_t pid, const char *file)
{
        _cleanup_free_ char *p = xasprintf("/proc/%d/%s", (int)pid, file);
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC);
        static const char map[] = "0 0 4294967295\n";

        return fd >= 0 && write(fd, map, sizeof(map) - 1) == sizeof(map) - 1 ? 0 : -1;
}

/* The middle process: owns the namespaces; pid 1 of the new pid namespace is its child. */
static int namespace_main(const trt_run *r, int ready_fd, int go_fd)
{
        static tong_cgroup_hier cg[TRT_MAX];
        size_t n_cg = r->cgroups ? own_cgroups(cg, TRT_MAX) : 0;
        int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;
        char c = 0;
        pid_t pid;

        if (r->userns) {
                if (unshare(CLONE_NEWUSER) < 0 || write(ready_fd, &c, 1) != 1 ||
                    read(go_fd, &c, 1) != 1 || c != 1)
                        return 90;
        }
        if (r->cgroupns)
                flags |= CLONE_NEWCGROUP;
        if (unshare(flags) < 0)
                return 91;
        pid = fork();
        if (pid < 0)
                return 92;
        if (pid == 0)
                _exit(container_main(r, cg, n_cg));
        return wait_child(pid);
}

int trt_run_container(const trt_run *r)
{
        int ready[2], go[2];
        pid_t pid;
        char c = 1;

        if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0)
                test_fail(__FILE__, __LINE__, "pipe: %m");
        fflush(NULL);
        pid = fork();
        if (pid < 0)
                test_fail(__FILE__, __LINE__, "fork: %m");
        if (pid == 0)
                _exit(namespace_main(r, ready[1], go[0]));
        close(ready[1]);
        close(go[0]);
        if (r->userns) {
                if (read(ready[0], &c, 1) != 1 || write_map(pid, "uid_map") < 0 ||
                    write_map(pid, "gid_map") < 0)
                        c = 0;
                else
                        c = 1;
                if (write(go[1], &c, 1) != 1)
                        c = 0;
        }
        close(ready[0]);
        close(go[1]);
        return wait_child(pid);
}

static int write_proc(pid_t pid, const char *file, const char *content)
{
        _cleanup_free_ char *p = xasprintf("/proc/%d/%s", (int)pid, file);
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CLOEXEC);

        return fd >= 0 && write(fd, content, strlen(content)) == (ssize_t)strlen(content) ? 0 : -1;
}

int trt_make_userns(const char *uid_map, const char *gid_map)
{
        int ready[2], go[2], fd;
        _cleanup_free_ char *ns = NULL;
        char c = 0;
        pid_t pid;

        if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0)
                test_fail(__FILE__, __LINE__, "pipe: %m");
        pid = fork();
        if (pid < 0)
                test_fail(__FILE__, __LINE__, "fork: %m");
        if (pid == 0) {
                if (unshare(CLONE_NEWUSER) < 0 || write(ready[1], &c, 1) != 1)
                        _exit(1);
                _exit(read(go[0], &c, 1) == 1 ? 0 : 1);
        }
        close(ready[1]);
        close(go[0]);
        if (read(ready[0], &c, 1) != 1 || write_proc(pid, "uid_map", uid_map) < 0 ||
            write_proc(pid, "gid_map", gid_map) < 0)
                test_fail(__FILE__, __LINE__, "set up the user namespace: %m");
        ns = xasprintf("/proc/%d/ns/user", (int)pid);
        fd = open(ns, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                test_fail(__FILE__, __LINE__, "open %s: %m", ns);
        if (write(go[1], &c, 1) != 1)
                test_fail(__FILE__, __LINE__, "release the helper: %m");
        wait_child(pid);
        close(ready[0]);
        close(go[1]);
        return fd;
}

static int try_userns(void *arg)
{
        (void)arg;
        return 0;
}

bool trt_userns_available(void)
{
        /* unshare(CLONE_NEWUSER) is EPERM inside a chroot, as in the test VM. */
        if (trt_run_child(try_userns, NULL, CLONE_NEWUSER) == 0)
                return true;
        fprintf(stderr, "# user namespaces are not available here: skipped\n");
        return false;
}

bool trt_is_mountpoint(const char *path)
{
        struct statx st;

        return statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &st) == 0 &&
               (st.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) &&
               (st.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

bool trt_is_chr(const char *path, unsigned maj, unsigned min)
{
        struct stat st;

        return lstat(path, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == maj &&
               minor(st.st_rdev) == min;
}

int trt_open_errno(const char *path, int flags)
{
        int fd = open(path, flags | O_CLOEXEC);

        if (fd < 0)
                return errno;
        close(fd);
        return 0;
}

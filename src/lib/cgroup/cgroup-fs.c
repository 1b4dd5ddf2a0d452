/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroupfs file and directory helpers shared by both drivers.  Everything works from the
 * hierarchy's dirfd; directories are walked one component at a time with O_NOFOLLOW, so a
 * symlink planted anywhere on the way (the tests do) is refused instead of followed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "core/macro.h"
#include "core/parse-util.h"

#define CG_READ_MAX (1u << 20)
#define CG_PROCS_MAX (64u << 20)
#define CG_MAX_DEPTH 64

void cg_sleep_us(unsigned usec)
{
        struct timespec ts = { .tv_sec = usec / 1000000, .tv_nsec = (long)(usec % 1000000) * 1000 };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

uint64_t cg_now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

char *cg_file_path(const cg_hier *h, const char *file)
{
        return xasprintf("%s%s%s%s", h->mountpoint, h->path, file ? "/" : "", file ? file : "");
}

static int no_dir(const cg_hier *h, tong_err **err)
{
        return tong_err_set(err, ENOENT, "cgroup %s%s does not exist", h->mountpoint, h->path);
}

int cg_write(const cg_hier *h, const char *file, const char *value, tong_err **err)
{
        int r;

        if (h->dirfd < 0)
                return no_dir(h, err);
        r = write_file_at(h->dirfd, file, value);
        if (r < 0) {
                _cleanup_free_ char *p = cg_file_path(h, file);

                return tong_err_sys(err, -r, "write \"%s\" to %s", value, p);
        }
        return 0;
}

int cg_writef(const cg_hier *h, const char *file, tong_err **err, const char *fmt, ...)
{
        _cleanup_free_ char *v = NULL;
        va_list ap;

        va_start(ap, fmt);
        v = xvasprintf(fmt, ap);
        va_end(ap);
        return cg_write(h, file, v, err);
}

int cg_write_limit(const cg_hier *h, const char *file, int64_t v, tong_err **err)
{
        if (v < 0)
                return cg_write(h, file, h->version == 2 ? "max" : "-1", err);
        return cg_writef(h, file, err, "%" PRId64, v);
}

int cg_read(const cg_hier *h, const char *file, char **ret, tong_err **err)
{
        char *buf = NULL;
        size_t len = 0;
        int r;

        if (h->dirfd < 0)
                return no_dir(h, err);
        r = read_file_at(h->dirfd, file, CG_READ_MAX, &buf, &len);
        if (r < 0) {
                _cleanup_free_ char *p = cg_file_path(h, file);

                return tong_err_sys(err, -r, "read %s", p);
        }
        while (len > 0 && buf[len - 1] == '\n')
                buf[--len] = '\0';
        *ret = buf;
        return 0;
}

int cg_read_u64(const cg_hier *h, const char *file, uint64_t *ret, tong_err **err)
{
        _cleanup_free_ char *s = NULL;
        uint64_t v;
        int r;

        r = cg_read(h, file, &s, err);
        if (r < 0)
                return r;
        if (streq(s, "max")) {
                *ret = UINT64_MAX;
                return 0;
        }
        r = parse_u64(s, &v);
        if (r < 0) {
                _cleanup_free_ char *p = cg_file_path(h, file);

                return tong_err_set(err, EINVAL, "%s: not a number: \"%s\"", p, s);
        }
        *ret = v;
        return 0;
}

bool cg_has_file(const cg_hier *h, const char *file)
{
        return h->dirfd >= 0 && faccessat(h->dirfd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int cg_keyed_get(const char *buf, const char *key, uint64_t *ret)
{
        size_t kl = strlen(key);

        for (const char *p = buf; p && *p;) {
                const char *nl = strchr(p, '\n');
                size_t l = nl ? (size_t)(nl - p) : strlen(p);

                if (l > kl + 1 && !strncmp(p, key, kl) && p[kl] == ' ') {
                        char num[32];
                        size_t nlen = l - kl - 1;

                        if (nlen >= sizeof(num))
                                return -ERANGE;
                        memcpy(num, p + kl + 1, nlen);
                        num[nlen] = '\0';
                        return parse_u64(num, ret);
                }
                p = nl ? nl + 1 : NULL;
        }
        return -ENOENT;
}

/*
 * Walk h->path below the mountpoint, one component at a time, never following symlinks.
 * With `make`, missing components are created; *created counts the trailing ones made.
 */
static int walk(const cg_hier *h, bool make, bool *existed, size_t *created, int *ret_fd)
{
        _cleanup_close_ int fd = open(h->mountpoint, O_PATH | O_DIRECTORY | O_CLOEXEC);
        size_t n_made = 0;
        bool leaf_existed = true;
        const char *rel = h->path[0] == '/' ? h->path + 1 : h->path;

        if (fd < 0)
                return -errno;
        /*
         * Fast path, the whole relative path in one call: cgroupfs cannot hold symlinks, so
         * nothing below the mount point can redirect it.  Component by component only when
         * the parent is missing too.
         */
        int made = make && *rel ? (mkdirat(fd, rel, 0755) == 0 ? 1 : -errno) : 0;

        if (*rel && (made >= 0 || made == -EEXIST)) {
                int nfd;

                leaf_existed = made <= 0;
                n_made = made > 0;
                nfd = openat(fd, rel, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (nfd >= 0 || !make || errno != ENOENT) {
                        if (nfd < 0)
                                return errno == ELOOP ? -ENOTDIR : -errno;
                        if (existed)
                                *existed = leaf_existed;
                        if (created)
                                *created = n_made;
                        *ret_fd = nfd;
                        return 0;
                }
        }
        n_made = 0;
        leaf_existed = true;
        for (const char *s = h->path; *s;) {
                const char *e = strchr(s + 1, '/');
                _cleanup_free_ char *comp = NULL;
                int nfd;

                s++;
                comp = e ? xstrndup(s, (size_t)(e - s)) : xstrdup(s);
                leaf_existed = true;
                if (make) {
                        if (mkdirat(fd, comp, 0755) == 0) {
                                n_made++;
                                leaf_existed = false;
                        } else if (errno != EEXIST)
                                return -errno;
                }
                nfd = openat(fd, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (nfd < 0)
                        return errno == ELOOP ? -ENOTDIR : -errno;
                safe_close(fd);
                fd = nfd;
                s = e ? e : s + strlen(s);
        }
        if (existed)
                *existed = leaf_existed;
        if (created)
                *created = n_made;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int cg_hier_open(cg_hier *h, tong_err **err)
{
        int fd = -1, r;

        h->dirfd = safe_close(h->dirfd);
        r = walk(h, false, NULL, NULL, &fd);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return tong_err_sys(err, -r, "open cgroup %s%s", h->mountpoint, h->path);
        h->dirfd = fd;
        return 0;
}

int cg_hier_mkdir(cg_hier *h, bool *existed, tong_err **err)
{
        int fd = -1, r;

        h->dirfd = safe_close(h->dirfd);
        h->n_created = 0;
        r = walk(h, true, existed, &h->n_created, &fd);
        if (r < 0)
                return tong_err_sys(err, -r, "create cgroup %s%s", h->mountpoint, h->path);
        h->dirfd = fd;
        return 0;
}

void cg_hier_unmake(cg_hier *h)
{
        _cleanup_close_ int mfd = open(h->mountpoint, O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_free_ char *rel = xstrdup(h->path + 1);

        h->dirfd = safe_close(h->dirfd);
        if (mfd < 0)
                return;
        for (size_t i = 0; i < h->n_created; i++) {
                char *slash;

                (void)unlinkat(mfd, rel, AT_REMOVEDIR);
                slash = strrchr(rel, '/');
                if (!slash)
                        break;
                *slash = '\0';
        }
        h->n_created = 0;
}

/* rmdir parent/name, retrying while the kernel still reports it busy (exiting tasks). */
static int rmdir_retry(int parent, const char *name)
{
        uint64_t deadline = cg_now_us() + 2000000;
        unsigned delay = 500;

        for (;;) {
                if (unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
                        return 0;
                if (errno != EBUSY || cg_now_us() > deadline)
                        return -errno;
                cg_sleep_us(delay);
                delay = MIN(delay * 2, 20000u);
        }
}

static int rm_tree(int parent, const char *name, unsigned depth)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd, r = 0;

        if (depth > CG_MAX_DEPTH)
                return -ELOOP;
        /* Usually there is no sub-cgroup: then one rmdir does it, no directory listing.
         * (cgroupfs says EBUSY for sub-cgroups as well as for tasks: walk then.) */
        if (unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
                return 0;
        fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : -errno;
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return -errno;
        }
        while ((de = readdir(d))) {
                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                r = rm_tree(dirfd(d), de->d_name, depth + 1);
                if (r < 0)
                        return r;
        }
        return rmdir_retry(parent, name);
}

int cg_hier_remove(const cg_hier *h, tong_err **err)
{
        _cleanup_free_ char *parent_path = xstrdup(h->path);
        char *slash = strrchr(parent_path, '/');
        _cleanup_free_ char *leaf = xstrdup(slash + 1);
        cg_hier tmp = *h;
        int pfd = -1, r;

        *slash = '\0';
        tmp.path = *parent_path ? parent_path : (char *)"";
        tmp.dirfd = -1;
        r = walk(&tmp, false, NULL, NULL, &pfd);
        if (r == -ENOENT)
                return 0;
        if (r >= 0) {
                r = rm_tree(pfd, leaf, 0);
                safe_close(pfd);
        }
        if (r < 0)
                return tong_err_sys(err, -r, "remove cgroup %s%s", h->mountpoint, h->path);
        return 0;
}

static int parse_procs(const char *buf, pid_t **pids, size_t *n)
{
        for (const char *p = buf; p && *p;) {
                const char *nl = strchr(p, '\n');
                char num[16];
                size_t l = nl ? (size_t)(nl - p) : strlen(p);
                int v;

                if (l > 0 && l < sizeof(num)) {
                        memcpy(num, p, l);
                        num[l] = '\0';
                        if (parse_int(num, &v) >= 0 && v > 0)
                                *(pid_t *)xappend(pids, n, sizeof(pid_t)) = v;
                }
                p = nl ? nl + 1 : NULL;
        }
        return 0;
}

static int read_pids_tree(int fd, pid_t **pids, size_t *n, unsigned depth)
{
        _cleanup_closedir_ DIR *d = NULL;
        _cleanup_free_ char *buf = NULL;
        struct dirent *de;
        int r;

        if (depth > CG_MAX_DEPTH)
                return -ELOOP;
        r = read_file_at(fd, "cgroup.procs", CG_PROCS_MAX, &buf, NULL);
        if (r < 0) {
                safe_close(fd);
                return r;
        }
        parse_procs(buf, pids, n);
        d = fdopendir(fd);
        if (!d) {
                safe_close(fd);
                return -errno;
        }
        while ((de = readdir(d))) {
                int cfd;

                if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (cfd < 0) {
                        if (errno == ENOENT)
                                continue;
                        return -errno;
                }
                r = read_pids_tree(cfd, pids, n, depth + 1);
                if (r < 0 && r != -ENOENT)
                        return r;
        }
        return 0;
}

int cg_hier_pids(const cg_hier *h, pid_t **ret, size_t *ret_n, tong_err **err)
{
        pid_t *pids = NULL;
        size_t n = 0;
        int fd, r;

        if (h->dirfd < 0)
                return no_dir(h, err);
        fd = openat(h->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return tong_err_sys(err, errno, "open cgroup %s%s", h->mountpoint, h->path);
        r = read_pids_tree(fd, &pids, &n, 0);
        if (r < 0) {
                free(pids);
                return tong_err_sys(err, -r, "read the pids of cgroup %s%s", h->mountpoint,
                                    h->path);
        }
        *ret = pids;
        *ret_n = n;
        return 0;
}

int cg_hier_populated(const cg_hier *h, tong_err **err)
{
        _cleanup_free_ pid_t *pids = NULL;
        size_t n = 0;
        int r;

        if (h->version == 2) {
                _cleanup_free_ char *ev = NULL;
                uint64_t v;

                r = cg_read(h, "cgroup.events", &ev, err);
                if (r < 0)
                        return r;
                return cg_keyed_get(ev, "populated", &v) >= 0 && v > 0;
        }
        r = cg_hier_pids(h, &pids, &n, err);
        if (r < 0)
                return r;
        return n > 0;
}

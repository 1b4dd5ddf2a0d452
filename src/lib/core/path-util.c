/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/macro.h"
#include "core/missing.h"
#include "core/path-util.h"

/* openat2 returns EAGAIN when a rename raced with ".." resolution; the kernel expects a retry. */
#define OPENAT2_RETRIES 64
/* A walk that keeps losing races against renames gives up rather than spin forever. */
#define WALK_RETRIES 16
/* Cap on the unresolved rest of a path (it grows when symlinks are expanded). */
#define WALK_MAX_REST (16 * PATH_MAX)

static bool openat2_disabled;

void tong_path_set_openat2_disabled(bool disabled)
{
        openat2_disabled = disabled;
}

static uint64_t resolve_flags(unsigned flags)
{
        uint64_t r = RESOLVE_NO_MAGICLINKS;

        r |= (flags & TONG_PATH_BENEATH) ? RESOLVE_BENEATH : RESOLVE_IN_ROOT;
        if (flags & TONG_PATH_NO_SYMLINKS)
                r |= RESOLVE_NO_SYMLINKS;
        if (flags & TONG_PATH_NO_XDEV)
                r |= RESOLVE_NO_XDEV;
        return r;
}

/* The fd, or -errno; -ENOSYS means "openat2 cannot be used here, walk instead". */
static int try_openat2(int root_fd, const char *path, int oflags, unsigned flags)
{
        if (openat2_disabled || (flags & TONG_PATH_FALLBACK))
                return -ENOSYS;
        if (flags & TONG_PATH_NOFOLLOW)
                oflags |= O_NOFOLLOW;
        for (int i = 0; i < OPENAT2_RETRIES; i++) {
                int fd = tong_openat2(root_fd, path, (uint64_t)(oflags | O_CLOEXEC), 0,
                                      resolve_flags(flags));

                if (fd >= 0)
                        return fd;
                if (errno == EAGAIN || errno == EINTR)
                        continue;
                if (errno == ENOSYS) {
                        openat2_disabled = true;
                        return -ENOSYS;
                }
                /* A host seccomp policy that blocks openat2 typically says EPERM; the walk
                 * reproduces a genuine EPERM by itself. */
                if (errno == EPERM)
                        return -ENOSYS;
                return -errno;
        }
        return -EAGAIN;
}

/* ------------------------------------------------------------------ the walk */

enum walk_create {
        WALK_OPEN,
        WALK_MKDIR,
        WALK_MKFILE,
};

typedef struct walk {
        int *fds; /* fds[0] = root (borrowed), fds[1..n-1] = directories on the way (owned) */
        size_t n;
        size_t cap;
        unsigned flags;
        uint64_t root_mnt_id;
        unsigned n_links;
        char *rest; /* what is left to resolve */
} walk;

static void walk_done(walk *w)
{
        for (size_t i = 1; i < w->n; i++)
                safe_close(w->fds[i]);
        free(w->fds);
        free(w->rest);
}

static int walk_top(const walk *w)
{
        return w->fds[w->n - 1];
}

static void walk_push(walk *w, int fd)
{
        if (w->n == w->cap) {
                w->cap = w->cap ? w->cap * 2 : 16;
                w->fds = xrealloc(w->fds, w->cap * sizeof(int));
        }
        w->fds[w->n++] = fd;
}

static void walk_reset_to_root(walk *w)
{
        while (w->n > 1)
                safe_close(w->fds[--w->n]);
}

static int fd_statx(int fd, struct statx *st)
{
        if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW,
                  STATX_TYPE | STATX_MODE | STATX_INO | STATX_MNT_ID, st) < 0)
                return -errno;
        return 0;
}

/* Take the next component of *p into name; returns its length, 0 at the end. */
static int next_component(const char **p, char name[static NAME_MAX + 1])
{
        const char *s = *p, *e;

        while (*s == '/')
                s++;
        e = strchrnul(s, '/');
        if ((size_t)(e - s) > NAME_MAX)
                return -ENAMETOOLONG;
        memcpy(name, s, (size_t)(e - s));
        name[e - s] = '\0';
        while (*e == '/')
                e++;
        *p = e;
        return (int)strlen(name);
}

/* Replace the rest of the walk with target + "/" + rest, restarting at root if absolute. */
static int walk_follow(walk *w, int link_fd, const char *rest)
{
        char target[PATH_MAX + 1];
        ssize_t k;
        char *n;

        if (w->flags & TONG_PATH_NO_SYMLINKS)
                return -ELOOP;
        if (++w->n_links > TONG_PATH_MAX_SYMLINKS)
                return -ELOOP;
        k = readlinkat(link_fd, "", target, sizeof(target));
        if (k < 0)
                return -errno;
        if ((size_t)k >= sizeof(target) || k == 0)
                return -ENAMETOOLONG;
        target[k] = '\0';
        if (target[0] == '/') {
                if (w->flags & TONG_PATH_BENEATH)
                        return -EXDEV;
                walk_reset_to_root(w);
        }
        if (strlen(rest) + (size_t)k + 2 > WALK_MAX_REST)
                return -ENAMETOOLONG;
        n = xasprintf("%s/%s", target, rest);
        free(w->rest);
        w->rest = n;
        return 0;
}

static int walk_create_missing(int dir_fd, const char *name, bool last, enum walk_create create,
                               mode_t mode)
{
        int r;

        if (last && create == WALK_MKFILE) {
                int fd = openat(dir_fd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
                                mode);

                if (fd < 0)
                        return errno == EEXIST ? 0 : -errno;
                safe_close(fd);
                return 0;
        }
        r = mkdirat(dir_fd, name, create == WALK_MKDIR ? mode : 0755);
        if (r < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

/* Open one component below the current top, creating it if asked. */
static int walk_open_component(walk *w, const char *name, bool last, enum walk_create create,
                               mode_t mode)
{
        for (int i = 0; i < WALK_RETRIES; i++) {
                int fd = openat(walk_top(w), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
                int r;

                if (fd >= 0)
                        return fd;
                if (errno != ENOENT || create == WALK_OPEN)
                        return -errno;
                r = walk_create_missing(walk_top(w), name, last, create, mode);
                if (r < 0)
                        return r;
        }
        return -EAGAIN;
}

static bool same_inode(const struct statx *a, const struct statx *b)
{
        return a->stx_ino == b->stx_ino && a->stx_dev_major == b->stx_dev_major &&
               a->stx_dev_minor == b->stx_dev_minor;
}

/*
 * The last component, already verified as st through the O_PATH fd *fd: hand it out as it is
 * (O_PATH) or open it for real relative to its parent with O_NOFOLLOW and check that the same
 * inode came back.  -EAGAIN: it was swapped meanwhile, walk again.
 */
static int walk_finish(int parent_fd, const char *name, int *fd, const struct statx *st, int oflags)
{
        _cleanup_close_ int real = -EBADF;
        struct statx st2;
        int r;

        if ((oflags & O_DIRECTORY) && !S_ISDIR(st->stx_mode))
                return S_ISLNK(st->stx_mode) ? -ELOOP : -ENOTDIR;
        if (oflags & O_PATH)
                return TAKE_FD(*fd);
        if (S_ISLNK(st->stx_mode))
                return -ELOOP;
        real = openat(parent_fd, name, oflags | O_NOFOLLOW | O_CLOEXEC);
        if (real < 0)
                return errno == ELOOP ? -EAGAIN : -errno;
        r = fd_statx(real, &st2);
        if (r < 0)
                return r;
        if (!same_inode(st, &st2))
                return -EAGAIN;
        return TAKE_FD(real);
}

/*
 * One step.  Returns 1 with *ret set when the walk is finished, 0 to go on with rest, 2 when a
 * symlink replaced the rest of the walk, -errno on failure.
 */
static int walk_step(walk *w, const char *name, const char *rest, enum walk_create create,
                     mode_t mode, int oflags, int *ret)
{
        bool last = rest[0] == '\0';
        _cleanup_close_ int fd = -EBADF;
        struct statx st;
        int r;

        if (streq(name, "..")) {
                if (w->n == 1 && (w->flags & TONG_PATH_BENEATH))
                        return -EXDEV;
                if (w->n > 1)
                        safe_close(w->fds[--w->n]);
                return 0;
        }
        fd = walk_open_component(w, name, last, create, mode);
        if (fd < 0)
                return fd;
        r = fd_statx(fd, &st);
        if (r < 0)
                return r;
        if ((w->flags & TONG_PATH_NO_XDEV) && (st.stx_mask & STATX_MNT_ID) &&
            st.stx_mnt_id != w->root_mnt_id)
                return -EXDEV;
        if (S_ISLNK(st.stx_mode) && !(last && (w->flags & TONG_PATH_NOFOLLOW))) {
                r = walk_follow(w, fd, rest);
                return r < 0 ? r : 2;
        }
        if (last) {
                r = walk_finish(walk_top(w), name, &fd, &st, oflags);
                if (r < 0)
                        return r;
                *ret = r;
                return 1;
        }
        if (!S_ISDIR(st.stx_mode))
                return -ENOTDIR;
        walk_push(w, TAKE_FD(fd));
        return 0;
}

/* The walk ended on a directory of the stack (root, ".", ".."): open that one. */
static int walk_finish_dir(int dir_fd, int oflags)
{
        int fd = openat(dir_fd, ".", (oflags & ~O_NOFOLLOW) | O_DIRECTORY | O_CLOEXEC);

        return fd < 0 ? -errno : fd;
}

static int walk_resolve_once(int root_fd, const char *path, unsigned flags, enum walk_create create,
                             mode_t mode, int oflags)
{
        walk w = { .flags = flags };
        char name[NAME_MAX + 1];
        struct statx st;
        int r, result = -EBADF;

        r = fd_statx(root_fd, &st);
        if (r < 0)
                return r;
        w.root_mnt_id = st.stx_mnt_id;
        walk_push(&w, root_fd);
        w.rest = xstrdup(path);
        for (;;) {
                const char *p = w.rest;
                _cleanup_free_ char *rest = NULL;

                r = next_component(&p, name);
                if (r <= 0)
                        break;
                rest = xstrdup(p);
                r = streq(name, ".") ? 0 : walk_step(&w, name, rest, create, mode, oflags, &result);
                if (r < 0 || r == 1)
                        break;
                if (r == 0) {
                        free(w.rest);
                        w.rest = TAKE_PTR(rest);
                }
        }
        if (r == 0)
                r = result = walk_finish_dir(walk_top(&w), oflags);
        walk_done(&w);
        return r < 0 ? r : result;
}

static int walk_resolve(int root_fd, const char *path, unsigned flags, enum walk_create create,
                        mode_t mode, int oflags)
{
        int r = -EAGAIN;

        for (int i = 0; i < WALK_RETRIES && r == -EAGAIN; i++)
                r = walk_resolve_once(root_fd, path, flags, create, mode, oflags);
        return r;
}

/* ------------------------------------------------------------------ public */

int tong_path_open_in_root(int root_fd, const char *path, int oflags, unsigned flags)
{
        int fd;

        if ((oflags & O_CREAT) || (oflags & O_TMPFILE) == O_TMPFILE)
                return -EINVAL;
        fd = try_openat2(root_fd, path, oflags, flags);
        if (fd != -ENOSYS)
                return fd;
        return walk_resolve(root_fd, path, flags, WALK_OPEN, 0, oflags);
}

static int mk_in_root(int root_fd, const char *path, mode_t mode, unsigned flags,
                      enum walk_create create)
{
        int oflags = O_PATH | (create == WALK_MKDIR ? O_DIRECTORY : 0);
        int fd;

        /* The common case, everything exists already, is one openat2 call. */
        fd = try_openat2(root_fd, path, oflags, flags);
        if (fd >= 0 || (fd != -ENOSYS && fd != -ENOENT))
                return fd;
        return walk_resolve(root_fd, path, flags, create, mode, oflags);
}

int tong_path_mkdir_in_root(int root_fd, const char *path, mode_t mode, unsigned flags)
{
        return mk_in_root(root_fd, path, mode, flags, WALK_MKDIR);
}

int tong_path_mkfile_in_root(int root_fd, const char *path, mode_t mode, unsigned flags)
{
        return mk_in_root(root_fd, path, mode, flags, WALK_MKFILE);
}

/* ------------------------------------------------------------------ lexical */

char *tong_path_clean(const char *path)
{
        size_t len = strlen(path);
        char *out = xmalloc(len + 2);
        size_t n = 0;
        const char *p = path;

        out[n++] = '/';
        while (*p) {
                const char *e;
                size_t l;

                while (*p == '/')
                        p++;
                e = strchrnul(p, '/');
                l = (size_t)(e - p);
                if (l == 0 || (l == 1 && p[0] == '.')) {
                        /* skip */
                } else if (l == 2 && p[0] == '.' && p[1] == '.') {
                        while (n > 1 && out[n - 1] != '/')
                                n--;
                        if (n > 1)
                                n--;
                } else {
                        if (n > 1)
                                out[n++] = '/';
                        memcpy(out + n, p, l);
                        n += l;
                }
                p = e;
        }
        out[n] = '\0';
        return out;
}

bool tong_path_is_under(const char *path, const char *prefix)
{
        size_t l = strlen(prefix);

        if (streq(prefix, "/"))
                return path[0] == '/';
        return strncmp(path, prefix, l) == 0 && (path[l] == '\0' || path[l] == '/');
}

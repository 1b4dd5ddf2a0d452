/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/macro.h"
#include "linux/rootfs-internal.h"

/*
 * tmpcopyup: copy what the image has below a directory into the tmpfs mounted over it.  The
 * source is untrusted image content: everything is opened relative to directory fds with
 * O_NOFOLLOW, symlinks are copied as symlinks, never followed, and the depth is capped.
 */
#define COPY_MAX_DEPTH 64
#define COPY_BUF 65536

static int copy_dir(int src, int dst, unsigned depth, tong_err **err);

static int copy_data(int in, int out)
{
        for (;;) {
                ssize_t k = copy_file_range(in, NULL, out, NULL, COPY_BUF * 16, 0);

                if (k == 0)
                        return 0;
                if (k > 0)
                        continue;
                if (errno == EINTR)
                        continue;
                if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
                        return -errno;
                break;
        }
        for (;;) {
                char buf[COPY_BUF];
                ssize_t k = read(in, buf, sizeof(buf));

                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return k < 0 ? -errno : 0;
                for (ssize_t w = 0; w < k;) {
                        ssize_t n = write(out, buf + w, (size_t)(k - w));

                        if (n < 0 && errno != EINTR)
                                return -errno;
                        w += n > 0 ? n : 0;
                }
        }
}

static int copy_file(int src, int dst, const char *name, mode_t mode)
{
        _cleanup_close_ int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_close_ int out = -EBADF;

        if (in < 0)
                return -errno;
        out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (out < 0)
                return -errno;
        return copy_data(in, out);
}

static int copy_subdir(int src, int dst, const char *name, mode_t mode, unsigned depth,
                       tong_err **err)
{
        _cleanup_close_ int s = -EBADF, d = -EBADF;

        if (depth >= COPY_MAX_DEPTH)
                return tong_err_set(err, ELOOP, "more than %d levels", COPY_MAX_DEPTH);
        if (mkdirat(dst, name, mode) < 0)
                return tong_err_sys(err, errno, "mkdir");
        s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s < 0 || d < 0)
                return tong_err_sys(err, errno, "open");
        return copy_dir(s, d, depth + 1, err);
}

static int copy_entry(int src, int dst, const char *name, const struct stat *st, unsigned depth,
                      tong_err **err)
{
        mode_t perm = st->st_mode & 07777;
        char target[PATH_MAX + 1];
        ssize_t k;
        int r = 0;

        if (S_ISDIR(st->st_mode)) {
                r = copy_subdir(src, dst, name, perm, depth, err);
                if (r < 0)
                        return r;
        } else if (S_ISREG(st->st_mode)) {
                r = copy_file(src, dst, name, perm);
        } else if (S_ISLNK(st->st_mode)) {
                k = readlinkat(src, name, target, sizeof(target) - 1);
                if (k < 0)
                        return tong_err_sys(err, errno, "readlink");
                target[k] = '\0';
                r = symlinkat(target, dst, name) < 0 ? -errno : 0;
        } else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) || S_ISFIFO(st->st_mode)) {
                r = mknodat(dst, name, st->st_mode, st->st_rdev) < 0 ? -errno : 0;
        } else {
                return 0; /* sockets are not copied */
        }
        if (r < 0)
                return tong_err_sys(err, -r, "copy");
        if (fchownat(dst, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
                return tong_err_sys(err, errno, "chown");
        if (!S_ISLNK(st->st_mode) && fchmodat(dst, name, perm, 0) < 0)
                return tong_err_sys(err, errno, "chmod");
        return 0;
}

static int copy_dir(int src, int dst, unsigned depth, tong_err **err)
{
        _cleanup_closedir_ DIR *d = NULL;
        int fd = openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct dirent *de;

        if (fd < 0 || !(d = fdopendir(fd))) {
                safe_close(fd);
                return tong_err_sys(err, errno, "read directory");
        }
        while ((errno = 0, de = readdir(d))) {
                struct stat st;
                int r;

                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (fstatat(src, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        return tong_err_sys(err, errno, "stat %s", de->d_name);
                r = copy_entry(src, dst, de->d_name, &st, depth, err);
                if (r < 0)
                        return tong_err_prefix(err, r, "%s", de->d_name);
        }
        if (errno)
                return tong_err_sys(err, errno, "read directory");
        return 0;
}

int rootfs_copy_tree(int src_dir, int dst_dir, tong_err **err)
{
        struct stat st;

        if (fstat(src_dir, &st) < 0)
                return tong_err_sys(err, errno, "stat the source");
        if (fchown(dst_dir, st.st_uid, st.st_gid) < 0 || fchmod(dst_dir, st.st_mode & 07777) < 0)
                return tong_err_sys(err, errno, "set owner and mode");
        return copy_dir(src_dir, dst_dir, 0, err);
}

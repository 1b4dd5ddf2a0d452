/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "core/macro.h"
#include "core/missing.h"

int read_exact(int fd, void *buf, size_t n)
{
        char *p = buf;

        while (n > 0) {
                ssize_t k = read(fd, p, n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        return -EIO;
                p += k;
                n -= (size_t)k;
        }
        return 0;
}

int write_all(int fd, const void *buf, size_t n)
{
        const char *p = buf;

        while (n > 0) {
                ssize_t k = write(fd, p, n);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        return -EIO;
                p += k;
                n -= (size_t)k;
        }
        return 0;
}

int read_fd_full(int fd, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0, cap = 0;

        for (;;) {
                ssize_t k;

                if (cap - len < 2) {
                        cap = cap ? cap * 2 : 4096;
                        if (cap > max + 2)
                                cap = max + 2;
                        buf = xrealloc(buf, cap);
                }
                k = read(fd, buf + len, cap - len - 1);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                len += (size_t)k;
                if (len > max)
                        return -EFBIG;
        }
        if (!buf)
                buf = xmalloc(1);
        buf[len] = '\0';
        *ret = TAKE_PTR(buf);
        if (ret_len)
                *ret_len = len;
        return 0;
}

int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd < 0)
                return -errno;
        return read_fd_full(fd, max, ret, ret_len);
}

int write_file_at(int dirfd, const char *path, const char *s)
{
        _cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        size_t n = strlen(s);
        ssize_t k;

        if (fd < 0)
                return -errno;
        /* One write(2): kernel knobs act on each write, so never split the value. */
        do {
                k = write(fd, s, n);
        } while (k < 0 && errno == EINTR);
        if (k < 0)
                return -errno;
        if ((size_t)k != n)
                return -EIO;
        return 0;
}

int write_file_atomic_at(int dirfd, const char *name, const void *buf, size_t n, mode_t mode)
{
        return write_file_atomic_at_full(dirfd, name, buf, n, mode, true);
}

int write_file_atomic_at_full(int dirfd, const char *name, const void *buf, size_t n, mode_t mode,
                              bool durable)
{
        _cleanup_free_ char *tmp = xasprintf(".%s.tmp.%d", name, (int)getpid());
        _cleanup_close_ int fd = -EBADF;
        int r;

        fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0 && errno == EEXIST) { /* left over by a writer that died */
                (void)unlinkat(dirfd, tmp, 0);
                fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
        }
        if (fd < 0)
                return -errno;
        r = write_all(fd, buf, n);
        if (r >= 0 && durable && fsync(fd) < 0)
                r = -errno;
        if (r >= 0 && renameat(dirfd, tmp, dirfd, name) < 0)
                r = -errno;
        if (r < 0) {
                (void)unlinkat(dirfd, tmp, 0);
                return r;
        }
        /* No fsync of the directory: the rename is atomic either way, and state under a
         * runtime root does not outlive a reboot that could lose it. */
        return 0;
}

int fd_set_cloexec(int fd, bool on)
{
        int flags = fcntl(fd, F_GETFD);

        if (flags < 0)
                return -errno;
        flags = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
        if (fcntl(fd, F_SETFD, flags) < 0)
                return -errno;
        return 0;
}

int fd_set_nonblock(int fd, bool on)
{
        int flags = fcntl(fd, F_GETFL);

        if (flags < 0)
                return -errno;
        flags = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
        if (fcntl(fd, F_SETFL, flags) < 0)
                return -errno;
        return 0;
}

int fd_move_above(int fd, int min)
{
        int nfd;

        if (fd >= min)
                return fd;
        nfd = fcntl(fd, F_DUPFD_CLOEXEC, min);
        if (nfd < 0)
                return -errno;
        (void)close(fd);
        return nfd;
}

static int cmp_int(const void *a, const void *b)
{
        return *(const int *)a - *(const int *)b;
}

void close_all_fds_except(int first, const int *keep, size_t n)
{
        _cleanup_free_ int *sorted = xcalloc(n + 1, sizeof(int));
        size_t k = 0;
        int from = first;

        for (size_t i = 0; i < n; i++)
                if (keep[i] >= first)
                        sorted[k++] = keep[i];
        qsort(sorted, k, sizeof(int), cmp_int);
        for (size_t i = 0; i < k; i++) {
                if (sorted[i] > from)
                        (void)tong_close_range((unsigned)from, (unsigned)sorted[i] - 1, 0);
                from = sorted[i] + 1;
        }
        (void)tong_close_range((unsigned)from, ~0U, 0);
}

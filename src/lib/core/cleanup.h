/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void freep(void *p)
{
        free(*(void **)p);
}

/*
 * Close if valid, keep errno, return -EBADF so `fd = safe_close(fd);` works.
 * Never retry close() on EINTR: Linux releases the descriptor anyway, and a
 * retry may close an fd that another thread has just been given.
 */
static inline int safe_close(int fd)
{
        if (fd >= 0) {
                int saved_errno = errno;

                (void)close(fd);
                errno = saved_errno;
        }
        return -EBADF;
}

static inline void closep(int *fd)
{
        *fd = safe_close(*fd);
}

static inline void fclosep(FILE **f)
{
        if (*f)
                (void)fclose(*f);
        *f = NULL;
}

static inline void closedirp(DIR **d)
{
        if (*d)
                (void)closedir(*d);
        *d = NULL;
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)

#define TAKE_PTR(p)                      \
        ({                               \
                __typeof__(p) _p_ = (p); \
                (p) = NULL;              \
                _p_;                     \
        })

#define TAKE_FD(fd)              \
        ({                       \
                int _fd_ = (fd); \
                (fd) = -EBADF;   \
                _fd_;            \
        })

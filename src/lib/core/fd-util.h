/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* read(2)/write(2) until done; EINTR retried.  Return 0, or -errno (-EIO on early EOF). */
int read_exact(int fd, void *buf, size_t n);
int write_all(int fd, const void *buf, size_t n);

/* Read the whole of fd (at most max bytes, else -EFBIG) into a NUL-terminated buffer. */
int read_fd_full(int fd, size_t max, char **ret, size_t *ret_len);

/* Read a whole file relative to dirfd; at most max bytes (else -EFBIG). */
int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len);

/* Write a string to an existing file (cgroup, procfs, sysfs knobs): open O_WRONLY|O_CLOEXEC. */
int write_file_at(int dirfd, const char *path, const char *s);

/*
 * Replace dirfd/name atomically: write to a new temporary file (O_EXCL, mode), fsync it
 * (unless !durable), rename over name.  Readers see the old or the new content, never a mix;
 * with durable, a crash never leaves a torn file behind the name.
 */
int write_file_atomic_at(int dirfd, const char *name, const void *buf, size_t n, mode_t mode);
int write_file_atomic_at_full(int dirfd, const char *name, const void *buf, size_t n, mode_t mode,
                              bool durable);

int fd_set_cloexec(int fd, bool on);
int fd_set_nonblock(int fd, bool on);

/*
 * Close every fd >= first except those in keep[] (negative entries ignored): a process the
 * runtime forks into a container holds nothing of the host it does not need.
 */
void close_all_fds_except(int first, const int *keep, size_t n);

/* Move fd to a number >= min (F_DUPFD_CLOEXEC) and close the old one; returns the new fd. */
int fd_move_above(int fd, int min);

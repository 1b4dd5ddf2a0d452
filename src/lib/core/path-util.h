/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Resolving paths inside an untrusted tree (a container rootfs) without ever leaving it.
 *
 * Every function takes a root directory fd and a path that is interpreted as if root_fd were
 * "/": absolute symlinks restart at root_fd, ".." at root_fd stays there (RESOLVE_IN_ROOT), and
 * magic links (/proc/self/fd/N and friends) are never followed.  The kernel does this for us
 * with openat2(2); where openat2 is missing (ENOSYS) or blocked (a host seccomp policy returning
 * EPERM) an equivalent walk is done component by component with O_PATH|O_NOFOLLOW, keeping an
 * fd for every directory on the way so ".." can never climb above root_fd even while an
 * attacker renames directories underneath us.
 *
 * Results are fds; callers keep working with the fd and never with the string again.
 * All functions return an fd (>= 0) or -errno.  Every fd is O_CLOEXEC.
 */
#include <stdbool.h>
#include <sys/types.h>

enum {
        TONG_PATH_NOFOLLOW = 1 << 0,    /* a symlink as last component is not followed: with
                                         * O_PATH it is returned itself, otherwise -ELOOP */
        TONG_PATH_NO_SYMLINKS = 1 << 1, /* any symlink on the way is -ELOOP */
        TONG_PATH_NO_XDEV = 1 << 2,     /* crossing a mount point (a bind mount over a file
                                         * included) is -EXDEV */
        TONG_PATH_BENEATH = 1 << 3,     /* escaping root_fd ("..", absolute symlink) is -EXDEV
                                         * instead of being clamped at root_fd */
        TONG_PATH_FALLBACK = 1 << 4,    /* never use openat2 (tests, seccomp'd hosts) */
};

/* Maximum symlinks followed in one resolution, as the kernel's MAXSYMLINKS. */
#define TONG_PATH_MAX_SYMLINKS 40

/*
 * Open path below root_fd with open(2) flags oflags (O_CREAT is not allowed: use the mk*
 * functions).  oflags == O_PATH gives a handle to use with *at() and the mount API.
 */
int tong_path_open_in_root(int root_fd, const char *path, int oflags, unsigned flags);

/*
 * mkdir -p below root_fd: every missing component is made with mkdirat(2) relative to the fd of
 * its verified parent, then reopened with O_NOFOLLOW and checked to be a directory, so a
 * symlink planted in between is resolved inside the root like any other.  Returns an
 * O_PATH|O_DIRECTORY fd of the final directory; an existing non-directory is -ENOTDIR.
 */
int tong_path_mkdir_in_root(int root_fd, const char *path, mode_t mode, unsigned flags);

/*
 * The same for a file mount point: parents are made as by tong_path_mkdir_in_root (mode
 * 0755), the last component as an empty regular file with mode if it is missing.  Returns an
 * O_PATH fd of whatever is there (the caller checks its type).
 */
int tong_path_mkfile_in_root(int root_fd, const char *path, mode_t mode, unsigned flags);

/* Process-wide: stop using openat2 (set automatically after ENOSYS; tests use it). */
void tong_path_set_openat2_disabled(bool disabled);

/*
 * Lexical cleanup of a path inside a root: "a//b/./c/../" -> "/a/b".  Relative paths are taken
 * relative to "/", ".." at "/" stays at "/".  The result is absolute and newly allocated.
 * Only for naming and comparing; resolution goes through the functions above.
 */
char *tong_path_clean(const char *path);

/* Is path (clean, absolute) equal to prefix or below it?  "/proc/x" is under "/proc". */
bool tong_path_is_under(const char *path, const char *prefix);

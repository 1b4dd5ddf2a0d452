/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Helpers shared by test-path-util.c and test-rootfs*.c: temp trees, files, cleanup. */
#include <stdbool.h>
#include <sys/types.h>

/* mkdtemp under /tmp; returns a malloc'd path. */
char *trt_mkdtemp(const char *tag);
/* rm -rf that never crosses a mount point or follows a symlink. */
void trt_rm_rf(const char *path);
/* mkdir -p (host paths, test setup only). */
void trt_mkdir_p(const char *path, mode_t mode);
void trt_write(const char *path, const char *content);
void trt_symlink(const char *target, const char *path);
/* Number of entries in a directory (without . and ..), -1 if it cannot be opened. */
int trt_count_entries(const char *path);
bool trt_exists(const char *path);
/* Make the test process's mount tree private in a new mount namespace. */
void trt_unshare_mnt(void);
/* fork; child runs fn(arg) and _exit()s with its return; parent returns the exit status. */
int trt_run_child(int (*fn)(void *), void *arg, unsigned long unshare_flags);

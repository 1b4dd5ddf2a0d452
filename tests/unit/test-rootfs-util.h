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

/* ---- containers for rootfs tests */
#include "spec/spec.h"

#define TRT_MAX 32

typedef struct trt_spec {
        tong_spec spec;
        tong_mount mounts[TRT_MAX];
        char *masked[TRT_MAX + 1];
        char *readonly[TRT_MAX + 1];
        tong_kv sysctl[8];
        tong_device devices[8];
} trt_spec;

void trt_spec_init(trt_spec *s);
/* Append a mount; flags are MS_*; type "bind"/"rbind" makes a bind mount. */
tong_mount *trt_add_mount(trt_spec *s, const char *dest, const char *type, const char *source,
                          unsigned long flags, const char *data);
/* runc's `runc spec` defaults: mounts, maskedPaths, readonlyPaths. */
void trt_runc_defaults(trt_spec *s);
void trt_add_masked(trt_spec *s, const char *path);
void trt_add_readonly(trt_spec *s, const char *path);
/* A busybox-static rootfs: bin/busybox, bin/sh, proc, sys, dev, etc, tmp. */
void trt_build_rootfs(const char *dir);

typedef struct trt_run {
        const tong_spec *spec;
        const char *rootfs;
        bool userns;   /* run in a new user namespace (identity-mapped) */
        bool cgroupns; /* new cgroup namespace */
        bool cgroups;  /* pass the test's own cgroups as the container's */
        bool no_pivot;
        bool legacy;             /* mount(2) instead of the new mount API */
        bool fallback;           /* path walk instead of openat2 */
        int (*check)(void *arg); /* runs inside the container after finalize; 0 = pass */
        void *arg;
        const char *expect_err; /* NULL: must succeed; else a substring of the error */
        bool quiet_timing;
        const int *mount_userns_fds; /* passed through to the rootfs context */
} trt_run;

/* Run prepare/pivot/finalize in fresh namespaces; returns 0 when everything went as expected. */
int trt_run_container(const trt_run *r);

/* A user namespace with these uid_map/gid_map contents, as an fd (the helper process is gone). */
int trt_make_userns(const char *uid_map, const char *gid_map);
/* Can this process make user namespaces?  (Not in a chroot.)  Says so when it cannot. */
bool trt_userns_available(void);

/* Checks usable inside the container. */
bool trt_is_mountpoint(const char *path);
bool trt_is_chr(const char *path, unsigned maj, unsigned min);
int trt_open_errno(const char *path, int flags); /* 0 if open succeeded, else errno */

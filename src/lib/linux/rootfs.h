/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The container's root filesystem: config mounts, /dev, pivot_root, sysctl, readonlyPaths,
 * maskedPaths, root.readonly.  Runs in the container child, in its new mount namespace, after
 * the user namespace (if any) is mapped and the child is root in it.  The runtime calls:
 *
 *   tong_rootfs_ctx_init(&ctx); fill the input fields;
 *   tong_rootfs_prepare(&ctx)    still in the host root: propagation, rootfs bind, mounts, /dev
 *   (createContainer hooks)
 *   tong_rootfs_pivot(&ctx)      pivot_root (or MS_MOVE + chroot), cwd "/"
 *   (terminal: bind the pty over tong_rootfs_console_target())
 *   tong_rootfs_finalize(&ctx)   sysctl, readonlyPaths, maskedPaths, root.readonly
 *   tong_rootfs_ctx_done(&ctx)   (also on error paths; closes what is left)
 *
 * Every path inside the rootfs is resolved with core/path-util.h and used by fd; mounts are
 * made with the new mount API (linux/mount.h).  Nothing forks.  Errors name the config entry:
 * "mounts[3] (/data): ...", "linux.devices[0] (/dev/fuse): ...", "linux.sysctl (key): ...".
 */
#include <stdbool.h>
#include <stddef.h>

#include "spec/spec.h"
#include "tong/error.h"

typedef struct tong_cgroup_hier tong_cgroup_hier; /* cgroup/cgroup.h */

typedef struct tong_rootfs_ctx {
        /* ---- input, filled by the runtime */
        const tong_spec *spec;
        const char *rootfs; /* absolute host path of the root, resolved from root.path */
        bool no_pivot;      /* --no-pivot: MS_MOVE + chroot instead of pivot_root */
        bool userns;        /* own user namespace: no mknod, host device nodes are bound */
        bool cgroupns;      /* own cgroup namespace: cgroupfs is mounted, not bound */
        const tong_cgroup_hier *cgroups; /* where the container's cgroup is, per hierarchy */
        size_t n_cgroups;
        /*
         * idmap/ridmap mounts.  mount_userns_fds[i] (may be NULL; -1 = none) is a user
         * namespace holding mounts[i].uidMappings/gidMappings, made by the runtime before the
         * clone (creating one needs a process).  Mounts without their own mappings use
         * userns_fd, the container's user namespace (-1 if it has none).
         */
        const int *mount_userns_fds;
        int userns_fd;
        /*
         * mount_fds[i] (may be NULL; -1 = none): mounts[i] already made, detached and
         * idmapped, by the runtime before the clone (an idmapped mount needs privileges over
         * the source's filesystem that a child inside its own user namespace lacks).  It is
         * attached at the destination and given the mount's flags.
         */
        const int *mount_fds;

        /* ---- state, owned by this module */
        int root_fd;     /* the rootfs bind mount, until pivot */
        char *root_real; /* its host path as the kernel names it, for /proc checks */
} tong_rootfs_ctx;

void tong_rootfs_ctx_init(tong_rootfs_ctx *ctx);
void tong_rootfs_ctx_done(tong_rootfs_ctx *ctx);

int tong_rootfs_prepare(tong_rootfs_ctx *ctx, tong_err **err);
int tong_rootfs_pivot(tong_rootfs_ctx *ctx, tong_err **err);
int tong_rootfs_finalize(tong_rootfs_ctx *ctx, tong_err **err);

/*
 * After pivot: an O_PATH fd of /dev/console to bind the terminal onto.  A missing one is made
 * as an empty file; a symlink (CVE-2026-88264) or anything but a regular file or character
 * device is refused.
 */
int tong_rootfs_console_target(tong_err **err);

/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Pieces of linux/rootfs*.c, devices.c and sysctl.c that call each other. */
#include <stdbool.h>
#include <sys/types.h>

#include "linux/mount-fd.h"
#include "linux/rootfs.h"

/* Default directory and file mode for mount points we create. */
#define ROOTFS_DIR_MODE 0755
#define ROOTFS_FILE_MODE 0644

/* rootfs-mounts.c: mounts[i] of the config. */
int rootfs_mount_one(tong_rootfs_ctx *ctx, size_t i, tong_err **err);
/* The in-root path of fd (an fd below ctx->root_fd), as the kernel names it; NULL if outside. */
char *rootfs_fd_in_root(const tong_rootfs_ctx *ctx, int fd);
/* Copy the tree below src_dir into dst_dir (tmpcopyup): files, dirs, symlinks, nodes, owners. */
int rootfs_copy_tree(int src_dir, int dst_dir, tong_err **err);

/* rootfs-cgroup.c: a "cgroup"/"cgroup2" mount at dest (clean, in-root). */
int rootfs_mount_cgroup(tong_rootfs_ctx *ctx, const tong_mount *m, size_t i, const char *dest,
                        tong_err **err);

/* devices.c: default devices, linux.devices, /dev symlinks. */
int rootfs_setup_dev(tong_rootfs_ctx *ctx, tong_err **err);
/* Open path (in root_fd) with O_PATH|O_NOFOLLOW and check it is the char device 1:3. */
int rootfs_open_dev_null(int root_fd, tong_err **err);

/* sysctl.c: linux.sysctl, after pivot. */
int rootfs_apply_sysctl(const tong_spec *spec, tong_err **err);
/* "net.ipv4.conf.eth0/1.forwarding" -> "net/ipv4/conf/eth0.1/forwarding"; -EINVAL if unsafe. */
int rootfs_sysctl_key_to_path(const char *key, char **ret);
/* A verified procfs root fd: a private instance if possible, else the container's /proc. */
int rootfs_open_procfs(tong_err **err);

/* rootfs-finalize.c */
int rootfs_readonly_paths(const tong_spec *spec, int root_fd, tong_err **err);
int rootfs_masked_paths(const tong_spec *spec, int root_fd, tong_err **err);

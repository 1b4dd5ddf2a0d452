/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Mounting by file descriptor.  With the new mount API (Linux >= 5.12 for mount_setattr) a
 * mount is built detached (fsopen/fsconfig/fsmount or open_tree(OPEN_TREE_CLONE)), gets its
 * attributes and idmapping with mount_setattr, and is attached with move_mount onto the O_PATH
 * fd of the verified target, so nothing is ever looked up by path.  Without it, mount(2) is
 * called on /proc/self/fd/N of the verified target; the caller guarantees that /proc is a
 * procfs it trusts at that moment.
 *
 * Callers add the context ("mounts[3] (/data)") to errors.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tong/error.h"

typedef struct tong_mnt_req {
        const char *fstype; /* a new filesystem of this type; NULL: bind src_fd */
        const char *source; /* new filesystem: its "source" ("tmpfs", "/dev/sda1"); or NULL */
        const char *data;   /* new filesystem: comma-separated options; or NULL */
        int src_fd;         /* bind: O_PATH fd of what to bind (any mount of our namespace) */
        bool recursive;     /* bind: with the mounts below it (rbind) */

        unsigned long flags;       /* MS_* to set on the (top) mount: ro, nosuid, atime, ... */
        unsigned long clear_flags; /* MS_* to clear on the (top) mount */
        uint64_t rec_set;          /* MOUNT_ATTR_* set on the whole tree */
        uint64_t rec_clr;          /* MOUNT_ATTR_* cleared on the whole tree */
        const unsigned long *propagation; /* MS_SHARED|MS_REC, ... applied in order at the end */
        size_t n_propagation;
        int userns_fd;        /* >= 0: idmap the mount with this user namespace's mapping */
        bool idmap_recursive; /* ridmap */
} tong_mnt_req;

#define TONG_MNT_REQ_INIT                     \
        {                                     \
                .src_fd = -1, .userns_fd = -1 \
        }

/*
 * Make the mount req describes and attach it on target_fd, an O_PATH fd that the caller
 * resolved as `path` inside root_fd (the path is needed only by the mount(2) fallback, which
 * cannot get hold of the new mount otherwise).  Returns an fd of the new mount's root, for
 * work inside it or further clones.
 */
int tong_mnt_make(const tong_mnt_req *req, int root_fd, const char *path, int target_fd,
                  tong_err **err);

/*
 * Change attributes (MOUNT_ATTR_*) of the mount whose root mnt_fd is, recursively or not.
 * Flags locked by a more privileged mount namespace are kept rather than failing with EPERM.
 */
int tong_mnt_setattr(int mnt_fd, bool recursive, uint64_t set, uint64_t clr, tong_err **err);

/* MS_* flags (and explicitly cleared ones) as mount_setattr attributes. */
void tong_mnt_flags_to_attr(unsigned long flags, unsigned long clear_flags, uint64_t *ret_set,
                            uint64_t *ret_clr);

/* Process-wide: use mount(2) only (set automatically on ENOSYS; tests use it). */
void tong_mnt_set_legacy(bool legacy);
bool tong_mnt_legacy(void);

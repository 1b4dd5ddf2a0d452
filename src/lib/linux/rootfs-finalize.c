/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/macro.h"
#include "core/path-util.h"
#include "linux/rootfs-internal.h"

/*
 * readonlyPaths and maskedPaths, after pivot_root: paths resolve inside the container's root.
 * Paths that do not exist are skipped (runc, crun).  Masked files get the verified /dev/null
 * bound over them; masked directories share one tiny read-only tmpfs (runc 1.4.3), so a
 * Kubernetes pod with many masked paths costs one superblock, not dozens.
 */

/* Data for the masking tmpfs: one page, room for its root inode only. */
#define MASK_TMPFS_DATA "size=4k,nr_inodes=1,mode=0555"
#define MASK_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

static bool skippable(int r)
{
        return r == -ENOENT || r == -ENOTDIR;
}

int rootfs_readonly_paths(const tong_spec *spec, int root_fd, tong_err **err)
{
        const tong_linux *l = &spec->linux;

        for (size_t i = 0; l->readonly_paths && l->readonly_paths[i]; i++) {
                const char *path = l->readonly_paths[i];
                _cleanup_close_ int target = -EBADF, mnt = -EBADF;
                tong_mnt_req req = TONG_MNT_REQ_INIT;

                target = tong_path_open_in_root(root_fd, path, O_PATH, 0);
                if (skippable(target))
                        continue;
                if (target < 0)
                        return tong_err_sys(err, -target, "linux.readonlyPaths[%zu] (%s)", i, path);
                req.src_fd = target;
                req.recursive = true;
                if (tong_mnt_legacy())
                        req.flags = MS_RDONLY; /* mount(2) cannot do better than the top */
                else
                        req.rec_set = MOUNT_ATTR_RDONLY;
                mnt = tong_mnt_make(&req, root_fd, path, target, err);
                if (mnt < 0)
                        return tong_err_prefix(err, mnt, "linux.readonlyPaths[%zu] (%s)", i, path);
        }
        return 0;
}

typedef struct masker {
        int root_fd;
        int dev_null; /* opened and verified on first use */
        int tmpfs;    /* the first masked directory's mount, cloned for the others */
} masker;

static int mask_one(masker *mk, const char *path, int target, tong_err **err)
{
        _cleanup_close_ int mnt = -EBADF;
        tong_mnt_req req = TONG_MNT_REQ_INIT;
        struct stat st;

        if (fstat(target, &st) < 0)
                return tong_err_sys(err, errno, "stat");
        if (S_ISDIR(st.st_mode) && mk->tmpfs < 0) {
                req.fstype = "tmpfs";
                req.source = "tmpfs";
                req.data = MASK_TMPFS_DATA;
                req.flags = MASK_FLAGS;
                mk->tmpfs = tong_mnt_make(&req, mk->root_fd, path, target, err);
                return mk->tmpfs < 0 ? mk->tmpfs : 0;
        }
        if (S_ISDIR(st.st_mode)) {
                req.src_fd = mk->tmpfs;
                req.flags = MASK_FLAGS;
        } else {
                if (mk->dev_null < 0) {
                        mk->dev_null = rootfs_open_dev_null(mk->root_fd, err);
                        if (mk->dev_null < 0)
                                return mk->dev_null;
                }
                req.src_fd = mk->dev_null;
        }
        mnt = tong_mnt_make(&req, mk->root_fd, path, target, err);
        return mnt < 0 ? mnt : 0;
}

int rootfs_masked_paths(const tong_spec *spec, int root_fd, tong_err **err)
{
        const tong_linux *l = &spec->linux;
        masker mk = { .root_fd = root_fd, .dev_null = -EBADF, .tmpfs = -EBADF };
        int r = 0;

        for (size_t i = 0; l->masked_paths && l->masked_paths[i]; i++) {
                const char *path = l->masked_paths[i];
                _cleanup_close_ int target = tong_path_open_in_root(root_fd, path, O_PATH, 0);

                if (skippable(target))
                        continue;
                if (target < 0) {
                        r = tong_err_sys(err, -target, "linux.maskedPaths[%zu] (%s)", i, path);
                        break;
                }
                r = mask_one(&mk, path, target, err);
                if (r < 0) {
                        r = tong_err_prefix(err, r, "linux.maskedPaths[%zu] (%s)", i, path);
                        break;
                }
        }
        safe_close(mk.dev_null);
        safe_close(mk.tmpfs);
        return r < 0 ? r : 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup/cgroup.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/macro.h"
#include "core/path-util.h"
#include "linux/rootfs-internal.h"

/*
 * cgroupfs in the container.  With a cgroup namespace the container gets fresh cgroup
 * filesystems, which show its own cgroup as their root.  Without one, a fresh mount would show
 * the host's whole tree, so the container's own cgroup directories are bound from the host
 * instead.  A cgroup v1 (or hybrid) host gets a tmpfs with one directory per hierarchy, as
 * runc and crun lay it out.
 */

#define MS_NOT_FLAGS                                                                   \
        (MS_BIND | MS_REC | MS_REMOUNT | MS_MOVE | MS_SHARED | MS_SLAVE | MS_PRIVATE | \
         MS_UNBINDABLE)

static const tong_cgroup_hier *find_v2(const tong_rootfs_ctx *ctx)
{
        for (size_t i = 0; i < ctx->n_cgroups; i++)
                if (ctx->cgroups[i].version == 2)
                        return &ctx->cgroups[i];
        return NULL;
}

static bool host_has_v1(const tong_rootfs_ctx *ctx)
{
        for (size_t i = 0; i < ctx->n_cgroups; i++)
                if (ctx->cgroups[i].version == 1)
                        return true;
        return false;
}

/* One hierarchy (h, or a fresh cgroup2 when h is NULL) on target, found as path in the root. */
static int mount_hier(const tong_rootfs_ctx *ctx, const tong_mount *m, const tong_cgroup_hier *h,
                      const char *path, int target, tong_err **err)
{
        _cleanup_close_ int src = -EBADF, mnt = -EBADF;
        _cleanup_free_ char *host = NULL;
        tong_mnt_req req = TONG_MNT_REQ_INIT;

        req.flags = m->flags & ~(unsigned long)MS_NOT_FLAGS;
        req.clear_flags = m->clear_flags;
        if (ctx->cgroupns || !h) {
                bool v1 = h && h->version == 1;

                req.fstype = v1 ? "cgroup" : "cgroup2";
                req.source = m->source ? m->source : "cgroup";
                /* The config's data is meant for its own type; a hybrid host's v2 part gets none.
                 */
                req.data = v1 ? h->options : (streq(m->type, "cgroup2") ? m->data : NULL);
        } else {
                host = xasprintf("%s/%s", h->mountpoint, h->path);
                src = open(host, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (src < 0)
                        return tong_err_sys(err, errno, "cgroup %s", host);
                req.src_fd = src;
        }
        mnt = tong_mnt_make(&req, ctx->root_fd, path, target, err);
        if (mnt < 0)
                return tong_err_prefix(err, mnt, "%s", h ? h->mountpoint : "cgroup2");
        return 0;
}

static int mount_v2(tong_rootfs_ctx *ctx, const tong_mount *m, const char *dest, tong_err **err)
{
        _cleanup_close_ int target = -EBADF;

        target = tong_path_mkdir_in_root(ctx->root_fd, dest, ROOTFS_DIR_MODE, 0);
        if (target < 0)
                return tong_err_sys(err, -target, "destination");
        return mount_hier(ctx, m, find_v2(ctx), dest, target, err);
}

/* "cpu,cpuacct" is also reachable as "cpu" and "cpuacct", as on the host. */
static void comount_links(int dir, const char *name)
{
        _cleanup_free_ char *copy = NULL;

        if (!strchr(name, ','))
                return;
        copy = xstrdup(name);
        for (char *p = copy, *e; p && *p; p = e) {
                e = strchr(p, ',');
                if (e)
                        *e++ = '\0';
                /* Best effort: a name that exists already (the hierarchy itself) stays. */
                if (!strchr(p, '=') && symlinkat(name, dir, p) < 0 && errno != EEXIST)
                        continue;
        }
}

static int mount_v1_hier(tong_rootfs_ctx *ctx, const tong_mount *m, const char *dest, int tmpfs,
                         const tong_cgroup_hier *h, tong_err **err)
{
        const char *name = h->mountpoint ? strrchr(h->mountpoint, '/') : NULL;
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int sub = -EBADF;

        if (!name || !dest)
                return tong_err_set(err, EINVAL, "cgroup mount point %s",
                                    h->mountpoint ? h->mountpoint : "(none)");
        name++;
        if (!name[0] || streq(name, ".") || streq(name, ".."))
                return tong_err_set(err, EINVAL, "cgroup mount point %s", h->mountpoint);
        path = xasprintf("%s/%s", dest, name);
        /* Our own fresh tmpfs: nothing in it can be a planted symlink. */
        if (mkdirat(tmpfs, name, ROOTFS_DIR_MODE) < 0 && errno != EEXIST)
                return tong_err_sys(err, errno, "mkdir %s", path);
        sub = openat(tmpfs, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0)
                return tong_err_sys(err, errno, "open %s", path);
        comount_links(tmpfs, name);
        return mount_hier(ctx, m, h, path, sub, err);
}

static int mount_v1(tong_rootfs_ctx *ctx, const tong_mount *m, const char *dest, tong_err **err)
{
        _cleanup_close_ int target = -EBADF, tmpfs = -EBADF, dir = -EBADF;
        tong_mnt_req req = TONG_MNT_REQ_INIT;
        int r;

        target = tong_path_mkdir_in_root(ctx->root_fd, dest, ROOTFS_DIR_MODE, 0);
        if (target < 0)
                return tong_err_sys(err, -target, "destination");
        req.fstype = "tmpfs";
        req.source = "tmpfs";
        req.data = "mode=755";
        req.flags = m->flags & ~(unsigned long)(MS_NOT_FLAGS | MS_RDONLY);
        tmpfs = tong_mnt_make(&req, ctx->root_fd, dest, target, err);
        if (tmpfs < 0)
                return tong_err_prefix(err, tmpfs, "tmpfs");
        dir = openat(tmpfs, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
                return tong_err_sys(err, errno, "open the tmpfs");
        for (size_t i = 0; i < ctx->n_cgroups; i++) {
                r = mount_v1_hier(ctx, m, dest, dir, &ctx->cgroups[i], err);
                if (r < 0)
                        return r;
        }
        if (m->flags & MS_RDONLY) {
                r = tong_mnt_setattr(tmpfs, false, MOUNT_ATTR_RDONLY, 0, err);
                if (r < 0)
                        return tong_err_prefix(err, r, "make the tmpfs read-only");
        }
        return 0;
}

int rootfs_mount_cgroup(tong_rootfs_ctx *ctx, const tong_mount *m, size_t i, const char *dest,
                        tong_err **err)
{
        (void)i;
        if (streq(m->type, "cgroup2") || !host_has_v1(ctx)) {
                if (!ctx->cgroupns && !find_v2(ctx))
                        return tong_err_set(err, EINVAL,
                                            "no cgroup2 hierarchy known and no cgroup namespace: "
                                            "refusing to show the host's whole tree");
                return mount_v2(ctx, m, dest, err);
        }
        return mount_v1(ctx, m, dest, err);
}

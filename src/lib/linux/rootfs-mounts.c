/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/macro.h"
#include "core/missing.h"
#include "core/path-util.h"
#include "linux/rootfs-internal.h"

/* The procfs files lxcfs emulates: the only mounts allowed inside /proc (CVE-2025-52881). */
static const char *const proc_allowed[] = {
        "/proc/cpuinfo", "/proc/meminfo",   "/proc/stat",  "/proc/uptime",
        "/proc/loadavg", "/proc/diskstats", "/proc/swaps", "/proc/slabinfo",
};

/* MS_* bits that are not per-mount flags: the mount kind and propagation. */
#define MS_NOT_FLAGS                                                                   \
        (MS_BIND | MS_REC | MS_REMOUNT | MS_MOVE | MS_SHARED | MS_SLAVE | MS_PRIVATE | \
         MS_UNBINDABLE)

static bool is_type(const tong_mount *m, const char *t)
{
        return m->type && streq(m->type, t);
}

static bool fd_on_procfs(int fd)
{
        struct statfs sf;

        return fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC;
}

/*
 * Where the destination really is decides: /proc itself takes only procfs, nothing may be
 * mounted inside /proc or on any procfs file but the lxcfs allow-list.
 */
static int check_proc_dest(const tong_rootfs_ctx *ctx, const tong_mount *m, int target_fd,
                           int src_fd, tong_err **err)
{
        _cleanup_free_ char *where = rootfs_fd_in_root(ctx, target_fd);
        bool on_proc = fd_on_procfs(target_fd);

        if (!where)
                return tong_err_set(err, EXDEV, "destination resolves outside the rootfs");
        if (!on_proc && !tong_path_is_under(where, "/proc"))
                return 0;
        if (streq(where, "/proc")) {
                if (is_type(m, "proc") || (m->bind && src_fd >= 0 && fd_on_procfs(src_fd)))
                        return 0;
                return tong_err_set(err, EINVAL, "%s cannot be mounted on /proc: not procfs",
                                    m->type ? m->type : "bind mount");
        }
        for (size_t i = 0; i < ELEMENTSOF(proc_allowed); i++)
                if (streq(where, proc_allowed[i]))
                        return 0;
        return tong_err_set(err, EPERM,
                            "destination %s is inside /proc: only lxcfs-style files such as "
                            "/proc/cpuinfo may be mounted there",
                            where);
}

static void req_from_mount(const tong_mount *m, tong_mnt_req *req)
{
        req->flags = m->flags & ~(unsigned long)MS_NOT_FLAGS;
        req->clear_flags = m->clear_flags;
        req->rec_set = m->rec_attr_set;
        req->rec_clr = m->rec_attr_clr;
        req->propagation = m->propagation;
        req->n_propagation = m->n_propagation;
}

static int mount_userns(const tong_rootfs_ctx *ctx, const tong_mount *m, size_t i, int *ret,
                        tong_err **err)
{
        *ret = -1;
        if (!m->idmap && !m->ridmap)
                return 0;
        if (ctx->mount_userns_fds && ctx->mount_userns_fds[i] >= 0) {
                *ret = ctx->mount_userns_fds[i];
                return 0;
        }
        if (m->n_uid_mappings || m->n_gid_mappings)
                return tong_err_set(err, EINVAL,
                                    "idmap: no user namespace holding uidMappings/gidMappings");
        if (ctx->userns_fd < 0)
                return tong_err_set(err, EINVAL,
                                    "idmap needs uidMappings and gidMappings, or a user namespace");
        *ret = ctx->userns_fd;
        return 0;
}

/* A mount the runtime made (idmapped) before the clone: attach it, then apply the flags. */
static int mount_premade(tong_rootfs_ctx *ctx, const tong_mount *m, int fd, const char *dest,
                         tong_err **err)
{
        _cleanup_close_ int target = -EBADF;
        uint64_t set, clr;
        struct stat st;
        int r;

        if (fstat(fd, &st) < 0)
                return tong_err_sys(err, errno, "source %s", m->source);
        target = S_ISDIR(st.st_mode)
                         ? tong_path_mkdir_in_root(ctx->root_fd, dest, ROOTFS_DIR_MODE, 0)
                         : tong_path_mkfile_in_root(ctx->root_fd, dest, ROOTFS_FILE_MODE, 0);
        if (target < 0)
                return tong_err_sys(err, -target, "destination");
        if (move_mount(fd, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                return tong_err_sys(err, errno, "attach the idmapped mount");
        tong_mnt_flags_to_attr(m->flags, m->clear_flags, &set, &clr);
        r = tong_mnt_setattr(fd, false, set, clr, err);
        if (r >= 0 && (m->rec_attr_set || m->rec_attr_clr))
                r = tong_mnt_setattr(fd, true, m->rec_attr_set, m->rec_attr_clr, err);
        for (size_t k = 0; r >= 0 && k < m->n_propagation; k++) {
                struct mount_attr a = { .propagation = m->propagation[k] & ~(unsigned long)MS_REC };

                if (mount_setattr(fd, "",
                                  AT_EMPTY_PATH | (m->propagation[k] & MS_REC ? AT_RECURSIVE : 0),
                                  &a, sizeof(a)) < 0)
                        r = tong_err_sys(err, errno, "propagation");
        }
        return r;
}

static int mount_bind(tong_rootfs_ctx *ctx, const tong_mount *m, size_t i, const char *dest,
                      tong_err **err)
{
        _cleanup_close_ int src = -EBADF, target = -EBADF, mnt = -EBADF;
        tong_mnt_req req = TONG_MNT_REQ_INIT;
        struct stat st, tst;
        int r;

        if (ctx->mount_fds && ctx->mount_fds[i] >= 0)
                return mount_premade(ctx, m, ctx->mount_fds[i], dest, err);
        if (!m->source)
                return tong_err_set(err, EINVAL, "bind mount without a source");
        src = open(m->source, O_PATH | O_CLOEXEC);
        if (src < 0 || fstat(src, &st) < 0)
                return tong_err_sys(err, errno, "source %s", m->source);
        if (S_ISDIR(st.st_mode))
                target = tong_path_mkdir_in_root(ctx->root_fd, dest, ROOTFS_DIR_MODE, 0);
        else
                target = tong_path_mkfile_in_root(ctx->root_fd, dest, ROOTFS_FILE_MODE, 0);
        if (target < 0)
                return tong_err_sys(err, -target, "destination");
        if (fstat(target, &tst) < 0)
                return tong_err_sys(err, errno, "destination");
        if (S_ISDIR(st.st_mode) != S_ISDIR(tst.st_mode))
                return tong_err_set(err, ENOTDIR,
                                    "source %s is %sa directory but the "
                                    "destination is %sone",
                                    m->source, S_ISDIR(st.st_mode) ? "" : "not ",
                                    S_ISDIR(tst.st_mode) ? "" : "not ");
        r = check_proc_dest(ctx, m, target, src, err);
        if (r < 0)
                return r;
        req_from_mount(m, &req);
        req.src_fd = src;
        req.recursive = m->recursive;
        req.idmap_recursive = m->ridmap;
        r = mount_userns(ctx, m, i, &req.userns_fd, err);
        if (r < 0)
                return r;
        mnt = tong_mnt_make(&req, ctx->root_fd, dest, target, err);
        return mnt < 0 ? mnt : 0;
}

/* "a,gid=5,b" without the gid option, for devpts in a user namespace without gid 5. */
static char *data_without(const char *data, const char *key)
{
        _cleanup_free_ char *copy = xstrdup(data);
        char *out = xcalloc(1, strlen(data) + 1);
        size_t n = 0, kl = strlen(key);

        for (char *p = copy, *e; p && *p; p = e) {
                e = strchr(p, ',');
                if (e)
                        *e++ = '\0';
                if (strncmp(p, key, kl) == 0 && p[kl] == '=')
                        continue;
                n += (size_t)snprintf(out + n, strlen(data) + 1 - n, "%s%s", n ? "," : "", p);
        }
        return out;
}

/*
 * A user namespace may not mount sysfs for a network namespace, or mqueue for an IPC
 * namespace, that it does not own: bind the host's, read-only throughout if ro was asked
 * (CVE-2023-25809).  devpts refuses gid=5 when that group is not mapped: drop the option.
 */
static int make_fs_fallback(tong_rootfs_ctx *ctx, const tong_mount *m, tong_mnt_req *req,
                            const char *dest, int target, int r0, tong_err **err)
{
        _cleanup_free_ char *data = NULL;
        _cleanup_close_ int host = -EBADF;

        if (r0 == -EPERM && (is_type(m, "sysfs") || is_type(m, "mqueue"))) {
                const char *hp = is_type(m, "sysfs") ? "/sys" : "/dev/mqueue";

                host = open(hp, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (host < 0)
                        return tong_err_sys(err, errno, "bind %s instead", hp);
                req->fstype = NULL;
                req->src_fd = host;
                req->recursive = true;
                if (req->flags & MS_RDONLY)
                        req->rec_set |= MOUNT_ATTR_RDONLY;
        } else if (r0 == -EINVAL && is_type(m, "devpts") && m->data && strstr(m->data, "gid=")) {
                data = data_without(m->data, "gid");
                req->data = data;
        } else {
                return r0;
        }
        return tong_mnt_make(req, ctx->root_fd, dest, target, err);
}

static int mount_fs(tong_rootfs_ctx *ctx, const tong_mount *m, size_t i, const char *dest,
                    tong_err **err)
{
        _cleanup_close_ int target = -EBADF, old = -EBADF, mnt = -EBADF, copy_to = -EBADF;
        _cleanup_(tong_err_freep) tong_err *e = NULL;
        bool strict = is_type(m, "proc") || is_type(m, "sysfs");
        tong_mnt_req req = TONG_MNT_REQ_INIT;
        int r;

        target = tong_path_mkdir_in_root(ctx->root_fd, dest, ROOTFS_DIR_MODE,
                                         strict ? TONG_PATH_NO_SYMLINKS : 0);
        if (strict && (target == -ELOOP || target == -ENOTDIR))
                return tong_err_set(err, EINVAL,
                                    "filesystem %s must be mounted on ordinary "
                                    "directory",
                                    m->type);
        if (target < 0)
                return tong_err_sys(err, -target, "destination");
        r = check_proc_dest(ctx, m, target, -1, err);
        if (r < 0)
                return r;
        if (m->tmpcopyup) {
                old = openat(target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (old < 0)
                        return tong_err_sys(err, errno, "tmpcopyup: open the destination");
        }
        req_from_mount(m, &req);
        req.fstype = m->type;
        req.source = m->source;
        req.data = m->data;
        req.idmap_recursive = m->ridmap;
        r = mount_userns(ctx, m, i, &req.userns_fd, err);
        if (r < 0)
                return r;
        mnt = tong_mnt_make(&req, ctx->root_fd, dest, target, &e);
        if (mnt < 0 && ctx->userns)
                mnt = make_fs_fallback(ctx, m, &req, dest, target, mnt, NULL);
        if (mnt < 0)
                return tong_err_take(err, e ? e->errnum : -mnt, e ? TAKE_PTR(e->msg) : NULL);
        if (old >= 0) {
                copy_to = openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (copy_to < 0)
                        return tong_err_sys(err, errno, "tmpcopyup: open the new mount");
                r = rootfs_copy_tree(old, copy_to, err);
                if (r < 0)
                        return tong_err_prefix(err, r, "tmpcopyup");
        }
        return 0;
}

/* "remount": change the flags of what is mounted at the destination already. */
static int mount_remount(tong_rootfs_ctx *ctx, const tong_mount *m, const char *dest,
                         tong_err **err)
{
        _cleanup_close_ int target = tong_path_open_in_root(ctx->root_fd, dest, O_PATH, 0);
        uint64_t set, clr;

        if (target < 0)
                return tong_err_sys(err, -target, "destination");
        tong_mnt_flags_to_attr(m->flags, m->clear_flags, &set, &clr);
        return tong_mnt_setattr(target, false, set, clr, err);
}

int rootfs_mount_one(tong_rootfs_ctx *ctx, size_t i, tong_err **err)
{
        const tong_mount *m = &ctx->spec->mounts[i];
        _cleanup_free_ char *dest = tong_path_clean(m->destination);
        int r;

        if (m->flags & MS_REMOUNT)
                r = mount_remount(ctx, m, dest, err);
        else if (m->bind)
                r = mount_bind(ctx, m, i, dest, err);
        else if (is_type(m, "cgroup") || is_type(m, "cgroup2"))
                r = rootfs_mount_cgroup(ctx, m, i, dest, err);
        else if (!m->type || !m->type[0])
                r = tong_err_set(err, EINVAL, "no type, and not a bind mount");
        else
                r = mount_fs(ctx, m, i, dest, err);
        if (r < 0)
                return tong_err_prefix(err, r, "mounts[%zu] (%s)", i, m->destination);
        return 0;
}

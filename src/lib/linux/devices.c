/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/macro.h"
#include "core/path-util.h"
#include "linux/rootfs-internal.h"

/*
 * /dev: the default devices (config-linux.md "Default Devices"), linux.devices, and the
 * runtime-linux.md symlinks.  Every node is made with mknodat relative to the fd of its
 * verified parent directory, or, in a user namespace where mknod is impossible, as a bind
 * mount of the host's node onto an empty file.  An existing file at a device path must be
 * that very device: a rootfs /dev/null that is a symlink or a regular file is an error
 * (CVE-2025-31133), and so is a /dev that is a symlink when the rootfs provides it.
 */

typedef struct dev_node {
        const char *path; /* in the container; also the host node to bind in a user namespace */
        mode_t type;      /* S_IFCHR, S_IFBLK, S_IFIFO */
        dev_t rdev;
        mode_t mode;
        uid_t uid;
        gid_t gid;
} dev_node;

static const struct {
        const char *name;
        unsigned major, minor;
} default_devices[] = {
        { "null", 1, 3 },   { "zero", 1, 5 },    { "full", 1, 7 },
        { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static const char *type_name(mode_t type)
{
        return type == S_IFCHR ? "character" : type == S_IFBLK ? "block" : "fifo";
}

/* Is the inode at fd the node n describes? */
static int check_node(int fd, const dev_node *n, tong_err **err)
{
        struct stat st;

        if (fstat(fd, &st) < 0)
                return tong_err_sys(err, errno, "stat");
        if ((st.st_mode & S_IFMT) == n->type && (n->type == S_IFIFO || st.st_rdev == n->rdev))
                return 0;
        if (S_ISLNK(st.st_mode))
                return tong_err_set(err, EEXIST, "exists as a symlink, not the %s device %u:%u",
                                    type_name(n->type), major(n->rdev), minor(n->rdev));
        return tong_err_set(err, EEXIST, "exists and is not the %s device %u:%u",
                            type_name(n->type), major(n->rdev), minor(n->rdev));
}

static int bind_host_node(const tong_rootfs_ctx *ctx, int dir, const char *name, const dev_node *n,
                          tong_err **err)
{
        _cleanup_close_ int src = -EBADF, target = -EBADF, mnt = -EBADF;
        tong_mnt_req req = TONG_MNT_REQ_INIT;
        struct stat st;
        int r;

        src = open(n->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (src < 0)
                return tong_err_sys(err, errno, "host node %s", n->path);
        r = check_node(src, n, err);
        if (r < 0)
                return tong_err_prefix(err, r, "host node %s", n->path);
        target = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (target < 0 && errno == ENOENT) {
                int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                                ROOTFS_FILE_MODE);

                if (fd < 0)
                        return tong_err_sys(err, errno, "create the mount point");
                safe_close(fd);
                target = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        }
        if (target < 0 || fstat(target, &st) < 0)
                return tong_err_sys(err, errno, "open the mount point");
        if (!S_ISREG(st.st_mode)) {
                r = check_node(target, n, err);
                if (r < 0)
                        return r;
        }
        req.src_fd = src;
        req.flags = MS_NOSUID | MS_NOEXEC;
        mnt = tong_mnt_make(&req, ctx->root_fd, n->path, target, err);
        return mnt < 0 ? mnt : 0;
}

static int mknod_node(int dir, const char *name, const dev_node *n)
{
        mode_t old = umask(0);
        int r = mknodat(dir, name, n->type | (n->mode & 07777), n->rdev);

        r = r < 0 ? -errno : 0;
        umask(old);
        return r;
}

static int make_node(const tong_rootfs_ctx *ctx, int dir, const char *name, const dev_node *n,
                     tong_err **err)
{
        _cleanup_close_ int fd = -EBADF;
        int r = -EPERM;

        if (!ctx->userns || n->type == S_IFIFO)
                r = mknod_node(dir, name, n);
        if (r == -EPERM && n->type != S_IFIFO)
                return bind_host_node(ctx, dir, name, n, err);
        fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (r < 0 && r != -EEXIST)
                return tong_err_sys(err, -r, "mknod");
        if (fd < 0)
                return tong_err_sys(err, errno, "open");
        /* Made or found: either way it must be the requested device now. */
        r = check_node(fd, n, err);
        if (r < 0)
                return r;
        if (r == 0 && (n->uid != 0 || n->gid != 0) &&
            fchownat(fd, "", n->uid, n->gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
                return tong_err_sys(err, errno, "chown %u:%u", n->uid, n->gid);
        return 0;
}

/* A node at any in-root path (linux.devices may be outside /dev). */
static int make_node_at_path(const tong_rootfs_ctx *ctx, const dev_node *n, tong_err **err)
{
        _cleanup_free_ char *clean = tong_path_clean(n->path);
        _cleanup_close_ int dir = -EBADF;
        char *slash = strrchr(clean, '/');
        const char *name = slash + 1;

        if (!name[0])
                return tong_err_set(err, EINVAL, "not a file path");
        *slash = '\0';
        dir = tong_path_mkdir_in_root(ctx->root_fd, clean[0] ? clean : "/", ROOTFS_DIR_MODE, 0);
        if (dir < 0)
                return tong_err_sys(err, -dir, "parent directory");
        return make_node(ctx, dir, name, n, err);
}

static int linux_devices(const tong_rootfs_ctx *ctx, tong_err **err)
{
        const tong_linux *l = &ctx->spec->linux;

        for (size_t i = 0; i < l->n_devices; i++) {
                const tong_device *d = &l->devices[i];
                dev_node n = {
                        .path = d->path,
                        .type = d->type == 'b'   ? S_IFBLK
                                : d->type == 'p' ? S_IFIFO
                                                 : S_IFCHR,
                        .rdev = d->type == 'p' ? 0
                                               : makedev((unsigned)d->major, (unsigned)d->minor),
                        .mode = d->has_file_mode ? d->file_mode & 07777 : 0666,
                        .uid = d->has_uid ? d->uid : 0,
                        .gid = d->has_gid ? d->gid : 0,
                };
                int r = make_node_at_path(ctx, &n, err);

                if (r < 0)
                        return tong_err_prefix(err, r, "linux.devices[%zu] (%s)", i, d->path);
        }
        return 0;
}

static int dev_symlinks(int dev, tong_err **err)
{
        static const char *const links[][2] = {
                { "/proc/self/fd", "fd" },
                { "/proc/self/fd/0", "stdin" },
                { "/proc/self/fd/1", "stdout" },
                { "/proc/self/fd/2", "stderr" },
        };
        struct stat st;

        for (size_t i = 0; i < ELEMENTSOF(links); i++)
                if (symlinkat(links[i][0], dev, links[i][1]) < 0 && errno != EEXIST)
                        return tong_err_sys(err, errno, "/dev/%s", links[i][1]);
        if (access("/proc/kcore", F_OK) == 0 && symlinkat("/proc/kcore", dev, "core") < 0 &&
            errno != EEXIST)
                return tong_err_sys(err, errno, "/dev/core");
        /* /dev/ptmx must be the container's devpts instance, never a node for the host's. */
        if (fstatat(dev, "ptmx", &st, AT_SYMLINK_NOFOLLOW) == 0) {
                char target[16];
                ssize_t k = readlinkat(dev, "ptmx", target, sizeof(target) - 1);

                if (k == 8 && memcmp(target, "pts/ptmx", 8) == 0)
                        return 0;
                if (unlinkat(dev, "ptmx", S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0)
                        return tong_err_sys(err, errno, "/dev/ptmx: remove");
        }
        if (symlinkat("pts/ptmx", dev, "ptmx") < 0)
                return tong_err_sys(err, errno, "/dev/ptmx");
        return 0;
}

/* Index of the last mount on /dev, or -1. */
static ssize_t dev_mount(const tong_spec *spec)
{
        ssize_t found = -1;

        for (size_t i = 0; i < spec->n_mounts; i++) {
                _cleanup_free_ char *d = tong_path_clean(spec->mounts[i].destination);

                if (streq(d, "/dev"))
                        found = (ssize_t)i;
        }
        return found;
}

static int default_devices_in(const tong_rootfs_ctx *ctx, int dev, tong_err **err)
{
        for (size_t i = 0; i < ELEMENTSOF(default_devices); i++) {
                _cleanup_free_ char *path = xasprintf("/dev/%s", default_devices[i].name);
                dev_node n = {
                        .path = path,
                        .type = S_IFCHR,
                        .rdev = makedev(default_devices[i].major, default_devices[i].minor),
                        .mode = 0666,
                };
                int r = make_node(ctx, dev, default_devices[i].name, &n, err);

                if (r < 0)
                        return tong_err_prefix(err, r, "%s", path);
        }
        return 0;
}

int rootfs_setup_dev(tong_rootfs_ctx *ctx, tong_err **err)
{
        ssize_t mi = dev_mount(ctx->spec);
        _cleanup_close_ int dev = -EBADF;
        int r;

        /* A bind mount on /dev is a /dev someone prepared (often the host's): leave it be. */
        if (mi >= 0 && ctx->spec->mounts[mi].bind)
                return 0;
        /*
         * Our own mount on /dev was placed wherever "/dev" resolved inside the root.  A /dev
         * the rootfs provides is written into: it must be a real directory, not a symlink that
         * would take our writes elsewhere (CVE-2026-41579, CVE-2026-47766).
         */
        dev = tong_path_mkdir_in_root(ctx->root_fd, "/dev", ROOTFS_DIR_MODE,
                                      mi >= 0 ? 0 : TONG_PATH_NO_SYMLINKS);
        if (dev == -ELOOP && mi < 0)
                return tong_err_set(err, ELOOP,
                                    "/dev: is a symlink in the rootfs; refusing to "
                                    "create devices through it");
        if (dev < 0)
                return tong_err_sys(err, -dev, "/dev");
        r = default_devices_in(ctx, dev, err);
        if (r < 0)
                return r;
        r = linux_devices(ctx, err);
        if (r < 0)
                return r;
        return dev_symlinks(dev, err);
}

int rootfs_open_dev_null(int root_fd, tong_err **err)
{
        _cleanup_close_ int fd = -EBADF;
        dev_node n = { .path = "/dev/null", .type = S_IFCHR, .rdev = makedev(1, 3) };
        int r;

        fd = tong_path_open_in_root(root_fd, "/dev/null", O_PATH, TONG_PATH_NOFOLLOW);
        if (fd < 0)
                return tong_err_sys(err, -fd, "/dev/null");
        r = check_node(fd, &n, err);
        if (r < 0)
                return tong_err_prefix(err, r, "/dev/null");
        return TAKE_FD(fd);
}

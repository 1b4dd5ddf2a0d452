/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/macro.h"
#include "core/path-util.h"
#include "linux/rootfs-internal.h"

void tong_rootfs_ctx_init(tong_rootfs_ctx *ctx)
{
        *ctx = (tong_rootfs_ctx){ .userns_fd = -1, .root_fd = -EBADF };
}

void tong_rootfs_ctx_done(tong_rootfs_ctx *ctx)
{
        ctx->root_fd = safe_close(ctx->root_fd);
        free(ctx->root_real);
        ctx->root_real = NULL;
}

char *rootfs_fd_in_root(const tong_rootfs_ctx *ctx, int fd)
{
        char link[32], buf[PATH_MAX + 1];
        size_t l = strlen(ctx->root_real);
        ssize_t k;

        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        k = readlink(link, buf, sizeof(buf) - 1);
        if (k < 0 || (size_t)k >= sizeof(buf) - 1)
                return NULL;
        buf[k] = '\0';
        if (streq(ctx->root_real, "/"))
                return xstrdup(buf);
        if (strncmp(buf, ctx->root_real, l) != 0)
                return NULL;
        if (buf[l] == '\0')
                return xstrdup("/");
        if (buf[l] != '/')
                return NULL;
        return xstrdup(buf + l);
}

/* Bind the rootfs onto itself: pivot_root needs a mount point, and it gives us our own mount. */
static int bind_rootfs(tong_rootfs_ctx *ctx, tong_err **err)
{
        _cleanup_close_ int host_root = -EBADF, src = -EBADF;
        tong_mnt_req req = TONG_MNT_REQ_INIT;
        char link[32], buf[PATH_MAX + 1];
        ssize_t k;
        int fd;

        host_root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (host_root < 0)
                return tong_err_sys(err, errno, "open /");
        src = open(ctx->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (src < 0)
                return tong_err_sys(err, errno, "root.path (%s)", ctx->rootfs);
        req.src_fd = src;
        req.recursive = true;
        fd = tong_mnt_make(&req, host_root, ctx->rootfs, src, err);
        if (fd < 0)
                return tong_err_prefix(err, fd, "root.path (%s): bind onto itself", ctx->rootfs);
        ctx->root_fd = fd;
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        k = readlink(link, buf, sizeof(buf) - 1);
        if (k <= 0 || (size_t)k >= sizeof(buf) - 1)
                return tong_err_sys(err, k < 0 ? errno : ENAMETOOLONG, "root.path (%s): readlink",
                                    ctx->rootfs);
        buf[k] = '\0';
        ctx->root_real = xstrdup(buf);
        return 0;
}

int tong_rootfs_prepare(tong_rootfs_ctx *ctx, tong_err **err)
{
        const tong_spec *spec = ctx->spec;
        int r;

        if (!spec || !ctx->rootfs || ctx->rootfs[0] != '/')
                return tong_err_set(err, EINVAL, "root.path: \"%s\" is not an absolute path",
                                    ctx->rootfs ? ctx->rootfs : "");
        /*
         * Whatever the host's propagation, nothing mounted from here on may reach the host:
         * slave receives from the host but never sends.  rootfsPropagation is applied to the
         * container's "/" after pivot_root, which refuses a shared new root.
         */
        if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                return tong_err_sys(err, errno, "make the mount tree a slave of the host");
        r = bind_rootfs(ctx, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < spec->n_mounts; i++) {
                r = rootfs_mount_one(ctx, i, err);
                if (r < 0)
                        return r;
        }
        return rootfs_setup_dev(ctx, err);
}

static int apply_root_propagation(const tong_spec *spec, tong_err **err)
{
        unsigned long p = spec->linux.rootfs_propagation;

        if (!spec->linux.has_rootfs_propagation || p == 0)
                return 0;
        if (mount(NULL, "/", NULL, p, NULL) < 0)
                return tong_err_sys(err, errno, "linux.rootfsPropagation (%#lx)", p);
        return 0;
}

int tong_rootfs_pivot(tong_rootfs_ctx *ctx, tong_err **err)
{
        if (ctx->root_fd < 0)
                return tong_err_set(err, EINVAL, "pivot: the rootfs was not prepared");
        if (fchdir(ctx->root_fd) < 0)
                return tong_err_sys(err, errno, "chdir to the rootfs");
        if (ctx->no_pivot) {
                if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
                        return tong_err_sys(err, errno, "move the rootfs onto /");
                if (chroot(".") < 0)
                        return tong_err_sys(err, errno, "chroot");
        } else {
                if (syscall(SYS_pivot_root, ".", ".") < 0)
                        return tong_err_sys(err, errno, "pivot_root");
                /* The old root is stacked on "." now; its detach must not reach the host. */
                if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                        return tong_err_sys(err, errno, "make the old root a slave");
                if (umount2(".", MNT_DETACH) < 0)
                        return tong_err_sys(err, errno, "detach the old root");
        }
        if (chdir("/") < 0)
                return tong_err_sys(err, errno, "chdir /");
        ctx->root_fd = safe_close(ctx->root_fd);
        return apply_root_propagation(ctx->spec, err);
}

int tong_rootfs_finalize(tong_rootfs_ctx *ctx, tong_err **err)
{
        const tong_spec *spec = ctx->spec;
        _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        int r;

        if (root < 0)
                return tong_err_sys(err, errno, "open /");
        r = rootfs_apply_sysctl(spec, err);
        if (r < 0)
                return r;
        r = rootfs_readonly_paths(spec, root, err);
        if (r < 0)
                return r;
        r = rootfs_masked_paths(spec, root, err);
        if (r < 0)
                return r;
        if (spec->root_readonly) {
                r = tong_mnt_setattr(root, false, MOUNT_ATTR_RDONLY, 0, err);
                if (r < 0)
                        return tong_err_prefix(err, r, "root.readonly");
        }
        return 0;
}

int tong_rootfs_console_target(tong_err **err)
{
        _cleanup_close_ int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        _cleanup_close_ int fd = -EBADF;
        struct stat st;

        if (root < 0)
                return tong_err_sys(err, errno, "open /");
        fd = tong_path_mkfile_in_root(root, "/dev/console", 0666, TONG_PATH_NOFOLLOW);
        if (fd < 0)
                return tong_err_sys(err, -fd, "/dev/console");
        if (fstat(fd, &st) < 0)
                return tong_err_sys(err, errno, "/dev/console: stat");
        if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
                return tong_err_set(err, EINVAL,
                                    "/dev/console: is not a regular file or character device%s",
                                    S_ISLNK(st.st_mode) ? " (it is a symlink)" : "");
        return TAKE_FD(fd);
}

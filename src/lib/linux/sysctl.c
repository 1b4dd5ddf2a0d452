/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "core/macro.h"
#include "core/missing.h"
#include "core/path-util.h"
#include "linux/rootfs-internal.h"

/* procfs's root directory inode number (PROC_ROOT_INO in the kernel). */
#define PROC_ROOT_INO 1

int rootfs_sysctl_key_to_path(const char *key, char **ret)
{
        size_t n = strlen(key);
        char *p;

        if (n == 0 || strchr("./", key[0]) || strchr("./", key[n - 1]))
                return -EINVAL;
        /* sysctl(8): '.' separates, '/' stands for a '.' inside a name ("eth0/1" = "eth0.1"). */
        p = xstrdup(key);
        for (char *s = p; *s; s++)
                *s = *s == '.' ? '/' : *s == '/' ? '.' : *s;
        for (const char *c = p; *c;) {
                const char *e = strchrnul(c, '/');
                size_t l = (size_t)(e - c);

                if (l == 0 || (l == 1 && c[0] == '.') || (l == 2 && c[0] == '.' && c[1] == '.')) {
                        free(p);
                        return -EINVAL;
                }
                c = *e ? e + 1 : e;
        }
        *ret = p;
        return 0;
}

static int check_procfs_root(int fd)
{
        struct statfs sf;
        struct stat st;

        if (fstatfs(fd, &sf) < 0 || fstat(fd, &st) < 0)
                return -errno;
        if (sf.f_type != PROC_SUPER_MAGIC || st.st_ino != PROC_ROOT_INO)
                return -EXDEV;
        return 0;
}

/*
 * A procfs nobody else can have tampered with: a private instance made with fsopen for our pid
 * namespace; when that is not allowed (a user namespace without its own pid namespace), the
 * container's /proc, accepted only as a real directory that is the root of a procfs.
 */
int rootfs_open_procfs(tong_err **err)
{
        _cleanup_close_ int fs = fsopen("proc", FSOPEN_CLOEXEC);
        _cleanup_close_ int root = -EBADF, fd = -EBADF;
        int r;

        if (fs >= 0 && fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0) {
                fd = fsmount(fs, FSMOUNT_CLOEXEC,
                             MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
                if (fd >= 0 && check_procfs_root(fd) == 0)
                        return TAKE_FD(fd);
                fd = safe_close(fd);
        }
        root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return tong_err_sys(err, errno, "open /");
        fd = tong_path_open_in_root(root, "/proc", O_PATH | O_DIRECTORY, TONG_PATH_NO_SYMLINKS);
        if (fd < 0)
                return tong_err_sys(err, -fd, "/proc");
        r = check_procfs_root(fd);
        if (r < 0)
                return tong_err_sys(err, -r, "/proc is not the root of a procfs");
        return TAKE_FD(fd);
}

static int write_sysctl(int proc, const tong_kv *kv, tong_err **err)
{
        _cleanup_free_ char *rel = NULL, *path = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct statfs sf;
        int r;

        r = rootfs_sysctl_key_to_path(kv->key, &rel);
        if (r < 0)
                return tong_err_set(err, EINVAL, "not a valid sysctl name");
        path = xasprintf("sys/%s", rel);
        /* Beneath procfs, no symlinks or mounts on the way: nothing can redirect the write. */
        fd = tong_path_open_in_root(proc, path, O_WRONLY | O_TRUNC,
                                    TONG_PATH_BENEATH | TONG_PATH_NO_XDEV | TONG_PATH_NO_SYMLINKS);
        if (fd < 0)
                return tong_err_sys(err, -fd, "open /proc/%s", path);
        if (fstatfs(fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
                return tong_err_set(err, EXDEV, "/proc/%s is not on procfs", path);
        r = write_all(fd, kv->value, strlen(kv->value));
        if (r < 0)
                return tong_err_sys(err, -r, "write \"%s\" to /proc/%s", kv->value, path);
        return 0;
}

int rootfs_apply_sysctl(const tong_spec *spec, tong_err **err)
{
        const tong_linux *l = &spec->linux;
        _cleanup_close_ int proc = -EBADF;
        int r;

        if (l->n_sysctl == 0)
                return 0;
        proc = rootfs_open_procfs(err);
        if (proc < 0)
                return tong_err_prefix(err, proc, "linux.sysctl");
        for (size_t i = 0; i < l->n_sysctl; i++) {
                r = write_sysctl(proc, &l->sysctl[i], err);
                if (r < 0)
                        return tong_err_prefix(err, r, "linux.sysctl (%s)", l->sysctl[i].key);
        }
        return 0;
}

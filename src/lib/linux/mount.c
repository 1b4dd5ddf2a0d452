/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/macro.h"
#include "core/missing.h"
#include "core/path-util.h"
#include "linux/mount-fd.h"

/* Room for "/proc/self/fd/<int>". */
#define FD_PATH_MAX 32
/* Cap on a filesystem's log message we quote in an error. */
#define FS_LOG_MAX 512

/* MS_* flags that mount(2) accepts for a new filesystem (everything but bind/move/propagation). */
#define MS_NEW_FS_FLAGS                                                                       \
        (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS | MS_MANDLOCK |        \
         MS_DIRSYNC | MS_NOSYMFOLLOW | MS_NOATIME | MS_NODIRATIME | MS_SILENT | MS_RELATIME | \
         MS_I_VERSION | MS_STRICTATIME | MS_LAZYTIME)

static bool legacy;

void tong_mnt_set_legacy(bool l)
{
        legacy = l;
}

bool tong_mnt_legacy(void)
{
        return legacy;
}

static void fd_path(char buf[static FD_PATH_MAX], int fd)
{
        snprintf(buf, FD_PATH_MAX, "/proc/self/fd/%d", fd);
}

void tong_mnt_flags_to_attr(unsigned long flags, unsigned long clear_flags, uint64_t *ret_set,
                            uint64_t *ret_clr)
{
        static const struct {
                unsigned long ms;
                uint64_t attr;
        } map[] = {
                { MS_RDONLY, MOUNT_ATTR_RDONLY },
                { MS_NOSUID, MOUNT_ATTR_NOSUID },
                { MS_NODEV, MOUNT_ATTR_NODEV },
                { MS_NOEXEC, MOUNT_ATTR_NOEXEC },
                { MS_NODIRATIME, MOUNT_ATTR_NODIRATIME },
                { MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW },
        };
        uint64_t set = 0, clr = 0;

        for (size_t i = 0; i < ELEMENTSOF(map); i++) {
                if (flags & map[i].ms)
                        set |= map[i].attr;
                else if (clear_flags & map[i].ms)
                        clr |= map[i].attr;
        }
        /* The atime mode is one field: the last word of mount(8) is what the kernel keeps. */
        if (flags & MS_NOATIME)
                set |= MOUNT_ATTR_NOATIME;
        else if (flags & MS_STRICTATIME)
                set |= MOUNT_ATTR_STRICTATIME;
        if ((flags & (MS_NOATIME | MS_STRICTATIME | MS_RELATIME)) ||
            (clear_flags & (MS_NOATIME | MS_STRICTATIME)))
                clr |= MOUNT_ATTR__ATIME; /* relatime, unless set above */
        *ret_set = set;
        *ret_clr = clr;
}

/* The last message the filesystem logged on its context ("tmpfs: Bad value for 'size'"). */
static char *fs_log(int fs_fd)
{
        char buf[FS_LOG_MAX];
        char *last = NULL;
        ssize_t k;

        while ((k = read(fs_fd, buf, sizeof(buf) - 1)) > 0) {
                size_t skip = (k > 2 && buf[1] == ' ') ? 2 : 0;

                buf[k] = '\0';
                if (buf[k - 1] == '\n')
                        buf[k - 1] = '\0';
                free(last);
                last = xstrdup(buf + skip);
        }
        return last;
}

static int fs_param(int fs, const char *fstype, const char *key, const char *value, tong_err **err)
{
        _cleanup_free_ char *log = NULL;
        int r, e;

        if (value)
                r = fsconfig(fs, FSCONFIG_SET_STRING, key, value, 0);
        else
                r = fsconfig(fs, FSCONFIG_SET_FLAG, key, NULL, 0);
        if (r >= 0)
                return 0;
        e = errno;
        log = fs_log(fs);
        return tong_err_sys(err, e, "%s option \"%s%s%s\"%s%s", fstype, key, value ? "=" : "",
                            value ? value : "", log ? ": " : "", log ? log : "");
}

/* Hand every comma-separated option of data to the filesystem ("a,b=c"; quotes protect ','). */
static int fs_data(int fs, const char *fstype, const char *data, tong_err **err)
{
        _cleanup_free_ char *copy = xstrdup(data);
        char *p = copy;

        while (*p) {
                char *e = p, *eq;
                bool quoted = false;
                int r;

                for (; *e && (quoted || *e != ','); e++)
                        if (*e == '"')
                                quoted = !quoted;
                if (*e)
                        *e++ = '\0';
                if (*p) {
                        eq = strchr(p, '=');
                        if (eq)
                                *eq++ = '\0';
                        r = fs_param(fs, fstype, p, eq, err);
                        if (r < 0)
                                return r;
                }
                p = e;
        }
        return 0;
}

/* Superblock flags that mount(2) would have set from MS_* on a new filesystem. */
static int fs_sb_flags(int fs, const char *fstype, unsigned long flags, tong_err **err)
{
        static const struct {
                unsigned long ms;
                const char *key;
        } map[] = {
                { MS_RDONLY, "ro" },         { MS_SYNCHRONOUS, "sync" }, { MS_DIRSYNC, "dirsync" },
                { MS_LAZYTIME, "lazytime" }, { MS_MANDLOCK, "mand" },
        };

        for (size_t i = 0; i < ELEMENTSOF(map); i++) {
                if (!(flags & map[i].ms))
                        continue;
                int r = fs_param(fs, fstype, map[i].key, NULL, err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* A new detached filesystem mount; -ENOSYS without the new mount API. */
static int fs_new(const tong_mnt_req *req, tong_err **err)
{
        _cleanup_close_ int fs = -EBADF;
        _cleanup_free_ char *log = NULL;
        uint64_t set, clr;
        int r, mnt;

        fs = fsopen(req->fstype, FSOPEN_CLOEXEC);
        if (fs < 0) {
                if (errno == ENOSYS)
                        return -ENOSYS;
                return tong_err_sys(err, errno, "filesystem type \"%s\"", req->fstype);
        }
        if (req->source) {
                r = fs_param(fs, req->fstype, "source", req->source, err);
                if (r < 0)
                        return r;
        }
        r = fs_sb_flags(fs, req->fstype, req->flags, err);
        if (r >= 0 && req->data)
                r = fs_data(fs, req->fstype, req->data, err);
        if (r < 0)
                return r;
        if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0) {
                int e = errno;

                log = fs_log(fs);
                return tong_err_sys(err, e, "create %s filesystem%s%s", req->fstype,
                                    log ? ": " : "", log ? log : "");
        }
        tong_mnt_flags_to_attr(req->flags, 0, &set, &clr);
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, (unsigned)set);
        if (mnt < 0)
                return tong_err_sys(err, errno, "fsmount %s", req->fstype);
        return mnt;
}

static int setattr_raw(int mnt_fd, bool recursive, struct mount_attr *a)
{
        unsigned fl = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);

        return mount_setattr(mnt_fd, "", fl, a, sizeof(*a)) < 0 ? -errno : 0;
}

/* Flags the mount has now, as MOUNT_ATTR_* (what a less privileged namespace may not clear). */
static uint64_t current_attrs(int mnt_fd)
{
        struct statvfs sv;
        uint64_t a = 0;

        if (fstatvfs(mnt_fd, &sv) < 0)
                return 0;
        if (sv.f_flag & ST_RDONLY)
                a |= MOUNT_ATTR_RDONLY;
        if (sv.f_flag & ST_NOSUID)
                a |= MOUNT_ATTR_NOSUID;
        if (sv.f_flag & ST_NODEV)
                a |= MOUNT_ATTR_NODEV;
        if (sv.f_flag & ST_NOEXEC)
                a |= MOUNT_ATTR_NOEXEC;
        if (sv.f_flag & (ST_NOATIME | ST_RELATIME))
                a |= MOUNT_ATTR__ATIME;
        return a;
}

static int legacy_setattr(int mnt_fd, uint64_t set, uint64_t clr, tong_err **err);

/* mount_setattr keeping what a more privileged namespace locked; -errno, -ENOSYS included. */
static int setattr_keep_locked(int mnt_fd, bool recursive, uint64_t set, uint64_t clr)
{
        struct mount_attr a = { .attr_set = set, .attr_clr = clr };
        int r;

        if ((set | clr) & MOUNT_ATTR__ATIME)
                a.attr_clr |= MOUNT_ATTR__ATIME;
        r = setattr_raw(mnt_fd, recursive, &a);
        if (r == -EPERM && a.attr_clr) {
                /* Clearing a locked flag is EPERM: keep those, clear the rest. */
                uint64_t locked = current_attrs(mnt_fd);

                a.attr_clr &= ~locked;
                if (locked & MOUNT_ATTR__ATIME)
                        a.attr_set &= ~(uint64_t)MOUNT_ATTR__ATIME;
                r = setattr_raw(mnt_fd, recursive, &a);
        }
        return r;
}

int tong_mnt_setattr(int mnt_fd, bool recursive, uint64_t set, uint64_t clr, tong_err **err)
{
        int r;

        if (set == 0 && clr == 0)
                return 0;
        if (!legacy) {
                r = setattr_keep_locked(mnt_fd, recursive, set, clr);
                if (r != -ENOSYS)
                        return r < 0 ? tong_err_sys(err, -r, "set mount attributes%s",
                                                    recursive ? " recursively" : "")
                                     : 0;
                legacy = true;
        }
        if ((set | clr) & MOUNT_ATTR__ATIME)
                clr |= MOUNT_ATTR__ATIME;
        return legacy_setattr(mnt_fd, set, clr, err);
}

static int set_propagation(int mnt_fd, const tong_mnt_req *req, tong_err **err)
{
        for (size_t i = 0; i < req->n_propagation; i++) {
                unsigned long p = req->propagation[i];
                int r;

                if (legacy) {
                        char path[FD_PATH_MAX];

                        fd_path(path, mnt_fd);
                        r = mount(NULL, path, NULL, p, NULL) < 0 ? -errno : 0;
                } else {
                        struct mount_attr a = { .propagation = p & ~(unsigned long)MS_REC };

                        r = setattr_raw(mnt_fd, p & MS_REC, &a);
                }
                if (r < 0)
                        return tong_err_sys(err, -r, "set propagation %#lx", p);
        }
        return 0;
}

/* Detached mount with everything but propagation applied; -ENOSYS: use mount(2). */
static int make_detached(const tong_mnt_req *req, tong_err **err)
{
        _cleanup_close_ int mnt = -EBADF;
        uint64_t set, clr;
        int r;

        if (req->fstype) {
                mnt = fs_new(req, err);
        } else {
                unsigned fl = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
                              (req->recursive ? AT_RECURSIVE : 0);

                mnt = open_tree(req->src_fd, "", fl);
                if (mnt < 0)
                        mnt = errno == ENOSYS ? -ENOSYS
                                              : tong_err_sys(err, errno, "clone the source mount");
        }
        if (mnt < 0)
                return mnt;
        set = clr = 0;
        if (!req->fstype)
                tong_mnt_flags_to_attr(req->flags, req->clear_flags, &set, &clr);
        r = set || clr ? setattr_keep_locked(mnt, false, set, clr) : 0;
        if (r >= 0 && (req->rec_set || req->rec_clr))
                r = setattr_keep_locked(mnt, true, req->rec_set, req->rec_clr);
        if (r == -ENOSYS) /* fsopen without mount_setattr (5.2 - 5.11): all by mount(2) */
                return -ENOSYS;
        if (r < 0)
                return tong_err_sys(err, -r, "set mount attributes");
        if (req->userns_fd >= 0) {
                struct mount_attr a = { .attr_set = MOUNT_ATTR_IDMAP,
                                        .userns_fd = (uint64_t)req->userns_fd };

                r = setattr_raw(mnt, req->idmap_recursive, &a);
                if (r < 0)
                        return tong_err_sys(err, -r, "idmap the mount");
        }
        return TAKE_FD(mnt);
}

static int legacy_make(const tong_mnt_req *req, int root_fd, const char *path, int target_fd,
                       tong_err **err);

int tong_mnt_make(const tong_mnt_req *req, int root_fd, const char *path, int target_fd,
                  tong_err **err)
{
        _cleanup_close_ int mnt = -EBADF;
        int r;

        if (legacy)
                return legacy_make(req, root_fd, path, target_fd, err);
        mnt = make_detached(req, err);
        if (mnt == -ENOSYS) {
                legacy = true;
                return legacy_make(req, root_fd, path, target_fd, err);
        }
        if (mnt < 0)
                return mnt;
        if (move_mount(mnt, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
            0)
                return tong_err_sys(err, errno, "attach the mount");
        r = set_propagation(mnt, req, err);
        if (r < 0)
                return r;
        return TAKE_FD(mnt);
}

/* ------------------------------------------------------------------ mount(2) fallback */

static unsigned long attrs_to_ms(uint64_t a)
{
        unsigned long ms = 0;

        if (a & MOUNT_ATTR_RDONLY)
                ms |= MS_RDONLY;
        if (a & MOUNT_ATTR_NOSUID)
                ms |= MS_NOSUID;
        if (a & MOUNT_ATTR_NODEV)
                ms |= MS_NODEV;
        if (a & MOUNT_ATTR_NOEXEC)
                ms |= MS_NOEXEC;
        if (a & MOUNT_ATTR_NODIRATIME)
                ms |= MS_NODIRATIME;
        if (a & MOUNT_ATTR_NOSYMFOLLOW)
                ms |= MS_NOSYMFOLLOW;
        if ((a & MOUNT_ATTR__ATIME) == MOUNT_ATTR_NOATIME)
                ms |= MS_NOATIME;
        else if ((a & MOUNT_ATTR__ATIME) == MOUNT_ATTR_STRICTATIME)
                ms |= MS_STRICTATIME;
        return ms;
}

/* MS_REMOUNT|MS_BIND replaces all per-mount flags: start from the current ones. */
static int legacy_setattr(int mnt_fd, uint64_t set, uint64_t clr, tong_err **err)
{
        struct statvfs sv;
        uint64_t cur = 0;
        char path[FD_PATH_MAX];

        if (fstatvfs(mnt_fd, &sv) < 0)
                return tong_err_sys(err, errno, "statvfs the mount");
        cur |= (sv.f_flag & ST_RDONLY) ? MOUNT_ATTR_RDONLY : 0;
        cur |= (sv.f_flag & ST_NOSUID) ? MOUNT_ATTR_NOSUID : 0;
        cur |= (sv.f_flag & ST_NODEV) ? MOUNT_ATTR_NODEV : 0;
        cur |= (sv.f_flag & ST_NOEXEC) ? MOUNT_ATTR_NOEXEC : 0;
        cur |= (sv.f_flag & ST_NODIRATIME) ? MOUNT_ATTR_NODIRATIME : 0;
        cur |= (sv.f_flag & ST_NOATIME) ? MOUNT_ATTR_NOATIME : 0;
        cur = (cur & ~clr) | set;
        fd_path(path, mnt_fd);
        if (mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | attrs_to_ms(cur), NULL) < 0)
                return tong_err_sys(err, errno, "remount");
        return 0;
}

static int legacy_make(const tong_mnt_req *req, int root_fd, const char *path, int target_fd,
                       tong_err **err)
{
        _cleanup_close_ int mnt = -EBADF;
        char dst[FD_PATH_MAX], src[FD_PATH_MAX];
        uint64_t set, clr;
        int r;

        if (req->userns_fd >= 0 || req->rec_set || req->rec_clr)
                return tong_err_set(err, EOPNOTSUPP,
                                    "idmapped mounts and recursive mount attributes need "
                                    "mount_setattr (Linux 5.12)");
        fd_path(dst, target_fd);
        if (req->fstype) {
                r = mount(req->source ? req->source : req->fstype, dst, req->fstype,
                          req->flags & MS_NEW_FS_FLAGS, req->data);
        } else {
                fd_path(src, req->src_fd);
                r = mount(src, dst, NULL, MS_BIND | (req->recursive ? MS_REC : 0), NULL);
        }
        if (r < 0)
                return tong_err_sys(err, errno, "mount");
        /* /proc/self/fd/N still names the covered inode; find the new mount by its path. */
        mnt = tong_path_open_in_root(root_fd, path, O_PATH, 0);
        if (mnt < 0)
                return tong_err_sys(err, -mnt, "reopen the new mount");
        if (!req->fstype) {
                tong_mnt_flags_to_attr(req->flags, req->clear_flags, &set, &clr);
                r = set || clr ? legacy_setattr(mnt, set, clr, err) : 0;
                if (r < 0)
                        return r;
        }
        r = set_propagation(mnt, req, err);
        if (r < 0)
                return r;
        return TAKE_FD(mnt);
}

/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/nsfs.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "core/missing.h"
#include "linux/namespaces.h"
#include "spec/names.h"

int tong_ns_open_path(const tong_namespace *ns, size_t idx, int *ret_fd, tong_err **err)
{
        _cleanup_close_ int fd = open(ns->path, O_RDONLY | O_CLOEXEC);
        int type;

        if (fd < 0)
                return tong_err_sys(err, errno, "linux.namespaces[%zu].path: open `%s`", idx,
                                    ns->path);
        type = ioctl(fd, NS_GET_NSTYPE);
        if (type < 0 || type != tong_ns_clone_flag(ns->type))
                return tong_err_set(err, EINVAL,
                                    "linux.namespaces[%zu].path: `%s` is not a %s namespace", idx,
                                    ns->path, tong_ns_to_oci(ns->type));
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int tong_ns_join(int fd, tong_ns_type type, tong_err **err)
{
        if (setns(fd, tong_ns_clone_flag(type)) < 0)
                return tong_err_sys(err, errno, "join the %s namespace", tong_ns_to_oci(type));
        return 0;
}

static char *format_map(const tong_idmap *m, size_t n)
{
        size_t cap = n * 36 + 1, len = 0;
        char *buf = xmalloc(cap);

        buf[0] = '\0';
        for (size_t i = 0; i < n; i++)
                len += (size_t)snprintf(buf + len, cap - len,
                                        "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n", m[i].container_id,
                                        m[i].host_id, m[i].size);
        return buf;
}

static int write_map(pid_t pid, const char *file, const tong_idmap *m, size_t n, tong_err **err)
{
        _cleanup_free_ char *map = format_map(m, n);
        char path[64];
        int r;

        snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
        r = write_file_at(AT_FDCWD, path, map);
        if (r < 0)
                return tong_err_sys(err, -r, "write %s", file);
        return 0;
}

int tong_userns_write_maps(pid_t pid, const tong_idmap *uids, size_t n_uids, const tong_idmap *gids,
                           size_t n_gids, bool deny_setgroups, tong_err **err)
{
        int r;

        if (deny_setgroups) {
                char path[64];

                snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
                r = write_file_at(AT_FDCWD, path, "deny");
                if (r < 0 && r != -ENOENT)
                        return tong_err_sys(err, -r, "write setgroups");
        }
        r = write_map(pid, "uid_map", uids, n_uids, err);
        if (r < 0)
                return tong_err_prefix(err, r, "linux.uidMappings");
        r = write_map(pid, "gid_map", gids, n_gids, err);
        if (r < 0)
                return tong_err_prefix(err, r, "linux.gidMappings");
        return 0;
}

int tong_timens_write_offsets(pid_t pid, const tong_linux *l, tong_err **err)
{
        char buf[160], path[64];
        size_t len = 0;
        int r;

        if (l->time_monotonic.has)
                len += (size_t)snprintf(buf + len, sizeof(buf) - len,
                                        "monotonic %" PRId64 " %" PRIu32 "\n",
                                        l->time_monotonic.secs, l->time_monotonic.nanosecs);
        if (l->time_boottime.has)
                len += (size_t)snprintf(buf + len, sizeof(buf) - len,
                                        "boottime %" PRId64 " %" PRIu32 "\n", l->time_boottime.secs,
                                        l->time_boottime.nanosecs);
        if (len == 0)
                return 0;
        if (pid > 0)
                snprintf(path, sizeof(path), "/proc/%d/timens_offsets", (int)pid);
        else
                snprintf(path, sizeof(path), "/proc/self/timens_offsets");
        r = write_file_at(AT_FDCWD, path, buf);
        if (r < 0)
                return tong_err_sys(err, -r, "linux.timeOffsets: write timens_offsets");
        return 0;
}

int tong_timens_enter(tong_err **err)
{
        _cleanup_close_ int fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return tong_err_sys(err, errno, "open the new time namespace");
        if (setns(fd, CLONE_NEWTIME) < 0)
                return tong_err_sys(err, errno, "enter the new time namespace");
        return 0;
}

int tong_timens_create(const tong_linux *l, tong_err **err)
{
        int r;

        if (unshare(CLONE_NEWTIME) < 0)
                return tong_err_sys(err, errno, "create the time namespace");
        r = tong_timens_write_offsets(0, l, err);
        if (r < 0)
                return r;
        return tong_timens_enter(err);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The default config.json of `tong spec` (modelled on `runc spec`). */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "core/alloc.h"
#include "core/json.h"
#include "core/macro.h"
#include "tong/spec.h"

static tong_json *strv_json(const char *const *l)
{
        tong_json *arr = tong_json_new_array();

        for (; *l; l++)
                tong_json_append(arr, tong_json_new_string(*l));
        return arr;
}

static tong_json *default_process(void)
{
        static const char *const args[] = { "sh", NULL };
        static const char *const env[] = {
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "TERM=xterm",
                NULL,
        };
        static const char *const caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE",
                                            NULL };
        /* runc's template also lists "ambient", which the kernel refuses without
         * "inheritable": every run would warn.  Root needs no ambient set anyway. */
        static const char *const sets[] = { "bounding", "effective", "permitted" };
        tong_json *p = tong_json_new_object(), *user = tong_json_new_object();
        tong_json *c = tong_json_new_object(), *rl = tong_json_new_object();
        tong_json *rls = tong_json_new_array();

        tong_json_set(p, "terminal", tong_json_new_bool(true));
        tong_json_set(user, "uid", tong_json_new_u64(0));
        tong_json_set(user, "gid", tong_json_new_u64(0));
        tong_json_set(p, "user", user);
        tong_json_set(p, "args", strv_json(args));
        tong_json_set(p, "env", strv_json(env));
        tong_json_set(p, "cwd", tong_json_new_string("/"));
        for (size_t i = 0; i < ELEMENTSOF(sets); i++)
                tong_json_set(c, sets[i], strv_json(caps));
        tong_json_set(p, "capabilities", c);
        tong_json_set(rl, "type", tong_json_new_string("RLIMIT_NOFILE"));
        tong_json_set(rl, "hard", tong_json_new_u64(1024));
        tong_json_set(rl, "soft", tong_json_new_u64(1024));
        tong_json_append(rls, rl);
        tong_json_set(p, "rlimits", rls);
        tong_json_set(p, "noNewPrivileges", tong_json_new_bool(true));
        return p;
}

static tong_json *mount_json(const char *dest, const char *type, const char *source,
                             const char *const *options)
{
        tong_json *m = tong_json_new_object();

        tong_json_set(m, "destination", tong_json_new_string(dest));
        tong_json_set(m, "type", tong_json_new_string(type));
        tong_json_set(m, "source", tong_json_new_string(source));
        if (options)
                tong_json_set(m, "options", strv_json(options));
        return m;
}

static tong_json *default_mounts(bool rootless)
{
        static const char *const dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k",
                                           NULL };
        /* gid=5 (tty) does not exist in a user namespace that maps a single id. */
        static const char *const pts[] = { "nosuid",    "noexec", "newinstance", "ptmxmode=0666",
                                           "mode=0620", "gid=5",  NULL };
        static const char *const shm[] = { "nosuid",    "noexec",      "nodev",
                                           "mode=1777", "size=65536k", NULL };
        static const char *const mq[] = { "nosuid", "noexec", "nodev", NULL };
        static const char *const sys[] = { "nosuid", "noexec", "nodev", "ro", NULL };
        /* Without its own network namespace, sysfs cannot be mounted: bind the host's. */
        static const char *const rsys[] = { "rbind", "nosuid", "noexec", "nodev", "ro", NULL };
        static const char *const cg[] = { "nosuid", "noexec", "nodev", "relatime", "ro", NULL };
        const char *pts_rootless[ELEMENTSOF(pts)];
        tong_json *m = tong_json_new_array();

        memcpy(pts_rootless, pts, sizeof(pts));
        pts_rootless[ELEMENTSOF(pts) - 2] = NULL;
        tong_json_append(m, mount_json("/proc", "proc", "proc", NULL));
        tong_json_append(m, mount_json("/dev", "tmpfs", "tmpfs", dev));
        tong_json_append(m,
                         mount_json("/dev/pts", "devpts", "devpts", rootless ? pts_rootless : pts));
        tong_json_append(m, mount_json("/dev/shm", "tmpfs", "shm", shm));
        tong_json_append(m, mount_json("/dev/mqueue", "mqueue", "mqueue", mq));
        if (rootless)
                tong_json_append(m, mount_json("/sys", "none", "/sys", rsys));
        else
                tong_json_append(m, mount_json("/sys", "sysfs", "sysfs", sys));
        tong_json_append(m, mount_json("/sys/fs/cgroup", "cgroup", "cgroup", cg));
        return m;
}

static tong_json *idmap_json(unsigned long host)
{
        tong_json *arr = tong_json_new_array(), *m = tong_json_new_object();

        tong_json_set(m, "containerID", tong_json_new_u64(0));
        tong_json_set(m, "hostID", tong_json_new_u64(host));
        tong_json_set(m, "size", tong_json_new_u64(1));
        tong_json_append(arr, m);
        return arr;
}

static tong_json *default_linux(bool rootless, uid_t uid, gid_t gid)
{
        static const char *const masked[] = {
                "/proc/acpi",
                "/proc/asound",
                "/proc/interrupts",
                "/proc/kcore",
                "/proc/keys",
                "/proc/latency_stats",
                "/proc/timer_list",
                "/proc/timer_stats",
                "/proc/sched_debug",
                "/proc/scsi",
                "/sys/firmware",
                "/sys/devices/virtual/powercap",
                NULL,
        };
        static const char *const ro[] = { "/proc/bus",           "/proc/fs",
                                          "/proc/irq",           "/proc/sys",
                                          "/proc/sysrq-trigger", NULL };
        /* All of runc's namespaces; "time" stays opt-in (it needs Linux 5.6 and changes how
         * later processes join), "user" comes with --rootless. */
        static const char *const ns[] = { "pid", "network", "ipc", "uts", "mount", "cgroup" };
        tong_json *l = tong_json_new_object(), *nss = tong_json_new_array();

        if (rootless) {
                tong_json_set(l, "uidMappings", idmap_json(uid));
                tong_json_set(l, "gidMappings", idmap_json(gid));
        } else {
                tong_json *res = tong_json_new_object(), *devs = tong_json_new_array();
                tong_json *deny = tong_json_new_object();

                tong_json_set(deny, "allow", tong_json_new_bool(false));
                tong_json_set(deny, "access", tong_json_new_string("rwm"));
                tong_json_append(devs, deny);
                tong_json_set(res, "devices", devs);
                tong_json_set(l, "resources", res);
        }
        for (size_t i = 0; i < ELEMENTSOF(ns); i++) {
                tong_json *n;

                if (rootless && streq(ns[i], "network"))
                        continue;
                n = tong_json_new_object();
                tong_json_set(n, "type", tong_json_new_string(ns[i]));
                tong_json_append(nss, n);
        }
        if (rootless) {
                tong_json *n = tong_json_new_object();

                tong_json_set(n, "type", tong_json_new_string("user"));
                tong_json_append(nss, n);
        }
        tong_json_set(l, "namespaces", nss);
        tong_json_set(l, "maskedPaths", strv_json(masked));
        tong_json_set(l, "readonlyPaths", strv_json(ro));
        return l;
}

char *tong_spec_default_json(bool rootless, uid_t uid, gid_t gid)
{
        tong_json *spec = tong_json_new_object(), *root = tong_json_new_object();
        char *s, *out;

        tong_json_set(spec, "ociVersion", tong_json_new_string(TONG_OCI_VERSION));
        tong_json_set(spec, "process", default_process());
        tong_json_set(root, "path", tong_json_new_string("rootfs"));
        tong_json_set(root, "readonly", tong_json_new_bool(true));
        tong_json_set(spec, "root", root);
        tong_json_set(spec, "hostname", tong_json_new_string("tong"));
        tong_json_set(spec, "mounts", default_mounts(rootless));
        tong_json_set(spec, "linux", default_linux(rootless, uid, gid));
        s = tong_json_to_string(spec, TONG_JSON_PRETTY);
        tong_json_unref(spec);
        out = xasprintf("%s\n", s);
        free(s);
        return out;
}

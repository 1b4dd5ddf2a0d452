/* SPDX-License-Identifier: Apache-2.0 */
/* Cross-field rules for linux.* (see validate.c). */
#include <errno.h>
#include <sys/stat.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <linux/mempolicy.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/macro.h"
#include "core/strv.h"
#include "spec/names.h"
#include "spec/parse-internal.h"
#include "spec/validate-internal.h"

/* ---------------------------------------------------------------- namespaces, id maps */

static uint32_t type_bits(char type)
{
        switch (type) {
        case 'b':
                return S_IFBLK;
        case 'p':
                return S_IFIFO;
        default:
                return S_IFCHR; /* 'c', 'u' */
        }
}

static int v_namespaces(const tong_linux *l, tong_err **err)
{
        unsigned seen = 0;

        for (size_t i = 0; i < l->n_namespaces; i++) {
                const tong_namespace *ns = &l->namespaces[i];
                const char *name = tong_ns_to_oci(ns->type);

                if (!name)
                        return v_err(err, "linux.namespaces[%zu].type: unknown namespace type %d",
                                     i, (int)ns->type);
                if (seen & (1u << ns->type))
                        return v_err(err,
                                     "linux.namespaces[%zu].type: duplicate namespace type \"%s\"",
                                     i, name);
                seen |= 1u << ns->type;
                if (ns->path && !v_absolute(ns->path)) {
                        _cleanup_free_ char *q = sp_quote(ns->path);

                        return v_err(err, "linux.namespaces[%zu].path: %s is not an absolute path",
                                     i, q);
                }
        }
        return 0;
}

static int v_user_mappings(const tong_spec *s, tong_err **err)
{
        const tong_linux *l = &s->linux;
        bool uid = l->n_uid_mappings > 0, gid = l->n_gid_mappings > 0;
        ssize_t user = tong_spec_find_namespace(s, TONG_NS_USER);
        int r;

        if (uid != gid)
                return v_err(err, "linux.%s: required when linux.%s is given",
                             uid ? "gidMappings" : "uidMappings",
                             uid ? "uidMappings" : "gidMappings");
        if (uid && user < 0)
                return v_err(err, "linux.uidMappings: given without a user namespace");
        if (!uid && user >= 0 && !l->namespaces[user].path)
                return v_err(err,
                             "linux.namespaces[%zd]: a new user namespace needs "
                             "linux.uidMappings and linux.gidMappings",
                             user);
        r = v_idmaps(l->uid_mappings, l->n_uid_mappings, "linux.uidMappings", err);
        if (r >= 0)
                r = v_idmaps(l->gid_mappings, l->n_gid_mappings, "linux.gidMappings", err);
        return r;
}

/* ---------------------------------------------------------------- sysctl */

static const char *const ipc_kernel_sysctls[] = {
        "msgmax", "msgmnb", "msgmni", "sem", "shmall", "shmmax", "shmmni", "shm_rmid_forced",
};

/*
 * "net.ipv4.ip_forward" or "net/ipv4/conf/eth0.1/forwarding" (sysctl(8): the first
 * separator decides).  No empty parts, no "." or ".." parts.  Returns the separator, or 0.
 */
static char sysctl_separator(const char *key)
{
        char sep = key[strcspn(key, "./")];
        const char *p = key;

        if (sep == '\0')
                sep = '.';
        for (;;) {
                size_t n = strcspn(p, sep == '.' ? "." : "/");

                if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
                        return 0;
                for (size_t i = 0; i < n; i++)
                        if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f ||
                            (sep == '.' && p[i] == '/'))
                                return 0;
                if (p[n] == '\0')
                        return sep;
                p += n + 1;
        }
}

/* The namespace a sysctl belongs to (runc's rules), or _TONG_NS_INVALID if none. */
static tong_ns_type sysctl_namespace(const char *key, char sep)
{
        size_t n = strcspn(key, sep == '.' ? "." : "/");
        const char *second = key[n] ? key + n + 1 : "";
        size_t n2 = strcspn(second, sep == '.' ? "." : "/");

        if (n == 3 && strncmp(key, "net", 3) == 0)
                return TONG_NS_NET;
        if (n == 2 && strncmp(key, "fs", 2) == 0)
                return n2 == 6 && strncmp(second, "mqueue", 6) == 0 && second[n2]
                               ? TONG_NS_IPC
                               : _TONG_NS_INVALID;
        if (n != 6 || strncmp(key, "kernel", 6) != 0 || second[n2] != '\0')
                return _TONG_NS_INVALID;
        for (size_t i = 0; i < ELEMENTSOF(ipc_kernel_sysctls); i++)
                if (streq(second, ipc_kernel_sysctls[i]))
                        return TONG_NS_IPC;
        if (streq(second, "hostname") || streq(second, "domainname"))
                return TONG_NS_UTS;
        return _TONG_NS_INVALID;
}

static int v_sysctl(const tong_spec *s, tong_err **err)
{
        for (size_t i = 0; i < s->linux.n_sysctl; i++) {
                _cleanup_free_ char *q = sp_quote(s->linux.sysctl[i].key);
                char sep = sysctl_separator(s->linux.sysctl[i].key);
                tong_ns_type ns;

                if (!sep)
                        return v_err(err, "linux.sysctl[%s]: malformed sysctl name", q);
                ns = sysctl_namespace(s->linux.sysctl[i].key, sep);
                if (ns == _TONG_NS_INVALID)
                        return v_err(err,
                                     "linux.sysctl[%s]: not allowed in a container (not "
                                     "namespaced)",
                                     q);
                if (!tong_spec_has_namespace(s, ns))
                        return v_err(err, "linux.sysctl[%s]: needs a %s namespace", q,
                                     tong_ns_to_oci(ns));
        }
        return 0;
}

/* ---------------------------------------------------------------- devices */

static int v_devices(const tong_linux *l, tong_err **err)
{
        for (size_t i = 0; i < l->n_devices; i++) {
                const tong_device *d = &l->devices[i];

                if (!d->type || !strchr("cbup", d->type))
                        return v_err(err, "linux.devices[%zu].type: unknown device type '%c'", i,
                                     d->type ? d->type : '?');
                if (!v_absolute(d->path)) {
                        _cleanup_free_ char *q = sp_quote(d->path ? d->path : "");

                        return v_err(err, "linux.devices[%zu].path: %s is not an absolute path", i,
                                     q);
                }
                if (d->type != 'p' && !d->has_major_minor)
                        return v_err(err,
                                     "linux.devices[%zu]: major and minor are required for "
                                     "type '%c'",
                                     i, d->type);
                /* podman passes the host node's whole st_mode: file-type bits are accepted
                 * when they match the device's type (runc does the same), and ignored. */
                if (d->has_file_mode && (d->file_mode & ~07777u) &&
                    ((d->file_mode & ~(07777u | S_IFMT)) ||
                     (d->file_mode & S_IFMT) != type_bits(d->type)))
                        return v_err(err,
                                     "linux.devices[%zu].fileMode: %#" PRIo32
                                     " has bits other than the permission bits and the file type",
                                     i, d->file_mode);
        }
        return 0;
}

static int v_net_devices(const tong_spec *s, tong_err **err)
{
        const tong_linux *l = &s->linux;

        if (l->n_net_devices > 0 && !tong_spec_has_namespace(s, TONG_NS_NET))
                return v_err(err, "linux.netDevices: needs a network namespace");
        for (size_t i = 0; i < l->n_net_devices; i++) {
                const tong_net_device *d = &l->net_devices[i];
                _cleanup_free_ char *q = sp_quote(d->host_name);

                if (!v_ifname(d->host_name, false))
                        return v_err(err, "linux.netDevices[%s]: invalid interface name", q);
                if (d->name && !v_ifname(d->name, true)) {
                        _cleanup_free_ char *q2 = sp_quote(d->name);

                        return v_err(err, "linux.netDevices[%s].name: invalid interface name %s", q,
                                     q2);
                }
        }
        return 0;
}

/* ---------------------------------------------------------------- seccomp */

static bool action_returns_errno(tong_seccomp_action a)
{
        return a == TONG_SCMP_ACT_ERRNO || a == TONG_SCMP_ACT_TRACE;
}

static int v_seccomp_syscall(const tong_seccomp *sc, size_t i, tong_err **err)
{
        const tong_seccomp_syscall *sys = &sc->syscalls[i];
        size_t j = 0;

        if (strv_length(sys->names) == 0)
                return v_err(err, "linux.seccomp.syscalls[%zu].names: needs at least one entry", i);
        STRV_FOREACH (name, sys->names) {
                if (!**name)
                        return v_err(err, "linux.seccomp.syscalls[%zu].names[%zu]: empty name", i,
                                     j);
                j++;
        }
        if (sys->has_errno_ret && !action_returns_errno(sys->action))
                return v_err(err,
                             "linux.seccomp.syscalls[%zu].errnoRet: only valid with "
                             "SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s",
                             i, tong_seccomp_action_name(sys->action));
        if (sys->action == TONG_SCMP_ACT_NOTIFY && !sc->listener_path)
                return v_err(err,
                             "linux.seccomp.syscalls[%zu].action: SCMP_ACT_NOTIFY needs "
                             "linux.seccomp.listenerPath",
                             i);
        for (size_t k = 0; k < sys->n_args; k++)
                if (sys->args[k].index >= 6)
                        return v_err(err,
                                     "linux.seccomp.syscalls[%zu].args[%zu].index: %" PRIu32
                                     " is out of range 0..5",
                                     i, k, sys->args[k].index);
        return 0;
}

static int v_seccomp(const tong_linux *l, tong_err **err)
{
        const tong_seccomp *sc = &l->seccomp;

        if (!l->has_seccomp)
                return 0;
        if ((unsigned)sc->default_action >= _TONG_SCMP_ACT_MAX)
                return v_err(err, "linux.seccomp.defaultAction: unknown action %d",
                             (int)sc->default_action);
        if (sc->has_default_errno_ret && !action_returns_errno(sc->default_action))
                return v_err(err,
                             "linux.seccomp.defaultErrnoRet: only valid with SCMP_ACT_ERRNO or "
                             "SCMP_ACT_TRACE, not %s",
                             tong_seccomp_action_name(sc->default_action));
        if (sc->default_action == TONG_SCMP_ACT_NOTIFY && !sc->listener_path)
                return v_err(err, "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY needs "
                                  "linux.seccomp.listenerPath");
        if (sc->listener_metadata && !sc->listener_path)
                return v_err(err,
                             "linux.seccomp.listenerMetadata: needs linux.seccomp.listenerPath");
        for (size_t i = 0; i < sc->n_syscalls; i++) {
                int r = v_seccomp_syscall(sc, i, err);

                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---------------------------------------------------------------- misc */

static int v_memory_policy(const tong_linux *l, tong_err **err)
{
        const tong_memory_policy *mp = &l->memory_policy;
        const char *mode = tong_mpol_mode_name(mp->mode);
        bool has_nodes = mp->nodes && *mp->nodes;

        if (!l->has_memory_policy)
                return 0;
        if (!mode)
                return v_err(err, "linux.memoryPolicy.mode: unknown mode %d", mp->mode);
        switch (mp->mode) {
        case MPOL_BIND:
        case MPOL_INTERLEAVE:
        case TONG_MPOL_WEIGHTED_INTERLEAVE:
        case MPOL_PREFERRED_MANY:
                if (!has_nodes)
                        return v_err(err, "linux.memoryPolicy.nodes: required with %s", mode);
                break;
        case MPOL_DEFAULT:
        case MPOL_LOCAL:
                if (has_nodes)
                        return v_err(err, "linux.memoryPolicy.nodes: not allowed with %s", mode);
                break;
        default:
                break;
        }
        if (mp->nodes && !v_cpu_list(mp->nodes)) {
                _cleanup_free_ char *q = sp_quote(mp->nodes);

                return v_err(err, "linux.memoryPolicy.nodes: malformed node list %s", q);
        }
        if ((mp->flags & MPOL_F_STATIC_NODES) && (mp->flags & MPOL_F_RELATIVE_NODES))
                return v_err(err, "linux.memoryPolicy.flags: MPOL_F_STATIC_NODES and "
                                  "MPOL_F_RELATIVE_NODES exclude each other");
        return 0;
}

static int v_intel_rdt(const tong_linux *l, tong_err **err)
{
        const tong_intel_rdt *rdt = &l->intel_rdt;
        size_t i = 0;

        if (!l->has_intel_rdt)
                return 0;
        /* closID names a directory under /sys/fs/resctrl. */
        if (rdt->clos_id && (!*rdt->clos_id || strchr(rdt->clos_id, '/') ||
                             streq(rdt->clos_id, ".") || streq(rdt->clos_id, ".."))) {
                _cleanup_free_ char *q = sp_quote(rdt->clos_id);

                return v_err(err, "linux.intelRdt.closID: %s is not a valid name", q);
        }
        if (rdt->mem_bw_schema &&
            (!startswith(rdt->mem_bw_schema, "MB:") || strchr(rdt->mem_bw_schema, '\n')))
                return v_err(err, "linux.intelRdt.memBwSchema: must be one line starting with "
                                  "\"MB:\"");
        if (rdt->l3_cache_schema && strchr(rdt->l3_cache_schema, '\n'))
                return v_err(err, "linux.intelRdt.l3CacheSchema: must be one line");
        STRV_FOREACH (line, rdt->schemata) {
                if (strchr(*line, '\n'))
                        return v_err(err, "linux.intelRdt.schemata[%zu]: must be one line", i);
                i++;
        }
        return 0;
}

/* A ".." path component would climb out of the cgroup hierarchy. */
static bool has_dotdot(const char *path)
{
        for (const char *p = path; *p;) {
                size_t n = strcspn(p, "/");

                if (n == 2 && p[0] == '.' && p[1] == '.')
                        return true;
                p += n;
                if (*p)
                        p++;
        }
        return false;
}

static int v_misc(const tong_spec *s, tong_err **err)
{
        const tong_linux *l = &s->linux;

        if ((l->time_boottime.has || l->time_monotonic.has) &&
            !tong_spec_has_namespace(s, TONG_NS_TIME))
                return v_err(err, "linux.timeOffsets: needs a time namespace");
        if (l->has_personality && l->personality.flags && l->personality.flags[0]) {
                _cleanup_free_ char *q = sp_quote(l->personality.flags[0]);

                return v_err(err,
                             "linux.personality.flags[0]: unknown flag %s (the spec defines "
                             "none)",
                             q);
        }
        if (l->cgroups_path && has_dotdot(l->cgroups_path)) {
                _cleanup_free_ char *q = sp_quote(l->cgroups_path);

                return v_err(err, "linux.cgroupsPath: %s must not contain \"..\"", q);
        }
        return 0;
}

static int v_uts(const tong_spec *s, tong_err **err)
{
        if (tong_spec_has_namespace(s, TONG_NS_UTS))
                return 0;
        if (s->hostname && *s->hostname)
                return v_err(err, "hostname: needs a uts namespace");
        if (s->domainname && *s->domainname)
                return v_err(err, "domainname: needs a uts namespace");
        return 0;
}

int v_linux(const tong_spec *s, tong_err **err)
{
        const tong_linux *l = &s->linux;
        int r = v_namespaces(l, err);

        if (r >= 0)
                r = v_user_mappings(s, err);
        if (r >= 0)
                r = v_uts(s, err);
        if (r >= 0)
                r = v_sysctl(s, err);
        if (r >= 0)
                r = v_devices(l, err);
        if (r >= 0)
                r = v_net_devices(s, err);
        if (r >= 0 && l->has_resources)
                r = tong_spec_validate_resources(&l->resources, "linux.resources", err);
        if (r >= 0)
                r = v_seccomp(l, err);
        if (r >= 0)
                r = v_memory_policy(l, err);
        if (r >= 0)
                r = v_intel_rdt(l, err);
        if (r >= 0)
                r = v_misc(s, err);
        return r;
}

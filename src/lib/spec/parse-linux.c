/* SPDX-License-Identifier: Apache-2.0 */
/* The "linux" object of config.json (config-linux.md), except linux.resources. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/macro.h"
#include "spec/names.h"
#include "spec/parse-internal.h"

/* ---------------------------------------------------------------- namespaces */

static int sp_ns_type(sp_ctx *c, const tong_json *v, void *dst)
{
        const char *s;
        int r = sp_string_get(c, v, &s);
        tong_ns_type t;

        if (r < 0)
                return r;
        t = tong_ns_from_oci(s);
        if (t == _TONG_NS_INVALID)
                return sp_unknown(c, "namespace type", s);
        *(tong_ns_type *)dst = t;
        return 0;
}

static int sp_namespaces(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_FR("type", TONG_JSON_STRING, sp_ns_type, tong_namespace, type),
                SP_F("path", TONG_JSON_STRING, sp_string, tong_namespace, path),
                SP_END,
        };
        tong_linux *l = dst;

        return sp_array_obj(c, v, sizeof(tong_namespace), TONG_SPEC_MAX_ARRAY, fields,
                            (void **)&l->namespaces, &l->n_namespaces);
}

static int sp_uid_mappings(sp_ctx *c, const tong_json *v, void *dst)
{
        tong_linux *l = dst;

        return sp_idmaps(c, v, &l->uid_mappings, &l->n_uid_mappings);
}

static int sp_gid_mappings(sp_ctx *c, const tong_json *v, void *dst)
{
        tong_linux *l = dst;

        return sp_idmaps(c, v, &l->gid_mappings, &l->n_gid_mappings);
}

/* ---------------------------------------------------------------- timeOffsets */

static int sp_time_offsets(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_F("secs", TONG_JSON_INT, sp_i64, tong_time_offset, secs),
                SP_F("nanosecs", TONG_JSON_INT, sp_u32, tong_time_offset, nanosecs),
                SP_END,
        };
        tong_linux *l = dst;
        tong_json_iter it;
        const char *key;
        const tong_json *val;

        tong_json_iter_init(v, &it);
        while (tong_json_iter_next(&it, &key, &val)) {
                size_t saved = sp_push_mapkey(c, key);
                tong_time_offset *off;
                int r;

                if (streq(key, "boottime"))
                        off = &l->time_boottime;
                else if (streq(key, "monotonic"))
                        off = &l->time_monotonic;
                else
                        return sp_error(c, EINVAL,
                                        "unknown clock (expected \"boottime\" or "
                                        "\"monotonic\")");
                r = sp_object(c, val, fields, off);
                if (r < 0)
                        return r;
                off->has = true;
                sp_pop(c, saved);
        }
        return 0;
}

/* ---------------------------------------------------------------- devices */

static int sp_device_type(sp_ctx *c, const tong_json *v, void *dst)
{
        const char *s;
        int r = sp_string_get(c, v, &s);

        if (r < 0)
                return r;
        if (strlen(s) != 1 || !strchr("cbup", s[0]))
                return sp_unknown(c, "device type", s);
        *(char *)dst = s[0];
        return 0;
}

static int sp_device(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_FR("type", TONG_JSON_STRING, sp_device_type, tong_device, type),
                SP_FR("path", TONG_JSON_STRING, sp_string, tong_device, path),
                SP_FH("fileMode", TONG_JSON_INT, sp_u32, tong_device, file_mode, has_file_mode),
                SP_F("major", TONG_JSON_INT, sp_i64, tong_device, major),
                SP_F("minor", TONG_JSON_INT, sp_i64, tong_device, minor),
                SP_FH("uid", TONG_JSON_INT, sp_u32, tong_device, uid, has_uid),
                SP_FH("gid", TONG_JSON_INT, sp_u32, tong_device, gid, has_gid),
                SP_END,
        };
        tong_device *d = dst;
        int r = sp_object(c, v, fields, d);

        if (r < 0)
                return r;
        d->has_major_minor = tong_json_get(v, "major") && tong_json_get(v, "minor");
        return 0;
}

static int sp_devices(sp_ctx *c, const tong_json *v, void *dst)
{
        tong_linux *l = dst;

        return sp_array(c, v, sizeof(tong_device), TONG_SPEC_MAX_ARRAY, sp_device,
                        (void **)&l->devices, &l->n_devices);
}

static int sp_net_devices(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_F("name", TONG_JSON_STRING, sp_string, tong_net_device, name),
                SP_END,
        };
        tong_linux *l = dst;

        return sp_obj_map(c, v, sizeof(tong_net_device), offsetof(tong_net_device, host_name),
                          fields, (void **)&l->net_devices, &l->n_net_devices);
}

/* ---------------------------------------------------------------- seccomp */

static int sp_seccomp_action(sp_ctx *c, const tong_json *v, void *dst)
{
        const char *s;
        int a, r = sp_string_get(c, v, &s);

        if (r < 0)
                return r;
        a = tong_seccomp_action_from_name(s);
        if (a < 0)
                return sp_unknown(c, "seccomp action", s);
        *(tong_seccomp_action *)dst = (tong_seccomp_action)a;
        return 0;
}

static int sp_seccomp_op(sp_ctx *c, const tong_json *v, void *dst)
{
        const char *s;
        int op, r = sp_string_get(c, v, &s);

        if (r < 0)
                return r;
        op = tong_seccomp_op_from_name(s);
        if (op < 0)
                return sp_unknown(c, "seccomp operator", s);
        *(tong_seccomp_op *)dst = (tong_seccomp_op)op;
        return 0;
}

static int sp_seccomp_args(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_FR("index", TONG_JSON_INT, sp_u32, tong_seccomp_arg, index),
                SP_FR("value", TONG_JSON_INT, sp_u64, tong_seccomp_arg, value),
                SP_F("valueTwo", TONG_JSON_INT, sp_u64, tong_seccomp_arg, value_two),
                SP_FR("op", TONG_JSON_STRING, sp_seccomp_op, tong_seccomp_arg, op),
                SP_END,
        };
        tong_seccomp_syscall *s = dst;

        return sp_array_obj(c, v, sizeof(tong_seccomp_arg), TONG_SPEC_MAX_ARRAY, fields,
                            (void **)&s->args, &s->n_args);
}

static int sp_seccomp_syscalls(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_FR("names", TONG_JSON_ARRAY, sp_strv, tong_seccomp_syscall, names),
                SP_FR("action", TONG_JSON_STRING, sp_seccomp_action, tong_seccomp_syscall, action),
                SP_FH("errnoRet", TONG_JSON_INT, sp_u32, tong_seccomp_syscall, errno_ret,
                      has_errno_ret),
                { "args", TONG_JSON_ARRAY, sp_seccomp_args, 0, 0, false },
                SP_END,
        };
        tong_seccomp *s = dst;

        return sp_array_obj(c, v, sizeof(tong_seccomp_syscall), TONG_SPEC_MAX_ARRAY, fields,
                            (void **)&s->syscalls, &s->n_syscalls);
}

static int sp_seccomp_archs(sp_ctx *c, const tong_json *v, void *dst)
{
        char ***archs = dst;
        int r = sp_strv(c, v, archs);

        if (r < 0)
                return r;
        for (size_t i = 0; (*archs)[i]; i++) {
                if (!tong_seccomp_arch_known((*archs)[i])) {
                        size_t saved = sp_push_index(c, i);

                        r = sp_unknown(c, "seccomp architecture", (*archs)[i]);
                        sp_pop(c, saved);
                        return r;
                }
        }
        return 0;
}

static int sp_seccomp_flag(sp_ctx *c, const tong_json *v, void *dst)
{
        const char *s;
        int f, r = sp_string_get(c, v, &s);

        if (r < 0)
                return r;
        f = tong_seccomp_flag_from_name(s);
        if (f < 0)
                return sp_unknown(c, "seccomp flag", s);
        *(unsigned *)dst |= (unsigned)f;
        return 0;
}

static int sp_seccomp_flags(sp_ctx *c, const tong_json *v, void *dst)
{
        return sp_each(c, v, sp_seccomp_flag, dst);
}

static int sp_seccomp(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_FR("defaultAction", TONG_JSON_STRING, sp_seccomp_action, tong_seccomp,
                      default_action),
                SP_FH("defaultErrnoRet", TONG_JSON_INT, sp_u32, tong_seccomp, default_errno_ret,
                      has_default_errno_ret),
                SP_F("architectures", TONG_JSON_ARRAY, sp_seccomp_archs, tong_seccomp,
                     architectures),
                SP_F("flags", TONG_JSON_ARRAY, sp_seccomp_flags, tong_seccomp, flags),
                SP_F("listenerPath", TONG_JSON_STRING, sp_string, tong_seccomp, listener_path),
                SP_F("listenerMetadata", TONG_JSON_STRING, sp_string, tong_seccomp,
                     listener_metadata),
                { "syscalls", TONG_JSON_ARRAY, sp_seccomp_syscalls, 0, 0, false },
                SP_END,
        };

        return sp_object(c, v, fields, dst);
}

/* ---------------------------------------------------------------- misc */

static int sp_rootfs_propagation(sp_ctx *c, const tong_json *v, void *dst)
{
        const char *s;
        const tong_mount_opt *o;
        int r = sp_string_get(c, v, &s);

        if (r < 0)
                return r;
        /* The spec lists private/shared/slave/unbindable; runc also takes the r* forms. */
        o = tong_mount_opt_lookup(s);
        if (!o || o->kind != TONG_MOPT_PROPAGATION)
                return sp_unknown(c, "rootfs propagation", s);
        *(unsigned long *)dst = o->flag;
        return 0;
}

static int sp_sysctl(sp_ctx *c, const tong_json *v, void *dst)
{
        tong_linux *l = dst;

        return sp_kv_map(c, v, &l->sysctl, &l->n_sysctl);
}

static int sp_intel_rdt(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_F("closID", TONG_JSON_STRING, sp_string, tong_intel_rdt, clos_id),
                SP_F("schemata", TONG_JSON_ARRAY, sp_strv, tong_intel_rdt, schemata),
                SP_F("l3CacheSchema", TONG_JSON_STRING, sp_string, tong_intel_rdt, l3_cache_schema),
                SP_F("memBwSchema", TONG_JSON_STRING, sp_string, tong_intel_rdt, mem_bw_schema),
                SP_F("enableMonitoring", TONG_JSON_BOOL, sp_bool, tong_intel_rdt,
                     enable_monitoring),
                SP_END,
        };

        return sp_object(c, v, fields, dst);
}

static int sp_mpol_mode(sp_ctx *c, const tong_json *v, void *dst)
{
        const char *s;
        int m, r = sp_string_get(c, v, &s);

        if (r < 0)
                return r;
        m = tong_mpol_mode_from_name(s);
        if (m < 0)
                return sp_unknown(c, "memory policy mode", s);
        *(int *)dst = m;
        return 0;
}

static int sp_mpol_flag(sp_ctx *c, const tong_json *v, void *dst)
{
        const char *s;
        int f, r = sp_string_get(c, v, &s);

        if (r < 0)
                return r;
        f = tong_mpol_flag_from_name(s);
        if (f < 0)
                return sp_unknown(c, "memory policy flag", s);
        *(unsigned *)dst |= (unsigned)f;
        return 0;
}

static int sp_mpol_flags(sp_ctx *c, const tong_json *v, void *dst)
{
        return sp_each(c, v, sp_mpol_flag, dst);
}

static int sp_memory_policy(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_FR("mode", TONG_JSON_STRING, sp_mpol_mode, tong_memory_policy, mode),
                SP_F("nodes", TONG_JSON_STRING, sp_string, tong_memory_policy, nodes),
                SP_F("flags", TONG_JSON_ARRAY, sp_mpol_flags, tong_memory_policy, flags),
                SP_END,
        };

        return sp_object(c, v, fields, dst);
}

static int sp_personality_domain(sp_ctx *c, const tong_json *v, void *dst)
{
        const char *s;
        long d;
        int r = sp_string_get(c, v, &s);

        if (r < 0)
                return r;
        d = tong_personality_domain_from_name(s);
        if (d < 0)
                return sp_unknown(c, "personality domain", s);
        *(unsigned long *)dst = (unsigned long)d;
        return 0;
}

static int sp_personality(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_FR("domain", TONG_JSON_STRING, sp_personality_domain, tong_personality, domain),
                SP_F("flags", TONG_JSON_ARRAY, sp_strv, tong_personality, flags),
                SP_END,
        };

        return sp_object(c, v, fields, dst);
}

static const sp_field linux_fields[] = {
        { "namespaces", TONG_JSON_ARRAY, sp_namespaces, 0, 0, false },
        { "uidMappings", TONG_JSON_ARRAY, sp_uid_mappings, 0, 0, false },
        { "gidMappings", TONG_JSON_ARRAY, sp_gid_mappings, 0, 0, false },
        { "timeOffsets", TONG_JSON_OBJECT, sp_time_offsets, 0, 0, false },
        { "devices", TONG_JSON_ARRAY, sp_devices, 0, 0, false },
        { "netDevices", TONG_JSON_OBJECT, sp_net_devices, 0, 0, false },
        SP_F("cgroupsPath", TONG_JSON_STRING, sp_string, tong_linux, cgroups_path),
        SP_FH("resources", TONG_JSON_OBJECT, sp_resources, tong_linux, resources, has_resources),
        SP_FH("rootfsPropagation", TONG_JSON_STRING, sp_rootfs_propagation, tong_linux,
              rootfs_propagation, has_rootfs_propagation),
        SP_FH("seccomp", TONG_JSON_OBJECT, sp_seccomp, tong_linux, seccomp, has_seccomp),
        { "sysctl", TONG_JSON_OBJECT, sp_sysctl, 0, 0, false },
        SP_F("maskedPaths", TONG_JSON_ARRAY, sp_strv, tong_linux, masked_paths),
        SP_F("readonlyPaths", TONG_JSON_ARRAY, sp_strv, tong_linux, readonly_paths),
        SP_F("mountLabel", TONG_JSON_STRING, sp_string, tong_linux, mount_label),
        SP_FH("intelRdt", TONG_JSON_OBJECT, sp_intel_rdt, tong_linux, intel_rdt, has_intel_rdt),
        SP_FH("memoryPolicy", TONG_JSON_OBJECT, sp_memory_policy, tong_linux, memory_policy,
              has_memory_policy),
        SP_FH("personality", TONG_JSON_OBJECT, sp_personality, tong_linux, personality,
              has_personality),
        SP_END,
};

int sp_linux(sp_ctx *c, const tong_json *v, void *dst)
{
        return sp_object(c, v, linux_fields, dst);
}

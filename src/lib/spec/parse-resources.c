/* SPDX-License-Identifier: Apache-2.0 */
/* linux.resources (config-linux.md "Control groups"), also the document of `update -r`. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/macro.h"
#include "spec/parse-internal.h"

/* ---------------------------------------------------------------- devices */

static int sp_rule_type(sp_ctx *c, const tong_json *v, void *dst)
{
        const char *s;
        int r = sp_string_get(c, v, &s);

        if (r < 0)
                return r;
        if (strlen(s) != 1 || !strchr("acb", s[0]))
                return sp_unknown(c, "device type", s);
        *(char *)dst = s[0];
        return 0;
}

/* Any combination of r, w, m, stored in that order ("" means all, as in the spec). */
static int sp_rule_access(sp_ctx *c, const tong_json *v, void *dst)
{
        char *access = dst;
        bool has[3] = { false, false, false };
        const char *s;
        size_t n = 0;
        int r = sp_string_get(c, v, &s);

        if (r < 0)
                return r;
        for (const char *p = s; *p; p++) {
                const char *k = strchr("rwm", *p);

                if (!k) {
                        _cleanup_free_ char *q = sp_quote(s);

                        return sp_error(c, EINVAL, "invalid access %s (only r, w and m)", q);
                }
                has[k - "rwm"] = true;
        }
        for (size_t i = 0; i < 3; i++)
                if (has[i])
                        access[n++] = "rwm"[i];
        access[n] = '\0';
        return 0;
}

static int sp_device_rule(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_FR("allow", TONG_JSON_BOOL, sp_bool, tong_device_rule, allow),
                SP_F("type", TONG_JSON_STRING, sp_rule_type, tong_device_rule, type),
                SP_F("major", TONG_JSON_INT, sp_i64, tong_device_rule, major),
                SP_F("minor", TONG_JSON_INT, sp_i64, tong_device_rule, minor),
                SP_F("access", TONG_JSON_STRING, sp_rule_access, tong_device_rule, access),
                SP_END,
        };
        tong_device_rule *rule = dst;

        /* Absent means "all" (config-linux.md "Allowed Device list"). */
        rule->type = 'a';
        rule->major = -1;
        rule->minor = -1;
        return sp_object(c, v, fields, rule);
}

static int sp_device_rules(sp_ctx *c, const tong_json *v, void *dst)
{
        tong_resources *res = dst;

        return sp_array(c, v, sizeof(tong_device_rule), TONG_SPEC_MAX_ARRAY, sp_device_rule,
                        (void **)&res->devices, &res->n_devices);
}

/* ---------------------------------------------------------------- memory, cpu, pids */

static int sp_memory(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_FH("limit", TONG_JSON_INT, sp_i64, tong_memory, limit, has_limit),
                SP_FH("reservation", TONG_JSON_INT, sp_i64, tong_memory, reservation,
                      has_reservation),
                SP_FH("swap", TONG_JSON_INT, sp_i64, tong_memory, swap, has_swap),
                SP_FH("kernel", TONG_JSON_INT, sp_i64, tong_memory, kernel, has_kernel),
                SP_FH("kernelTCP", TONG_JSON_INT, sp_i64, tong_memory, kernel_tcp, has_kernel_tcp),
                SP_FH("swappiness", TONG_JSON_INT, sp_u64, tong_memory, swappiness, has_swappiness),
                SP_FH("disableOOMKiller", TONG_JSON_BOOL, sp_bool, tong_memory, disable_oom_killer,
                      has_disable_oom_killer),
                SP_FH("useHierarchy", TONG_JSON_BOOL, sp_bool, tong_memory, use_hierarchy,
                      has_use_hierarchy),
                SP_FH("checkBeforeUpdate", TONG_JSON_BOOL, sp_bool, tong_memory,
                      check_before_update, has_check_before_update),
                SP_END,
        };

        return sp_object(c, v, fields, dst);
}

static int sp_cpu(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_FH("shares", TONG_JSON_INT, sp_u64, tong_cpu, shares, has_shares),
                SP_FH("quota", TONG_JSON_INT, sp_i64, tong_cpu, quota, has_quota),
                SP_FH("burst", TONG_JSON_INT, sp_u64, tong_cpu, burst, has_burst),
                SP_FH("period", TONG_JSON_INT, sp_u64, tong_cpu, period, has_period),
                SP_FH("realtimeRuntime", TONG_JSON_INT, sp_i64, tong_cpu, realtime_runtime,
                      has_realtime_runtime),
                SP_FH("realtimePeriod", TONG_JSON_INT, sp_u64, tong_cpu, realtime_period,
                      has_realtime_period),
                SP_FH("idle", TONG_JSON_INT, sp_i64, tong_cpu, idle, has_idle),
                SP_F("cpus", TONG_JSON_STRING, sp_string, tong_cpu, cpus),
                SP_F("mems", TONG_JSON_STRING, sp_string, tong_cpu, mems),
                SP_END,
        };

        return sp_object(c, v, fields, dst);
}

static int sp_pids(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_FR("limit", TONG_JSON_INT, sp_i64, tong_pids, limit),
                SP_END,
        };
        tong_pids *p = dst;
        int r = sp_object(c, v, fields, p);

        if (r >= 0)
                p->has_limit = true;
        return r;
}

/* ---------------------------------------------------------------- blockIO */

static int sp_weight_devices(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_FR("major", TONG_JSON_INT, sp_i64, tong_blkio_weight_device, major),
                SP_FR("minor", TONG_JSON_INT, sp_i64, tong_blkio_weight_device, minor),
                SP_FH("weight", TONG_JSON_INT, sp_u16, tong_blkio_weight_device, weight,
                      has_weight),
                SP_FH("leafWeight", TONG_JSON_INT, sp_u16, tong_blkio_weight_device, leaf_weight,
                      has_leaf_weight),
                SP_END,
        };
        tong_blkio *b = dst;

        return sp_array_obj(c, v, sizeof(tong_blkio_weight_device), TONG_SPEC_MAX_ARRAY, fields,
                            (void **)&b->weight_devices, &b->n_weight_devices);
}

static const char *const throttle_keys[_TONG_THROTTLE_MAX] = {
        [TONG_THROTTLE_READ_BPS] = "throttleReadBpsDevice",
        [TONG_THROTTLE_WRITE_BPS] = "throttleWriteBpsDevice",
        [TONG_THROTTLE_READ_IOPS] = "throttleReadIOPSDevice",
        [TONG_THROTTLE_WRITE_IOPS] = "throttleWriteIOPSDevice",
};

static int sp_blkio(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_FH("weight", TONG_JSON_INT, sp_u16, tong_blkio, weight, has_weight),
                SP_FH("leafWeight", TONG_JSON_INT, sp_u16, tong_blkio, leaf_weight,
                      has_leaf_weight),
                { "weightDevice", TONG_JSON_ARRAY, sp_weight_devices, 0, 0, false },
                SP_END,
        };
        static const sp_field throttle_fields[] = {
                SP_FR("major", TONG_JSON_INT, sp_i64, tong_blkio_throttle, major),
                SP_FR("minor", TONG_JSON_INT, sp_i64, tong_blkio_throttle, minor),
                SP_F("rate", TONG_JSON_INT, sp_u64, tong_blkio_throttle, rate),
                SP_END,
        };
        tong_blkio *b = dst;
        int r = sp_object(c, v, fields, b);

        if (r < 0)
                return r;
        /* A weight of 0 is no valid cgroup weight; engines send it to mean "not set" (Docker
         * always sends "weight": 0), and runc and crun read it that way. */
        b->has_weight = b->has_weight && b->weight;
        b->has_leaf_weight = b->has_leaf_weight && b->leaf_weight;
        for (size_t i = 0; i < b->n_weight_devices; i++) {
                tong_blkio_weight_device *d = &b->weight_devices[i];

                d->has_weight = d->has_weight && d->weight;
                d->has_leaf_weight = d->has_leaf_weight && d->leaf_weight;
        }
        for (int k = 0; k < _TONG_THROTTLE_MAX; k++) {
                const tong_json *arr = tong_json_get(v, throttle_keys[k]);
                size_t saved;

                if (!arr)
                        continue;
                saved = sp_push_key(c, throttle_keys[k]);
                r = sp_array_obj(c, arr, sizeof(tong_blkio_throttle), TONG_SPEC_MAX_ARRAY,
                                 throttle_fields, (void **)&b->throttle[k], &b->n_throttle[k]);
                if (r < 0)
                        return r;
                sp_pop(c, saved);
        }
        return 0;
}

/* ---------------------------------------------------------------- the rest */

static int sp_hugepage_limits(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_FR("pageSize", TONG_JSON_STRING, sp_string, tong_hugepage_limit, page_size),
                SP_FR("limit", TONG_JSON_INT, sp_u64, tong_hugepage_limit, limit),
                SP_END,
        };
        tong_resources *res = dst;

        return sp_array_obj(c, v, sizeof(tong_hugepage_limit), TONG_SPEC_MAX_ARRAY, fields,
                            (void **)&res->hugepage_limits, &res->n_hugepage_limits);
}

static int sp_net_priorities(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_FR("name", TONG_JSON_STRING, sp_string, tong_net_priority, name),
                SP_FR("priority", TONG_JSON_INT, sp_u32, tong_net_priority, priority),
                SP_END,
        };
        tong_resources *res = dst;

        return sp_array_obj(c, v, sizeof(tong_net_priority), TONG_SPEC_MAX_ARRAY, fields,
                            (void **)&res->net_priorities, &res->n_net_priorities);
}

static int sp_network(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_FH("classID", TONG_JSON_INT, sp_u32, tong_resources, class_id, has_class_id),
                { "priorities", TONG_JSON_ARRAY, sp_net_priorities, 0, 0, false },
                SP_END,
        };

        return sp_object(c, v, fields, dst);
}

static int sp_rdma(sp_ctx *c, const tong_json *v, void *dst)
{
        static const sp_field fields[] = {
                SP_FH("hcaHandles", TONG_JSON_INT, sp_u32, tong_rdma, hca_handles, has_hca_handles),
                SP_FH("hcaObjects", TONG_JSON_INT, sp_u32, tong_rdma, hca_objects, has_hca_objects),
                SP_END,
        };
        tong_resources *res = dst;

        return sp_obj_map(c, v, sizeof(tong_rdma), offsetof(tong_rdma, device), fields,
                          (void **)&res->rdma, &res->n_rdma);
}

static int sp_unified(sp_ctx *c, const tong_json *v, void *dst)
{
        tong_resources *res = dst;

        return sp_kv_map(c, v, &res->unified, &res->n_unified);
}

static const sp_field resources_fields[] = {
        { "devices", TONG_JSON_ARRAY, sp_device_rules, 0, 0, false },
        SP_FH("memory", TONG_JSON_OBJECT, sp_memory, tong_resources, memory, has_memory),
        SP_FH("cpu", TONG_JSON_OBJECT, sp_cpu, tong_resources, cpu, has_cpu),
        SP_F("pids", TONG_JSON_OBJECT, sp_pids, tong_resources, pids),
        SP_FH("blockIO", TONG_JSON_OBJECT, sp_blkio, tong_resources, blkio, has_blkio),
        { "hugepageLimits", TONG_JSON_ARRAY, sp_hugepage_limits, 0, 0, false },
        { "network", TONG_JSON_OBJECT, sp_network, 0, 0, false },
        { "rdma", TONG_JSON_OBJECT, sp_rdma, 0, 0, false },
        { "unified", TONG_JSON_OBJECT, sp_unified, 0, 0, false },
        SP_END,
};

int sp_resources(sp_ctx *c, const tong_json *v, void *dst)
{
        return sp_object(c, v, resources_fields, dst);
}

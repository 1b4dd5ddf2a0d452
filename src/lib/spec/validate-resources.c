/* SPDX-License-Identifier: Apache-2.0 */
/* Cross-field rules for linux.resources, also for `update -r` documents (see validate.c). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/macro.h"
#include "spec/parse-internal.h"
#include "spec/validate-internal.h"

static int v_device_rules(const tong_resources *r, const char *pfx, tong_err **err)
{
        for (size_t i = 0; i < r->n_devices; i++) {
                const tong_device_rule *d = &r->devices[i];

                if (!d->type || !strchr("acb", d->type))
                        return v_err(err, "%sdevices[%zu].type: unknown device type '%c'", pfx, i,
                                     d->type ? d->type : '?');
                if (strnlen(d->access, sizeof(d->access)) == sizeof(d->access) ||
                    strspn(d->access, "rwm") != strlen(d->access))
                        return v_err(err, "%sdevices[%zu].access: only r, w and m are allowed", pfx,
                                     i);
        }
        return 0;
}

static int v_memory(const tong_memory *m, const char *pfx, tong_err **err)
{
        if (m->has_limit && m->has_swap && m->limit > 0 && m->swap > 0 && m->swap < m->limit)
                return v_err(err,
                             "%smemory.swap: %" PRId64 " is less than memory.limit %" PRId64
                             " (swap is memory+swap)",
                             pfx, m->swap, m->limit);
        if (m->has_swappiness && m->swappiness > 100)
                return v_err(err, "%smemory.swappiness: %" PRIu64 " is out of range 0..100", pfx,
                             m->swappiness);
        return 0;
}

static int v_cpu(const tong_cpu *c, const char *pfx, tong_err **err)
{
        if (c->has_burst && c->has_quota && c->quota > 0 && c->burst > (uint64_t)c->quota)
                return v_err(err, "%scpu.burst: %" PRIu64 " is greater than cpu.quota %" PRId64,
                             pfx, c->burst, c->quota);
        if (c->cpus && !v_cpu_list(c->cpus)) {
                _cleanup_free_ char *q = sp_quote(c->cpus);

                return v_err(err, "%scpu.cpus: malformed CPU list %s", pfx, q);
        }
        if (c->mems && !v_cpu_list(c->mems)) {
                _cleanup_free_ char *q = sp_quote(c->mems);

                return v_err(err, "%scpu.mems: malformed node list %s", pfx, q);
        }
        return 0;
}

static int v_blkio(const tong_blkio *b, const char *pfx, tong_err **err)
{
        for (size_t i = 0; i < b->n_weight_devices; i++) {
                const tong_blkio_weight_device *w = &b->weight_devices[i];

                if (!w->has_weight && !w->has_leaf_weight)
                        return v_err(err, "%sblockIO.weightDevice[%zu]: needs weight or leafWeight",
                                     pfx, i);
        }
        return 0;
}

/* ^[1-9][0-9]*[KMG]B$ (config-linux.md "Huge page limits"); it also names cgroup files. */
static bool page_size_valid(const char *s)
{
        if (!s || *s < '1' || *s > '9')
                return false;
        while (*s >= '0' && *s <= '9')
                s++;
        return (s[0] == 'K' || s[0] == 'M' || s[0] == 'G') && s[1] == 'B' && s[2] == '\0';
}

/* A cgroup interface file name: "memory.max", never a path. */
static bool cgroup_file_name_valid(const char *s)
{
        return *s && !strchr(s, '/') && !streq(s, ".") && !streq(s, "..");
}

static int v_named(const tong_resources *r, const char *pfx, tong_err **err)
{
        for (size_t i = 0; i < r->n_hugepage_limits; i++) {
                if (!page_size_valid(r->hugepage_limits[i].page_size)) {
                        _cleanup_free_ char *q = sp_quote(r->hugepage_limits[i].page_size
                                                                  ? r->hugepage_limits[i].page_size
                                                                  : "");

                        return v_err(err,
                                     "%shugepageLimits[%zu].pageSize: %s does not match "
                                     "^[1-9][0-9]*[KMG]B$",
                                     pfx, i, q);
                }
        }
        for (size_t i = 0; i < r->n_rdma; i++) {
                if (!r->rdma[i].has_hca_handles && !r->rdma[i].has_hca_objects) {
                        _cleanup_free_ char *q = sp_quote(r->rdma[i].device);

                        return v_err(err, "%srdma[%s]: needs hcaHandles or hcaObjects", pfx, q);
                }
        }
        for (size_t i = 0; i < r->n_net_priorities; i++) {
                if (!v_ifname(r->net_priorities[i].name, false)) {
                        _cleanup_free_ char *q = sp_quote(r->net_priorities[i].name);

                        return v_err(err,
                                     "%snetwork.priorities[%zu].name: invalid interface name %s",
                                     pfx, i, q);
                }
        }
        for (size_t i = 0; i < r->n_unified; i++) {
                if (!cgroup_file_name_valid(r->unified[i].key)) {
                        _cleanup_free_ char *q = sp_quote(r->unified[i].key);

                        return v_err(err, "%sunified[%s]: not a cgroup file name", pfx, q);
                }
        }
        return 0;
}

int tong_spec_validate_resources(const tong_resources *r, const char *what, tong_err **err)
{
        _cleanup_free_ char *pfx = what && *what ? xasprintf("%s.", what) : xstrdup("");
        int ret = v_device_rules(r, pfx, err);

        if (ret >= 0 && r->has_memory)
                ret = v_memory(&r->memory, pfx, err);
        if (ret >= 0 && r->has_cpu)
                ret = v_cpu(&r->cpu, pfx, err);
        if (ret >= 0 && r->has_blkio)
                ret = v_blkio(&r->blkio, pfx, err);
        if (ret >= 0)
                ret = v_named(r, pfx, err);
        return ret;
}

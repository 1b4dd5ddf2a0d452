/* SPDX-License-Identifier: Apache-2.0 */
/* The cgroup v1 driver: one hierarchy per controller (or a few), knobs in v1 units. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "cgroup/cgroup-internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/macro.h"
#include "tong/log.h"

#define FREEZE_TIMEOUT_US (5u * 1000000u)

/* Linux 5.16 turned memory.kmem.limit_in_bytes into a no-op (and later removed it). */
static bool kernel_ignores_kmem(void)
{
        struct utsname u;
        unsigned major = 0, minor = 0;

        if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &major, &minor) != 2)
                return false;
        return major > 5 || (major == 5 && minor >= 16);
}

static int v1_memory_and_swap(const cg_hier *h, const tong_memory *m, tong_err **err)
{
        bool swap = m->has_swap && m->swap != 0; /* 0: unset, as runc reads it */
        bool limit = m->has_limit;
        uint64_t cur = 0;
        int r;

        if (swap && !cg_has_file(h, "memory.memsw.limit_in_bytes")) {
                /* No swap accounting: "unlimited" and "no swap beyond the limit" need no
                 * knob; anything else cannot be honoured. */
                if (m->swap < 0 || (limit && m->swap == m->limit))
                        swap = false;
                else
                        return tong_err_set(err, EOPNOTSUPP,
                                            "swap: %s%s/memory.memsw.limit_in_bytes does not "
                                            "exist (no swap accounting on this kernel)",
                                            h->mountpoint, h->path);
        }
        /* The kernel keeps limit <= memsw at every step: when raising, memsw goes first. */
        if (swap && limit) {
                r = cg_read_u64(h, "memory.limit_in_bytes", &cur, err);
                if (r < 0)
                        return r;
                if (m->swap < 0 || cur <= (uint64_t)m->swap) {
                        r = cg_write_limit(h, "memory.memsw.limit_in_bytes", m->swap, err);
                        if (r >= 0)
                                r = cg_write_limit(h, "memory.limit_in_bytes", m->limit, err);
                        return r;
                }
        }
        if (limit) {
                r = cg_write_limit(h, "memory.limit_in_bytes", m->limit, err);
                if (r < 0)
                        return r;
        }
        if (swap)
                return cg_write_limit(h, "memory.memsw.limit_in_bytes", m->swap, err);
        return 0;
}

static int v1_memory_kernel(const cg_hier *h, const tong_memory *m, tong_err **err)
{
        int r;

        if (m->has_kernel) {
                if (kernel_ignores_kmem() || !cg_has_file(h, "memory.kmem.limit_in_bytes"))
                        tong_warn("linux.resources.memory.kernel is ignored: this kernel does "
                                  "not limit kernel memory separately");
                else {
                        r = cg_write_limit(h, "memory.kmem.limit_in_bytes", m->kernel, err);
                        if (r < 0)
                                return r;
                }
        }
        if (m->has_kernel_tcp) {
                if (!cg_has_file(h, "memory.kmem.tcp.limit_in_bytes"))
                        tong_warn("linux.resources.memory.kernelTCP is ignored: this kernel "
                                  "has no memory.kmem.tcp.limit_in_bytes");
                else {
                        r = cg_write_limit(h, "memory.kmem.tcp.limit_in_bytes", m->kernel_tcp, err);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int v1_memory(const cg_hier *h, const tong_memory *m, tong_err **err)
{
        int r;

        r = v1_memory_and_swap(h, m, err);
        if (r >= 0 && m->has_reservation)
                r = cg_write_limit(h, "memory.soft_limit_in_bytes", m->reservation, err);
        if (r >= 0)
                r = v1_memory_kernel(h, m, err);
        if (r >= 0 && m->has_swappiness) {
                if (m->swappiness > 100)
                        return tong_err_set(err, EINVAL,
                                            "swappiness: %" PRIu64 " is not within 0..100",
                                            m->swappiness);
                r = cg_writef(h, "memory.swappiness", err, "%" PRIu64, m->swappiness);
        }
        if (r >= 0 && m->has_disable_oom_killer)
                r = cg_write(h, "memory.oom_control", m->disable_oom_killer ? "1" : "0", err);
        if (r >= 0 && m->has_use_hierarchy) {
                tong_err *e = NULL;

                r = cg_write(h, "memory.use_hierarchy", m->use_hierarchy ? "1" : "0", &e);
                /* Since Linux 5.x accounting is always hierarchical and "0" is refused. */
                if (r == -EINVAL && !m->use_hierarchy) {
                        tong_warn("linux.resources.memory.useHierarchy=false is ignored: this "
                                  "kernel always accounts memory hierarchically");
                        r = 0;
                }
                if (r < 0 && err)
                        *err = TAKE_PTR(e);
                tong_err_free(e);
        }
        return r < 0 ? tong_err_prefix(err, r, "linux.resources.memory") : 0;
}

static int v1_cpu_bandwidth(const cg_hier *h, const tong_cpu *c, tong_err **err)
{
        bool quota = c->has_quota && c->quota != 0, period = c->has_period && c->period != 0;
        int r;

        if (period) {
                tong_err *e = NULL;

                r = cg_writef(h, "cpu.cfs_period_us", &e, "%" PRIu64, c->period);
                /* A shorter period can exceed the parent's bandwidth with the old quota:
                 * set the new quota first, then the period again. */
                if (r == -EINVAL && quota) {
                        tong_err_free(e);
                        e = NULL;
                        r = cg_write_limit(h, "cpu.cfs_quota_us", c->quota, err);
                        if (r >= 0)
                                r = cg_writef(h, "cpu.cfs_period_us", err, "%" PRIu64, c->period);
                } else if (r < 0 && err)
                        *err = TAKE_PTR(e);
                tong_err_free(e);
                if (r < 0)
                        return r;
        }
        if (quota) {
                r = cg_write_limit(h, "cpu.cfs_quota_us", c->quota, err);
                if (r < 0)
                        return r;
        }
        if (c->has_burst) {
                r = cg_writef(h, "cpu.cfs_burst_us", err, "%" PRIu64, c->burst);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int v1_cpu(const cg_hier *h, const tong_cpu *c, tong_err **err)
{
        int r = 0;

        if (c->has_shares && c->shares != 0)
                r = cg_writef(h, "cpu.shares", err, "%" PRIu64, c->shares);
        if (r >= 0)
                r = v1_cpu_bandwidth(h, c, err);
        /* Period before runtime: the runtime is checked against the period. */
        if (r >= 0 && c->has_realtime_period && c->realtime_period != 0)
                r = cg_writef(h, "cpu.rt_period_us", err, "%" PRIu64, c->realtime_period);
        if (r >= 0 && c->has_realtime_runtime && c->realtime_runtime != 0)
                r = cg_writef(h, "cpu.rt_runtime_us", err, "%" PRId64, c->realtime_runtime);
        if (r >= 0 && c->has_idle)
                r = cg_writef(h, "cpu.idle", err, "%" PRId64, c->idle);
        return r < 0 ? tong_err_prefix(err, r, "linux.resources.cpu") : 0;
}

static int v1_cpuset(const cg_hier *h, const tong_cpu *c, tong_err **err)
{
        int r = 0;

        if (c->cpus && *c->cpus)
                r = cg_write(h, "cpuset.cpus", c->cpus, err);
        if (r >= 0 && c->mems && *c->mems)
                r = cg_write(h, "cpuset.mems", c->mems, err);
        return r < 0 ? tong_err_prefix(err, r, "linux.resources.cpu") : 0;
}

static int v1_pids(const cg_hier *h, const tong_pids *p, tong_err **err)
{
        int r;

        if (!p->has_limit)
                return 0;
        if (p->limit < 0)
                r = cg_write(h, "pids.max", "max", err);
        else
                r = cg_writef(h, "pids.max", err, "%" PRId64, p->limit);
        return r < 0 ? tong_err_prefix(err, r, "linux.resources.pids.limit") : 0;
}

/* The first of two knobs this kernel has (CFQ's or BFQ's), or an error naming both. */
static int pick_file(const cg_hier *h, const char *a, const char *b, const char *field,
                     const char **ret, tong_err **err)
{
        if (cg_has_file(h, a))
                *ret = a;
        else if (b && cg_has_file(h, b))
                *ret = b;
        else
                return tong_err_set(err, EOPNOTSUPP,
                                    "%s: %s%s/%s does not exist on this host (the disk's I/O "
                                    "scheduler has no weights)",
                                    field, h->mountpoint, h->path, a);
        return 0;
}

/* Write value to the first of files a, b this kernel has; errors name the field. */
static int write_weight(const cg_hier *h, const char *a, const char *b, const char *field,
                        const char *value, tong_err **err)
{
        const char *f = NULL;
        int r;

        r = pick_file(h, a, b, field, &f, err);
        if (r < 0)
                return r;
        r = cg_write(h, f, value, err);
        return r < 0 ? tong_err_prefix(err, r, "%s", field) : 0;
}

static int v1_blkio_weights(const cg_hier *h, const tong_blkio *b, tong_err **err)
{
        int r = 0;

        if (b->has_weight) {
                char v[16];

                snprintf(v, sizeof(v), "%u", b->weight);
                r = write_weight(h, "blkio.weight", "blkio.bfq.weight",
                                 "linux.resources.blockIO.weight", v, err);
        }
        if (r >= 0 && b->has_leaf_weight) {
                char v[16];

                snprintf(v, sizeof(v), "%u", b->leaf_weight);
                r = write_weight(h, "blkio.leaf_weight", NULL, "linux.resources.blockIO.leafWeight",
                                 v, err);
        }
        for (size_t i = 0; r >= 0 && i < b->n_weight_devices; i++) {
                const tong_blkio_weight_device *d = &b->weight_devices[i];
                _cleanup_free_ char *dev = cg_devnum(d->major, d->minor);
                _cleanup_free_ char *field =
                        xasprintf("linux.resources.blockIO.weightDevice[%zu]", i);

                if (d->has_weight) {
                        _cleanup_free_ char *v = xasprintf("%s %u", dev, d->weight);

                        r = write_weight(h, "blkio.weight_device", "blkio.bfq.weight_device", field,
                                         v, err);
                }
                if (r >= 0 && d->has_leaf_weight) {
                        _cleanup_free_ char *v = xasprintf("%s %u", dev, d->leaf_weight);

                        r = write_weight(h, "blkio.leaf_weight_device", NULL, field, v, err);
                }
        }
        return r;
}

static int v1_blkio(const cg_hier *h, const tong_blkio *b, tong_err **err)
{
        static const char *const files[_TONG_THROTTLE_MAX] = {
                [TONG_THROTTLE_READ_BPS] = "blkio.throttle.read_bps_device",
                [TONG_THROTTLE_WRITE_BPS] = "blkio.throttle.write_bps_device",
                [TONG_THROTTLE_READ_IOPS] = "blkio.throttle.read_iops_device",
                [TONG_THROTTLE_WRITE_IOPS] = "blkio.throttle.write_iops_device",
        };
        int r;

        r = v1_blkio_weights(h, b, err);
        if (r < 0)
                return r;
        for (int k = 0; k < _TONG_THROTTLE_MAX; k++) {
                for (size_t i = 0; i < b->n_throttle[k]; i++) {
                        const tong_blkio_throttle *t = &b->throttle[k][i];
                        _cleanup_free_ char *dev = cg_devnum(t->major, t->minor);

                        r = cg_writef(h, files[k], err, "%s %" PRIu64, dev, t->rate);
                        if (r < 0)
                                return tong_err_prefix(err, r, "linux.resources.blockIO");
                }
        }
        return 0;
}

static int v1_devices(const cg_hier *h, const tong_device_rule *rules, size_t n, tong_err **err)
{
        int r;

        /* Default deny, then the rules in order: later rules override earlier ones. */
        r = cg_write(h, "devices.deny", "a", err);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const tong_device_rule *d = &rules[i];
                const char *file = d->allow ? "devices.allow" : "devices.deny";

                if (d->type == 'a' && d->major < 0 && d->minor < 0 &&
                    (!*d->access || streq(d->access, "rwm")))
                        r = cg_write(h, file, "a", err);
                else {
                        _cleanup_free_ char *dev = cg_devnum(d->major, d->minor);

                        r = cg_writef(h, file, err, "%c %s %s", d->type, dev,
                                      *d->access ? d->access : "rwm");
                }
                if (r < 0)
                        return tong_err_prefix(err, r, "linux.resources.devices[%zu]", i);
        }
        return r < 0 ? tong_err_prefix(err, r, "linux.resources.devices") : 0;
}

static int v1_network(const cg_hier *h, const tong_resources *res, tong_err **err)
{
        int r;

        if ((h->owns & CG_BIT(CG_NET_CLS)) && res->has_class_id) {
                r = cg_writef(h, "net_cls.classid", err, "%" PRIu32, res->class_id);
                if (r < 0)
                        return tong_err_prefix(err, r, "linux.resources.network.classID");
        }
        if (!(h->owns & CG_BIT(CG_NET_PRIO)))
                return 0;
        for (size_t i = 0; i < res->n_net_priorities; i++) {
                const tong_net_priority *p = &res->net_priorities[i];

                if (!*p->name || strpbrk(p->name, " \n/"))
                        return tong_err_set(err, EINVAL,
                                            "linux.resources.network.priorities[%zu].name: "
                                            "invalid interface name \"%s\"",
                                            i, p->name);
                r = cg_writef(h, "net_prio.ifpriomap", err, "%s %" PRIu32, p->name, p->priority);
                if (r < 0)
                        return tong_err_prefix(err, r, "linux.resources.network.priorities");
        }
        return 0;
}

static int v1_apply(const cg_hier *h, const tong_resources *res, cg_apply_mode mode, tong_err **err)
{
        uint32_t o = h->owns;
        int r = 0;

        if ((o & CG_BIT(CG_MEMORY)) && res->has_memory)
                r = v1_memory(h, &res->memory, err);
        if (r >= 0 && (o & CG_BIT(CG_CPU)) && res->has_cpu)
                r = v1_cpu(h, &res->cpu, err);
        if (r >= 0 && (o & CG_BIT(CG_CPUSET)) && res->has_cpu)
                r = v1_cpuset(h, &res->cpu, err);
        if (r >= 0 && (o & CG_BIT(CG_PIDS)))
                r = v1_pids(h, &res->pids, err);
        if (r >= 0 && (o & CG_BIT(CG_BLKIO)) && res->has_blkio)
                r = v1_blkio(h, &res->blkio, err);
        if (r >= 0 && (o & CG_BIT(CG_HUGETLB)))
                r = cg_apply_hugetlb(h, res->hugepage_limits, res->n_hugepage_limits,
                                     "limit_in_bytes", err);
        if (r >= 0 && (o & CG_BIT(CG_DEVICES)) && (mode == CG_APPLY_CREATE || res->n_devices))
                r = v1_devices(h, res->devices, res->n_devices, err);
        if (r >= 0 && (o & (CG_BIT(CG_NET_CLS) | CG_BIT(CG_NET_PRIO))))
                r = v1_network(h, res, err);
        if (r >= 0 && (o & CG_BIT(CG_RDMA)))
                r = cg_apply_rdma(h, res->rdma, res->n_rdma, err);
        return r;
}

/* ---------------------------------------------------------------- create-time setup */

/* Take an ancestor's value, or give it to this level when this level's is empty. */
static int cpuset_inherit(const cg_hier *lvl, const char *file, char **val, tong_err **err)
{
        _cleanup_free_ char *c = NULL;
        int r;

        r = cg_read(lvl, file, &c, err);
        if (r < 0)
                return r;
        if (*c) {
                free(*val);
                *val = TAKE_PTR(c);
                return 0;
        }
        return *val ? cg_write(lvl, file, *val, err) : 0;
}

/*
 * A new v1 cpuset has empty cpuset.cpus/mems and no task can join it: copy them down from
 * the nearest ancestor, level by level from the hierarchy root.
 */
static int v1_cpuset_init(const cg_hier *h, tong_err **err)
{
        _cleanup_free_ char *cpus = NULL, *mems = NULL, *path = xstrdup(h->path);
        size_t len = strlen(path);
        cg_hier lvl = *h;
        int r = 0;

        lvl.dirfd = -1;
        lvl.path = path;
        for (size_t end = 0; r >= 0 && end <= len; end++) {
                char saved = path[end];

                if (end < len && saved != '/')
                        continue;
                path[end] = '\0';
                r = cg_hier_open(&lvl, err);
                if (r >= 0)
                        r = cpuset_inherit(&lvl, "cpuset.cpus", &cpus, err);
                if (r >= 0)
                        r = cpuset_inherit(&lvl, "cpuset.mems", &mems, err);
                path[end] = saved;
        }
        safe_close(lvl.dirfd);
        return r;
}

static int v1_prepare(const cg_hier *h, const tong_resources *res, tong_err **err)
{
        (void)res;
        if (h->owns & CG_BIT(CG_CPUSET))
                return v1_cpuset_init(h, err);
        return 0;
}

/* ---------------------------------------------------------------- freezer, fitness */

static int v1_is_frozen(const cg_hier *h)
{
        _cleanup_free_ char *s = NULL;
        int r;

        r = cg_read(h, "freezer.state", &s, NULL);
        if (r < 0)
                return r;
        return !streq(s, "THAWED");
}

static int v1_freeze(const cg_hier *h, bool frozen, tong_err **err)
{
        const char *want = frozen ? "FROZEN" : "THAWED";
        uint64_t deadline = cg_now_us() + FREEZE_TIMEOUT_US;
        unsigned delay = 100;
        int r;

        for (unsigned i = 0;; i++) {
                _cleanup_free_ char *s = NULL;

                /* A freeze can stall on a task in an uninterruptible sleep; thawing and
                 * freezing again now and then gets it going (runc does the same). */
                if (frozen && i > 0 && i % 50 == 0)
                        (void)cg_write(h, "freezer.state", "THAWED", NULL);
                if (i == 0 || (frozen && i % 50 == 0)) {
                        r = cg_write(h, "freezer.state", want, err);
                        if (r < 0)
                                return r;
                }
                r = cg_read(h, "freezer.state", &s, err);
                if (r < 0)
                        return r;
                if (streq(s, want))
                        return 0;
                if (cg_now_us() > deadline)
                        break;
                cg_sleep_us(delay);
                delay = MIN(delay * 2, 10000u);
        }
        if (frozen)
                (void)cg_write(h, "freezer.state", "THAWED", NULL);
        return tong_err_set(err, ETIMEDOUT, "%s%s/freezer.state did not reach %s in %u s",
                            h->mountpoint, h->path, want, FREEZE_TIMEOUT_US / 1000000);
}

static int v1_check_fit(const tong_cgroup *cg, const cg_hier *h, tong_err **err)
{
        int r;

        (void)cg;
        r = cg_hier_populated(h, err);
        if (r < 0)
                return r;
        if (r > 0)
                return tong_err_set(err, EBUSY,
                                    "cgroup %s%s already exists and has processes in it",
                                    h->mountpoint, h->path);
        if ((h->owns & CG_BIT(CG_FREEZER)) && v1_is_frozen(h) > 0)
                return tong_err_set(err, EBUSY, "cgroup %s%s already exists and is frozen",
                                    h->mountpoint, h->path);
        return 0;
}

static int v1_oom_kills(const cg_hier *h, uint64_t *ret)
{
        _cleanup_free_ char *s = NULL;

        if (!(h->owns & CG_BIT(CG_MEMORY)))
                return -ENOENT;
        if (cg_read(h, "memory.oom_control", &s, NULL) < 0)
                return -ENOENT;
        return cg_keyed_get(s, "oom_kill", ret);
}

const cg_driver cg_driver_v1 = {
        .name = "v1",
        .check_fit = v1_check_fit,
        .prepare = v1_prepare,
        .apply = v1_apply,
        .freeze = v1_freeze,
        .is_frozen = v1_is_frozen,
        .stats = cg_v1_stats,
        .oom_kills = v1_oom_kills,
};

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cgroup v2 driver.  OCI resources are v1-shaped, so several values are converted:
 * cpu shares -> cpu.weight, memory+swap -> swap alone, blkio weight -> io.weight.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/bpf-devices.h"
#include "cgroup/cgroup-internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "core/macro.h"
#include "tong/log.h"

#define FREEZE_TIMEOUT_US (5u * 1000000u)

/* libm-free ln and exp (the library links no libm); accurate to ~1e-15 on this range. */
#define CG_LN2 0.6931471805599453
#define CG_LN10 2.302585092994046

static double cg_ln(double x)
{
        double z, z2, term, sum = 0;
        int k = 0;

        while (x >= 2) {
                x /= 2;
                k++;
        }
        z = (x - 1) / (x + 1); /* ln x = 2 atanh z, |z| <= 1/3 */
        z2 = z * z;
        term = z;
        for (int i = 1; i < 60; i += 2) {
                sum += term / i;
                term *= z2;
        }
        return 2 * sum + k * CG_LN2;
}

static double cg_exp(double y)
{
        int n = (int)(y / CG_LN2);
        double r = y - n * CG_LN2, sum = 1, term = 1;

        for (int i = 1; i < 30; i++) {
                term *= r / i;
                sum += term;
        }
        for (; n > 0; n--)
                sum *= 2;
        return sum;
}

/*
 * cpu.shares [2, 262144] -> cpu.weight [1, 10000].  The quadratic-in-log2 mapping crun
 * adopted in 1.23 and runc in 1.3.2 (opencontainers/cgroups ConvertCPUSharesToCgroupV2Value):
 * it keeps the default 1024 -> 100 and both ends, where the old linear formula gave
 * 1024 -> 39 and so demoted every container with default shares below host services.
 *   weight = ceil(10 ^ ((l^2 + 125 l) / 612 - 7/34)), l = log2(shares)
 * Values within 1e-9 of an integer count as that integer (1024 gives exactly 100); the
 * unit test checks every input against libm's result.
 */
uint64_t cg_cpu_shares_to_weight(uint64_t shares)
{
        double l, e, v;
        uint64_t w;

        if (shares == 0)
                return 0;
        if (shares <= 2)
                return 1;
        if (shares >= 262144)
                return 10000;
        l = cg_ln((double)shares) / CG_LN2;
        e = (l * l + 125.0 * l) / 612.0 - 7.0 / 34.0;
        v = cg_exp(e * CG_LN10);
        w = (uint64_t)v;
        return v - (double)w > 1e-9 ? w + 1 : w;
}

/* blkio weight [10, 1000] -> io.weight [1, 10000], linearly (runc, crun). */
uint64_t cg_blkio_weight_to_io(uint64_t w)
{
        if (w == 0)
                return 0;
        if (w < 10)
                w = 10;
        return 1 + (w - 10) * 9999 / 990;
}

/*
 * OCI memory.swap is memory+swap (v1 memsw); memory.swap.max is swap alone.  Mirrors runc's
 * ConvertMemorySwapToCgroupV2Value, where 0 means "unset".  *ret: -1 max, >= 0 bytes;
 * returns 0 when nothing is to be written.
 */
int cg_memory_swap_v2(int64_t swap, int64_t limit, int64_t *ret, tong_err **err)
{
        if (limit == -1 && swap == 0) {
                /* Unlimited memory and no swap given: unlimited swap too, as on v1. */
                *ret = -1;
                return 1;
        }
        if (swap == 0)
                return 0;
        if (swap < 0 || limit < 0) {
                *ret = swap < 0 ? -1 : swap;
                return 1;
        }
        if (limit == 0)
                return tong_err_set(err, EINVAL,
                                    "linux.resources.memory.swap: cannot be set without a "
                                    "memory limit on cgroup v2");
        if (swap < limit)
                return tong_err_set(err, EINVAL,
                                    "linux.resources.memory.swap: %" PRId64
                                    " is below the memory limit %" PRId64,
                                    swap, limit);
        *ret = swap - limit;
        return 1;
}

/* ---------------------------------------------------------------- controller enabling */

static uint32_t unified_mask(const cg_hier *h, const tong_resources *res)
{
        uint32_t mask = 0;

        for (size_t i = 0; i < res->n_unified; i++) {
                const char *k = res->unified[i].key, *dot = strchr(k, '.');
                _cleanup_free_ char *pre = dot ? xstrndup(k, (size_t)(dot - k)) : NULL;
                int c = pre ? cg_ctrl_from_name(pre, 2) : -1;

                if (c >= 0)
                        mask |= CG_BIT(c);
        }
        return mask & h->owns;
}

static int enable_at(const cg_hier *lvl, uint32_t need, uint32_t want, tong_err **err)
{
        _cleanup_free_ char *cur = NULL, *all = NULL;
        uint32_t missing = 0;
        int r;

        r = cg_read(lvl, "cgroup.subtree_control", &cur, err);
        if (r < 0)
                return r;
        for (int c = 0; c < _CG_CTRL_MAX; c++) {
                const char *n = cg_ctrl_name_v2(c);
                _cleanup_free_ char *word = n ? xasprintf(" %s ", n) : NULL;
                _cleanup_free_ char *line = xasprintf(" %s ", cur);

                if (!n || !((need | want) & CG_BIT(c)) || strstr(line, word))
                        continue;
                missing |= CG_BIT(c);
                char *o = all;
                all = xasprintf("%s%s+%s", o ? o : "", o ? " " : "", n);
                free(o);
        }
        if (!missing || cg_write(lvl, "cgroup.subtree_control", all, NULL) >= 0)
                return 0;
        /* One at a time: a controller that cannot be enabled must not block the others. */
        for (int c = 0; c < _CG_CTRL_MAX; c++) {
                if (!(missing & CG_BIT(c)))
                        continue;
                r = cg_writef(lvl, "cgroup.subtree_control", (need & CG_BIT(c)) ? err : NULL, "+%s",
                              cg_ctrl_name_v2(c));
                if (r < 0 && (need & CG_BIT(c)))
                        return tong_err_prefix(err, r, "enable the %s controller",
                                               cg_ctrl_name_v2(c));
        }
        return 0;
}

/* Enable controllers in every ancestor's cgroup.subtree_control, from the root down. */
static int v2_prepare(const cg_hier *h, const tong_resources *res, tong_err **err)
{
        uint32_t need = (cg_res_mask(res) & h->owns) | unified_mask(h, res);
        uint32_t want =
                h->owns & (CG_BIT(CG_CPU) | CG_BIT(CG_MEMORY) | CG_BIT(CG_BLKIO) | CG_BIT(CG_PIDS));
        _cleanup_free_ char *path = xstrdup(h->path);
        char *last = strrchr(path, '/');
        cg_hier lvl = *h;
        int r = 0;

        if (!(need | want))
                return 0;
        lvl.dirfd = -1;
        lvl.path = path;
        for (char *p = path; r >= 0 && p && p <= last; p = strchr(p + 1, '/')) {
                char saved = *p;

                *p = '\0';
                r = cg_hier_open(&lvl, err);
                if (r >= 0)
                        r = enable_at(&lvl, need, want, err);
                *p = saved;
        }
        safe_close(lvl.dirfd);
        return r;
}

/* ---------------------------------------------------------------- resources */

static int v2_memory_limit(const cg_hier *h, const tong_memory *m, tong_err **err)
{
        int64_t swap = 0;
        int r;

        if (m->has_limit) {
                uint64_t cur = 0;

                if (m->has_check_before_update && m->check_before_update && m->limit >= 0 &&
                    cg_read_u64(h, "memory.current", &cur, NULL) >= 0 && (uint64_t)m->limit < cur)
                        return tong_err_set(err, EBUSY,
                                            "limit: %" PRId64 " is below the current usage %" PRIu64
                                            " (checkBeforeUpdate)",
                                            m->limit, cur);
                r = cg_write_limit(h, "memory.max", m->limit, err);
                if (r < 0)
                        return r;
        }
        r = cg_memory_swap_v2(m->has_swap ? m->swap : 0, m->has_limit ? m->limit : 0, &swap, err);
        if (r <= 0)
                return r;
        if (!cg_has_file(h, "memory.swap.max")) {
                /* No swap accounting: as runc, "max" and "0" need no knob. */
                if (swap <= 0)
                        return 0;
                return tong_err_set(err, EOPNOTSUPP,
                                    "swap: %s%s/memory.swap.max does not exist (no swap "
                                    "accounting on this kernel)",
                                    h->mountpoint, h->path);
        }
        return cg_write_limit(h, "memory.swap.max", swap, err);
}

static int v2_memory(const cg_hier *h, const tong_memory *m, tong_err **err)
{
        int r;

        r = v2_memory_limit(h, m, err);
        if (r >= 0 && m->has_reservation)
                r = cg_write_limit(h, "memory.low", m->reservation, err);
        if (r < 0)
                return tong_err_prefix(err, r, "linux.resources.memory");
        if (m->has_kernel || m->has_kernel_tcp)
                tong_warn("linux.resources.memory.kernel/kernelTCP are ignored: cgroup v2 "
                          "has no separate kernel memory limit");
        if (m->has_swappiness)
                tong_warn("linux.resources.memory.swappiness is ignored: cgroup v2 has no "
                          "per-cgroup swappiness");
        if (m->has_disable_oom_killer && m->disable_oom_killer)
                tong_warn("linux.resources.memory.disableOOMKiller is ignored: cgroup v2 "
                          "cannot disable the OOM killer");
        if (m->has_use_hierarchy && !m->use_hierarchy)
                tong_warn("linux.resources.memory.useHierarchy=false is ignored: cgroup v2 is "
                          "always hierarchical");
        return 0;
}

static int v2_cpu_max(const cg_hier *h, const tong_cpu *c, tong_err **err)
{
        bool quota = c->has_quota && c->quota != 0, period = c->has_period && c->period != 0;
        _cleanup_free_ char *q = NULL, *cur = NULL;
        int r;

        if (quota)
                q = c->quota < 0 ? xstrdup("max") : xasprintf("%" PRId64, c->quota);
        else if (period) {
                /* Only the period changes: keep the quota that is there. */
                r = cg_read(h, "cpu.max", &cur, err);
                if (r < 0)
                        return r;
                q = xstrndup(cur, strcspn(cur, " "));
        }
        if (period)
                r = cg_writef(h, "cpu.max", err, "%s %" PRIu64, q, c->period);
        else if (quota)
                r = cg_write(h, "cpu.max", q, err);
        else
                r = 0;
        if (r >= 0 && c->has_burst)
                r = cg_writef(h, "cpu.max.burst", err, "%" PRIu64, c->burst);
        return r;
}

static int v2_cpu(const cg_hier *h, const tong_cpu *c, tong_err **err)
{
        int r = 0;

        if ((c->has_realtime_runtime && c->realtime_runtime != 0) ||
            (c->has_realtime_period && c->realtime_period != 0))
                return tong_err_set(err, EOPNOTSUPP,
                                    "linux.resources.cpu.realtimeRuntime/realtimePeriod: "
                                    "real-time bandwidth is not supported on cgroup v2");
        /* A group that is idle refuses a weight; leaving idle goes first. */
        if (c->has_idle && c->idle == 0)
                r = cg_write(h, "cpu.idle", "0", err);
        if (r >= 0 && c->has_shares && c->shares != 0)
                r = cg_writef(h, "cpu.weight", err, "%" PRIu64, cg_cpu_shares_to_weight(c->shares));
        if (r >= 0)
                r = v2_cpu_max(h, c, err);
        if (r >= 0 && c->has_idle && c->idle != 0)
                r = cg_writef(h, "cpu.idle", err, "%" PRId64, c->idle);
        return r < 0 ? tong_err_prefix(err, r, "linux.resources.cpu") : 0;
}

static int v2_cpuset(const cg_hier *h, const tong_cpu *c, tong_err **err)
{
        int r = 0;

        if (c->cpus && *c->cpus)
                r = cg_write(h, "cpuset.cpus", c->cpus, err);
        if (r >= 0 && c->mems && *c->mems)
                r = cg_write(h, "cpuset.mems", c->mems, err);
        return r < 0 ? tong_err_prefix(err, r, "linux.resources.cpu") : 0;
}

static int v2_pids(const cg_hier *h, const tong_pids *p, tong_err **err)
{
        int r;

        if (!p->has_limit)
                return 0;
        r = cg_write_limit(h, "pids.max", p->limit < 0 ? -1 : p->limit, err);
        return r < 0 ? tong_err_prefix(err, r, "linux.resources.pids.limit") : 0;
}

/* io.bfq.weight takes blkio's scale; io.weight (cost model) its own. */
static int io_weight(const cg_hier *h, const char *dev, uint16_t w, const char *field,
                     tong_err **err)
{
        const char *sep = dev ? " " : "";
        int r;

        if (!dev)
                dev = "";
        if (cg_has_file(h, "io.bfq.weight"))
                r = cg_writef(h, "io.bfq.weight", err, "%s%s%u", dev, sep, w);
        else if (cg_has_file(h, "io.weight"))
                r = cg_writef(h, "io.weight", err, "%s%s%" PRIu64, dev, sep,
                              cg_blkio_weight_to_io(w));
        else
                r = -ENOENT;
        if (r != -ENOENT)
                return r < 0 ? tong_err_prefix(err, r, "%s", field) : 0;
        return tong_err_set(err, EOPNOTSUPP,
                            "%s: neither %s%s/io.bfq.weight nor io.weight exists on this host "
                            "(the disk's I/O scheduler has no weights)",
                            field, h->mountpoint, h->path);
}

static int v2_io(const cg_hier *h, const tong_blkio *b, tong_err **err)
{
        static const char *const keys[_TONG_THROTTLE_MAX] = {
                [TONG_THROTTLE_READ_BPS] = "rbps",
                [TONG_THROTTLE_WRITE_BPS] = "wbps",
                [TONG_THROTTLE_READ_IOPS] = "riops",
                [TONG_THROTTLE_WRITE_IOPS] = "wiops",
        };
        int r;

        if (b->has_weight) {
                r = io_weight(h, NULL, b->weight, "linux.resources.blockIO.weight", err);
                if (r < 0)
                        return r;
        }
        if (b->has_leaf_weight)
                tong_warn("linux.resources.blockIO.leafWeight is ignored: cgroup v2 has no "
                          "leaf weights");
        for (size_t i = 0; i < b->n_weight_devices; i++) {
                const tong_blkio_weight_device *d = &b->weight_devices[i];
                _cleanup_free_ char *dev = cg_devnum(d->major, d->minor);

                if (!d->has_weight)
                        continue;
                r = io_weight(h, dev, d->weight, "linux.resources.blockIO.weightDevice", err);
                if (r < 0)
                        return r;
        }
        for (int k = 0; k < _TONG_THROTTLE_MAX; k++) {
                for (size_t i = 0; i < b->n_throttle[k]; i++) {
                        const tong_blkio_throttle *t = &b->throttle[k][i];
                        _cleanup_free_ char *dev = cg_devnum(t->major, t->minor);

                        /* 0 lifts the limit, as writing 0 does on v1. */
                        if (t->rate == 0)
                                r = cg_writef(h, "io.max", err, "%s %s=max", dev, keys[k]);
                        else
                                r = cg_writef(h, "io.max", err, "%s %s=%" PRIu64, dev, keys[k],
                                              t->rate);
                        if (r < 0)
                                return tong_err_prefix(err, r, "linux.resources.blockIO");
                }
        }
        return 0;
}

static int v2_unified(const cg_hier *h, const tong_kv *kv, size_t n, tong_err **err)
{
        for (size_t i = 0; i < n; i++) {
                const char *k = kv[i].key, *dot = strchr(k, '.');
                _cleanup_free_ char *pre = dot ? xstrndup(k, (size_t)(dot - k)) : NULL;
                int c = pre ? cg_ctrl_from_name(pre, 2) : -1;
                int r;

                if (!pre || !*pre || strchr(k, '/') || !dot[1])
                        return tong_err_set(err, EINVAL,
                                            "linux.resources.unified: invalid key \"%s\"", k);
                if (c >= 0 && !(h->owns & CG_BIT(c)))
                        return tong_err_set(err, EOPNOTSUPP,
                                            "linux.resources.unified[\"%s\"]: the %s controller "
                                            "%s",
                                            k, pre,
                                            (h->on_v1 & CG_BIT(c))
                                                    ? "is on cgroup v1 on this host"
                                                    : "is not available in cgroup v2 here");
                r = cg_write(h, k, kv[i].value, err);
                if (r == -ENOENT)
                        return tong_err_prefix(err, r,
                                               "linux.resources.unified[\"%s\"]: no such file "
                                               "in cgroup v2",
                                               k);
                if (r < 0)
                        return tong_err_prefix(err, r, "linux.resources.unified[\"%s\"]", k);
        }
        return 0;
}

static int v2_apply(const cg_hier *h, const tong_resources *res, cg_apply_mode mode, tong_err **err)
{
        uint32_t o = h->owns;
        int r = 0;

        if ((o & CG_BIT(CG_MEMORY)) && res->has_memory)
                r = v2_memory(h, &res->memory, err);
        if (r >= 0 && (o & CG_BIT(CG_CPU)) && res->has_cpu)
                r = v2_cpu(h, &res->cpu, err);
        if (r >= 0 && (o & CG_BIT(CG_CPUSET)) && res->has_cpu)
                r = v2_cpuset(h, &res->cpu, err);
        if (r >= 0 && (o & CG_BIT(CG_PIDS)))
                r = v2_pids(h, &res->pids, err);
        if (r >= 0 && (o & CG_BIT(CG_BLKIO)) && res->has_blkio)
                r = v2_io(h, &res->blkio, err);
        if (r >= 0 && (o & CG_BIT(CG_HUGETLB)))
                r = cg_apply_hugetlb(h, res->hugepage_limits, res->n_hugepage_limits, "max", err);
        if (r >= 0 && (o & CG_BIT(CG_DEVICES)) && (mode == CG_APPLY_CREATE || res->n_devices)) {
                r = tong_bpf_devices_apply(h->dirfd, res->devices, res->n_devices, err);
                if (r < 0)
                        r = tong_err_prefix(err, r, "linux.resources.devices");
        }
        if (r >= 0 && (o & CG_BIT(CG_RDMA)))
                r = cg_apply_rdma(h, res->rdma, res->n_rdma, err);
        /* Last, so that a raw key overrides the typed field it shadows. */
        if (r >= 0)
                r = v2_unified(h, res->unified, res->n_unified, err);
        return r;
}

/* ---------------------------------------------------------------- freezer, fitness */

static int frozen_state(int fd, int *ret)
{
        char buf[512];
        uint64_t v;
        ssize_t k = pread(fd, buf, sizeof(buf) - 1, 0);

        if (k < 0)
                return -errno;
        buf[k] = '\0';
        if (cg_keyed_get(buf, "frozen", &v) < 0)
                return -EIO;
        *ret = v != 0;
        return 0;
}

static int v2_freeze(const cg_hier *h, bool frozen, tong_err **err)
{
        _cleanup_close_ int fd = -1;
        uint64_t deadline = cg_now_us() + FREEZE_TIMEOUT_US;
        int r, state = -1;

        if (h->dirfd < 0)
                return cg_write(h, "cgroup.freeze", frozen ? "1" : "0", err);
        fd = openat(h->dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return tong_err_sys(err, errno, "open %s%s/cgroup.events", h->mountpoint, h->path);
        r = cg_write(h, "cgroup.freeze", frozen ? "1" : "0", err);
        if (r < 0)
                return r;
        /* cgroup.events changes (POLLPRI) when the last task has stopped or resumed. */
        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLPRI };
                uint64_t now = cg_now_us();

                r = frozen_state(fd, &state);
                if (r < 0)
                        return tong_err_sys(err, -r, "read %s%s/cgroup.events", h->mountpoint,
                                            h->path);
                if (state == frozen)
                        return 0;
                if (now > deadline)
                        break;
                (void)poll(&p, 1, (int)MIN((deadline - now) / 1000 + 1, 100u));
        }
        if (frozen)
                (void)cg_write(h, "cgroup.freeze", "0", NULL);
        return tong_err_set(err, ETIMEDOUT, "%s%s did not become %s in %u s", h->mountpoint,
                            h->path, frozen ? "frozen" : "thawed", FREEZE_TIMEOUT_US / 1000000);
}

static int v2_is_frozen(const cg_hier *h)
{
        _cleanup_free_ char *s = NULL;
        int r;

        r = cg_read(h, "cgroup.freeze", &s, NULL);
        if (r < 0)
                return r;
        return streq(s, "1");
}

static int v2_check_fit(const tong_cgroup *cg, const cg_hier *h, tong_err **err)
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
        if (v2_is_frozen(h) > 0)
                return tong_err_set(err, EBUSY, "cgroup %s%s already exists and is frozen",
                                    h->mountpoint, h->path);
        return 0;
}

static int v2_oom_kills(const cg_hier *h, uint64_t *ret)
{
        _cleanup_free_ char *s = NULL;

        if (!(h->owns & CG_BIT(CG_MEMORY)))
                return -ENOENT;
        if (cg_read(h, "memory.events", &s, NULL) < 0)
                return -ENOENT;
        return cg_keyed_get(s, "oom_kill", ret);
}

const cg_driver cg_driver_v2 = {
        .name = "v2",
        .check_fit = v2_check_fit,
        .prepare = v2_prepare,
        .apply = v2_apply,
        .freeze = v2_freeze,
        .is_frozen = v2_is_frozen,
        .stats = cg_v2_stats,
        .oom_kills = v2_oom_kills,
};

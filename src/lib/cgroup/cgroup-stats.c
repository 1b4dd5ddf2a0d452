/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Statistics for `events --stats`, in the shape of runc's types.Stats.  Best effort, as in
 * runc: a file this kernel lacks leaves its value 0.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup/cgroup-internal.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/macro.h"
#include "core/parse-util.h"

static uint64_t get_u64(const cg_hier *h, const char *file)
{
        uint64_t v = 0;

        if (cg_read_u64(h, file, &v, NULL) < 0)
                return 0;
        return v;
}

/* A limit file: "max" reads as UINT64_MAX; v1's page-rounded "unlimited" stays as it is,
 * the number runc reports. */
static uint64_t get_limit(const cg_hier *h, const char *file)
{
        uint64_t v = 0;

        if (cg_read_u64(h, file, &v, NULL) < 0)
                return 0;
        return v;
}

static uint64_t get_keyed(const cg_hier *h, const char *file, const char *key)
{
        _cleanup_free_ char *s = NULL;
        uint64_t v = 0;

        if (cg_read(h, file, &s, NULL) < 0 || cg_keyed_get(s, key, &v) < 0)
                return 0;
        return v;
}

/* "1 2 3" -> array */
static size_t get_list(const cg_hier *h, const char *file, uint64_t **ret)
{
        _cleanup_free_ char *s = NULL;
        uint64_t *out = NULL;
        size_t n = 0;

        if (cg_read(h, file, &s, NULL) < 0)
                return 0;
        for (char *save = NULL, *w = strtok_r(s, " \n", &save); w;
             w = strtok_r(NULL, " \n", &save)) {
                uint64_t v;

                if (parse_u64(w, &v) < 0)
                        continue;
                *(uint64_t *)xappend(&out, &n, sizeof(uint64_t)) = v;
        }
        free(*ret);
        *ret = out;
        return n;
}

/* "0-3,8" -> 0 1 2 3 8; stops at a malformed part or at 65536 entries. */
static size_t get_cpu_list(const cg_hier *h, const char *file, uint16_t **ret)
{
        _cleanup_free_ char *s = NULL;
        uint16_t *out = NULL;
        size_t n = 0;

        if (cg_read(h, file, &s, NULL) < 0)
                return 0;
        for (char *save = NULL, *w = strtok_r(s, ",\n", &save); w;
             w = strtok_r(NULL, ",\n", &save)) {
                char *dash = strchr(w, '-');
                uint32_t a, b;

                if (dash)
                        *dash = '\0';
                if (parse_u32(w, &a) < 0 || (dash && parse_u32(dash + 1, &b) < 0))
                        break;
                if (!dash)
                        b = a;
                if (a > b || b > UINT16_MAX)
                        break;
                for (uint32_t i = a; i <= b && n <= UINT16_MAX; i++)
                        *(uint16_t *)xappend(&out, &n, sizeof(uint16_t)) = (uint16_t)i;
        }
        free(*ret);
        *ret = out;
        return n;
}

static void get_cpuset_v1(const cg_hier *h, tong_cgroup_stats *st)
{
        _cleanup_free_ char *s = NULL;

        st->cpuset.n_cpus = get_cpu_list(h, "cpuset.cpus", &st->cpuset.cpus);
        st->cpuset.n_mems = get_cpu_list(h, "cpuset.mems", &st->cpuset.mems);
        st->cpuset.cpu_exclusive = get_u64(h, "cpuset.cpu_exclusive");
        st->cpuset.mem_hardwall = get_u64(h, "cpuset.mem_hardwall");
        st->cpuset.mem_exclusive = get_u64(h, "cpuset.mem_exclusive");
        st->cpuset.memory_migrate = get_u64(h, "cpuset.memory_migrate");
        st->cpuset.memory_spread_page = get_u64(h, "cpuset.memory_spread_page");
        st->cpuset.memory_spread_slab = get_u64(h, "cpuset.memory_spread_slab");
        st->cpuset.memory_pressure = get_u64(h, "cpuset.memory_pressure");
        st->cpuset.sched_load_balance = get_u64(h, "cpuset.sched_load_balance");
        /* -1 is the usual value: not a u64. */
        if (cg_read(h, "cpuset.sched_relax_domain_level", &s, NULL) >= 0)
                (void)parse_i64(s, &st->cpuset.sched_relax_domain_level);
}

static void get_memory_stat(const cg_hier *h, tong_cgroup_stats *st)
{
        _cleanup_free_ char *s = NULL;
        size_t n = 0;

        if (cg_read(h, "memory.stat", &s, NULL) < 0)
                return;
        for (char *save = NULL, *line = strtok_r(s, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
                char *sp = strchr(line, ' ');
                uint64_t v;

                if (!sp || parse_u64(sp + 1, &v) < 0)
                        continue;
                *sp = '\0';
                st->memory.stat_keys = xrealloc(st->memory.stat_keys, (n + 1) * sizeof(char *));
                st->memory.stat_keys[n] = xstrdup(line);
                *(uint64_t *)xappend(&st->memory.stat_values, &n, sizeof(uint64_t)) = v;
        }
        st->memory.n_stat = n;
}

static uint64_t stat_value(const tong_cgroup_stats *st, const char *key)
{
        for (size_t i = 0; i < st->memory.n_stat; i++)
                if (streq(st->memory.stat_keys[i], key))
                        return st->memory.stat_values[i];
        return 0;
}

/* "hugepages-2048kB" -> "2MB", the names in hugetlb.<size>.* files. */
static size_t page_sizes(char (**ret)[16])
{
        _cleanup_closedir_ DIR *d = opendir("/sys/kernel/mm/hugepages");
        char(*out)[16] = NULL;
        struct dirent *de;
        size_t n = 0;

        while (d && (de = readdir(d))) {
                unsigned long kb;

                if (sscanf(de->d_name, "hugepages-%lukB", &kb) != 1)
                        continue;
                out = xrealloc(out, (n + 1) * sizeof(*out));
                if (kb >= (1ul << 20))
                        snprintf(out[n], sizeof(out[n]), "%uGB", (unsigned)(kb >> 20));
                else if (kb >= (1ul << 10))
                        snprintf(out[n], sizeof(out[n]), "%uMB", (unsigned)(kb >> 10));
                else
                        snprintf(out[n], sizeof(out[n]), "%uKB", (unsigned)kb);
                n++;
        }
        *ret = out;
        return n;
}

static void get_hugetlb(const cg_hier *h, tong_cgroup_stats *st)
{
        _cleanup_free_ char(*ps)[16] = NULL;
        size_t n = page_sizes(&ps);

        st->hugetlb = xcalloc(n ? n : 1, sizeof(*st->hugetlb));
        st->n_hugetlb = n;
        for (size_t i = 0; i < n; i++) {
                tong_cgroup_hugetlb_stat *e = &st->hugetlb[i];
                char f[64];

                memcpy(e->page_size, ps[i], sizeof(e->page_size));
                if (h->version == 1) {
                        snprintf(f, sizeof(f), "hugetlb.%s.usage_in_bytes", ps[i]);
                        e->usage = get_u64(h, f);
                        snprintf(f, sizeof(f), "hugetlb.%s.max_usage_in_bytes", ps[i]);
                        e->max = get_u64(h, f);
                        snprintf(f, sizeof(f), "hugetlb.%s.failcnt", ps[i]);
                        e->failcnt = get_u64(h, f);
                } else {
                        snprintf(f, sizeof(f), "hugetlb.%s.current", ps[i]);
                        e->usage = get_u64(h, f);
                        snprintf(f, sizeof(f), "hugetlb.%s.events", ps[i]);
                        e->failcnt = get_keyed(h, f, "max");
                }
        }
}

static void blkio_push(tong_cgroup_blkio_entry **arr, size_t *n, uint64_t major, uint64_t minor,
                       const char *op, uint64_t v)
{
        tong_cgroup_blkio_entry *e = xappend(arr, n, sizeof(**arr));

        e->major = major;
        e->minor = minor;
        snprintf(e->op, sizeof(e->op), "%s", op);
        e->value = v;
}

/* v1 "8:0 Read 4096" lines; the trailing "Total N" summary has no device. */
static void get_blkio_v1_file(const cg_hier *h, const char *file, tong_cgroup_blkio_entry **arr,
                              size_t *n)
{
        _cleanup_free_ char *s = NULL;

        if (cg_read(h, file, &s, NULL) < 0)
                return;
        for (char *save = NULL, *line = strtok_r(s, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
                unsigned long long ma, mi, v;
                char op[16];

                if (sscanf(line, "%llu:%llu %15s %llu", &ma, &mi, op, &v) == 4)
                        blkio_push(arr, n, ma, mi, op, v);
        }
}

static void get_blkio_v1(const cg_hier *h, tong_cgroup_stats *st)
{
        /* The scheduler's own counters when it keeps them (CFQ, BFQ), else throttling's. */
        static const char *const pre[] = { "blkio.", "blkio.bfq.", "blkio.throttle." };

        for (size_t i = 0; i < ELEMENTSOF(pre) && !st->blkio.n_service_bytes; i++) {
                char f1[64], f2[64];

                snprintf(f1, sizeof(f1), "%sio_service_bytes_recursive", pre[i]);
                snprintf(f2, sizeof(f2), "%sio_serviced_recursive", pre[i]);
                get_blkio_v1_file(h, f1, &st->blkio.service_bytes, &st->blkio.n_service_bytes);
                get_blkio_v1_file(h, f2, &st->blkio.serviced, &st->blkio.n_serviced);
        }
}

/* v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0" */
static void get_io_v2(const cg_hier *h, tong_cgroup_stats *st)
{
        static const struct {
                const char *key, *op;
                bool bytes;
        } map[] = {
                { "rbytes", "Read", true },    { "wbytes", "Write", true },
                { "dbytes", "Discard", true }, { "rios", "Read", false },
                { "wios", "Write", false },    { "dios", "Discard", false },
        };
        _cleanup_free_ char *s = NULL;

        if (cg_read(h, "io.stat", &s, NULL) < 0)
                return;
        for (char *save = NULL, *line = strtok_r(s, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
                unsigned long long ma, mi;
                int off = 0;

                if (sscanf(line, "%llu:%llu%n", &ma, &mi, &off) != 2)
                        continue;
                for (char *s2 = NULL, *kv = strtok_r(line + off, " ", &s2); kv;
                     kv = strtok_r(NULL, " ", &s2)) {
                        char *eq = strchr(kv, '=');
                        uint64_t v;

                        if (!eq || parse_u64(eq + 1, &v) < 0)
                                continue;
                        *eq = '\0';
                        for (size_t i = 0; i < ELEMENTSOF(map); i++) {
                                if (!streq(kv, map[i].key))
                                        continue;
                                if (map[i].bytes)
                                        blkio_push(&st->blkio.service_bytes,
                                                   &st->blkio.n_service_bytes, ma, mi, map[i].op,
                                                   v);
                                else
                                        blkio_push(&st->blkio.serviced, &st->blkio.n_serviced, ma,
                                                   mi, map[i].op, v);
                        }
                }
        }
}

static void mem_entry_v1(const cg_hier *h, const char *pre, tong_cgroup_mem_entry *e)
{
        char f[64];

        snprintf(f, sizeof(f), "%s.usage_in_bytes", pre);
        e->usage = get_u64(h, f);
        snprintf(f, sizeof(f), "%s.max_usage_in_bytes", pre);
        e->max = get_u64(h, f);
        snprintf(f, sizeof(f), "%s.failcnt", pre);
        e->failcnt = get_u64(h, f);
        snprintf(f, sizeof(f), "%s.limit_in_bytes", pre);
        e->limit = get_limit(h, f);
}

static void get_cpuacct_v1(const cg_hier *h, tong_cgroup_stats *st)
{
        long hz = sysconf(_SC_CLK_TCK);

        st->cpu.total = get_u64(h, "cpuacct.usage");
        st->cpu.n_percpu = get_list(h, "cpuacct.usage_percpu", &st->cpu.percpu);
        (void)get_list(h, "cpuacct.usage_percpu_user", &st->cpu.percpu_user);
        (void)get_list(h, "cpuacct.usage_percpu_sys", &st->cpu.percpu_kernel);
        if (hz <= 0)
                hz = 100;
        /* cpuacct.stat counts USER_HZ ticks. */
        st->cpu.user = get_keyed(h, "cpuacct.stat", "user") * (1000000000u / (uint64_t)hz);
        st->cpu.kernel = get_keyed(h, "cpuacct.stat", "system") * (1000000000u / (uint64_t)hz);
}

int cg_v1_stats(const cg_hier *h, tong_cgroup_stats *st, tong_err **err)
{
        (void)err;
        if (h->owns & CG_BIT(CG_CPUACCT))
                get_cpuacct_v1(h, st);
        if (h->owns & CG_BIT(CG_CPU)) {
                st->cpu.periods = get_keyed(h, "cpu.stat", "nr_periods");
                st->cpu.throttled_periods = get_keyed(h, "cpu.stat", "nr_throttled");
                st->cpu.throttled_time = get_keyed(h, "cpu.stat", "throttled_time");
        }
        if (h->owns & CG_BIT(CG_MEMORY)) {
                get_memory_stat(h, st);
                st->memory.cache = stat_value(st, "total_cache");
                mem_entry_v1(h, "memory", &st->memory.usage);
                mem_entry_v1(h, "memory.memsw", &st->memory.swap);
                mem_entry_v1(h, "memory.kmem", &st->memory.kernel);
                mem_entry_v1(h, "memory.kmem.tcp", &st->memory.kernel_tcp);
        }
        if (h->owns & CG_BIT(CG_PIDS)) {
                st->pids.current = get_u64(h, "pids.current");
                st->pids.limit = get_limit(h, "pids.max");
                if (st->pids.limit == UINT64_MAX)
                        st->pids.limit = 0;
        }
        if (h->owns & CG_BIT(CG_CPUSET))
                get_cpuset_v1(h, st);
        if (h->owns & CG_BIT(CG_BLKIO))
                get_blkio_v1(h, st);
        if (h->owns & CG_BIT(CG_HUGETLB))
                get_hugetlb(h, st);
        return 0;
}

static void get_memory_v2(const cg_hier *h, tong_cgroup_stats *st)
{
        tong_cgroup_mem_entry *u = &st->memory.usage, *s = &st->memory.swap;

        get_memory_stat(h, st);
        st->memory.cache = stat_value(st, "file");
        u->usage = get_u64(h, "memory.current");
        u->max = get_u64(h, "memory.peak");
        u->failcnt = get_keyed(h, "memory.events", "max");
        u->limit = get_limit(h, "memory.max");
        /* v1 reports memory+swap; keep that meaning (runc does the same). */
        s->usage = get_u64(h, "memory.swap.current") + u->usage;
        s->max = get_u64(h, "memory.swap.peak");
        s->failcnt = get_keyed(h, "memory.swap.events", "fail");
        s->limit = get_limit(h, "memory.swap.max");
        if (s->limit != UINT64_MAX && u->limit != UINT64_MAX)
                s->limit += u->limit;
        st->memory.kernel.usage = stat_value(st, "kernel");
}

int cg_v2_stats(const cg_hier *h, tong_cgroup_stats *st, tong_err **err)
{
        (void)err;
        if (h->owns & (CG_BIT(CG_CPU) | CG_BIT(CG_CPUACCT))) {
                st->cpu.total = get_keyed(h, "cpu.stat", "usage_usec") * 1000;
                st->cpu.user = get_keyed(h, "cpu.stat", "user_usec") * 1000;
                st->cpu.kernel = get_keyed(h, "cpu.stat", "system_usec") * 1000;
                st->cpu.periods = get_keyed(h, "cpu.stat", "nr_periods");
                st->cpu.throttled_periods = get_keyed(h, "cpu.stat", "nr_throttled");
                st->cpu.throttled_time = get_keyed(h, "cpu.stat", "throttled_usec") * 1000;
        }
        if (h->owns & CG_BIT(CG_MEMORY))
                get_memory_v2(h, st);
        if (h->owns & CG_BIT(CG_PIDS)) {
                st->pids.current = get_u64(h, "pids.current");
                st->pids.limit = get_limit(h, "pids.max");
                if (st->pids.limit == UINT64_MAX)
                        st->pids.limit = 0;
        }
        if (h->owns & CG_BIT(CG_CPUSET)) {
                st->cpuset.n_cpus = get_cpu_list(h, "cpuset.cpus.effective", &st->cpuset.cpus);
                st->cpuset.n_mems = get_cpu_list(h, "cpuset.mems.effective", &st->cpuset.mems);
        }
        if (h->owns & CG_BIT(CG_BLKIO))
                get_io_v2(h, st);
        if (h->owns & CG_BIT(CG_HUGETLB))
                get_hugetlb(h, st);
        return 0;
}

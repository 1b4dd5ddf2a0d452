/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The container's cgroup, on whatever layout the host has: pure cgroup v2, pure v1, or
 * hybrid (v1 controllers plus a cgroup2 mount that owns some controllers, as on our own
 * machines: hugetlb lives on /sys/fs/cgroup/unified).  The layout is read from
 * /proc/self/mountinfo and /proc/self/cgroup, never assumed.  Each resource goes to the
 * hierarchy that owns its controller.  A v1 driver and a v2 driver sit behind one vtable
 * (cgroup-internal.h); this header is all the runtime sees.
 *
 * Paths: `cgroups_path` absolute = from each hierarchy's root; relative = under the
 * runtime's own cgroup (of that hierarchy); NULL = "/tong/<id>".
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "tong/error.h"
#include "spec/spec.h"

typedef struct tong_cgroup tong_cgroup;

/* One mounted hierarchy the container is placed in, for mounting cgroupfs in the container. */
typedef struct tong_cgroup_hier {
        int version;            /* 1 or 2 */
        const char *mountpoint; /* host mount point: "/sys/fs/cgroup/memory", "/sys/fs/cgroup" */
        const char *options;    /* v1 mount options naming the controllers: "memory",
                                 * "cpu,cpuacct", "name=systemd"; NULL for v2 */
        const char *path;       /* the container's cgroup, relative to the hierarchy root */
} tong_cgroup_hier;

/* Resolve the layout and the container's paths.  Touches nothing. */
int tong_cgroup_new(const char *cgroups_path, const char *id, tong_cgroup **ret, tong_err **err);
/* Re-open a cgroup recorded in the state store (tong_cgroup_path() of a created one).
 * Hierarchies whose directory is gone are kept (destroy skips them, others fail). */
int tong_cgroup_open(const char *abs_path, tong_cgroup **ret, tong_err **err);
tong_cgroup *tong_cgroup_free(tong_cgroup *cg);
static inline void tong_cgroup_freep(tong_cgroup **cg)
{
        *cg = tong_cgroup_free(*cg);
}

/*
 * What to record in the state store and give back to tong_cgroup_open(): the resolved
 * absolute path ("/tong/web") when it is the same in every hierarchy, else (a relative
 * cgroupsPath while the runtime sits in different cgroups per hierarchy) one
 * "controllers:path" line per hierarchy, as in /proc/self/cgroup ("memory:/a/web\n:/web").
 */
const char *tong_cgroup_path(const tong_cgroup *cg);

/*
 * mkdir the cgroup in every hierarchy (parents too), check it is fit (an existing non-empty
 * or frozen cgroup is an error, config-linux.md), enable the controllers on v2, and apply
 * `res` (may be NULL).  On failure everything this call created is removed again.
 */
int tong_cgroup_create(tong_cgroup *cg, const tong_resources *res, tong_err **err);

/*
 * The same for only some hierarchies (a mask of TONG_CGROUP_V1/V2): the runtime makes the v2
 * cgroup before the clone (to clone into it) and the v1 ones while the child sets up.  On
 * failure only what this call created is removed.
 */
#define TONG_CGROUP_V1 (1u << 1)
#define TONG_CGROUP_V2 (1u << 2)
int tong_cgroup_create_versions(tong_cgroup *cg, const tong_resources *res, unsigned versions,
                                tong_err **err);

/* O_PATH|O_DIRECTORY fd of the v2 cgroup for clone3(CLONE_INTO_CGROUP), or -1 if none. */
int tong_cgroup_v2_fd(const tong_cgroup *cg);

/*
 * Move pid into the cgroup in every hierarchy; skip_v2: it was cloned into it already.
 * On v1 the first write waits for an RCU grace period (5-10 ms on our hosts); the writes
 * are issued back to back so that all hierarchies share that one wait.
 */
int tong_cgroup_enter(const tong_cgroup *cg, pid_t pid, bool skip_v2, tong_err **err);

/*
 * The calling process moves itself in.  On v1 this is cheap: writing "0" to `tasks` moves
 * just the (single-threaded) caller without the global lock whose RCU grace period makes a
 * cgroup.procs write cost 7-15 ms on this kind of host.  Used by the container init first
 * thing after the clone.
 */
int tong_cgroup_enter_self(const tong_cgroup *cg, bool skip_v2, tong_err **err);

/* `tong update`: write what `res` gives to the existing cgroup; absent fields stay. */
int tong_cgroup_apply(const tong_cgroup *cg, const tong_resources *res, tong_err **err);

/*
 * The device rules a container gets, in order (later rules win): linux.resources.devices,
 * then the devices every container may use (runc's list: mknod of any c/b, null, zero,
 * full, random, urandom, tty, console, ptmx, pts, tun), then rwm for each linux.devices
 * entry.  Pass them as resources.devices to tong_cgroup_create (always, also when the
 * config has no resources: the device cgroup starts from deny-all).  *ret is malloc'ed.
 */
void tong_cgroup_device_rules(const tong_resources *res, const tong_device *devices, size_t n,
                              tong_device_rule **ret, size_t *ret_n);

/* Freezer (v1) / cgroup.freeze (v2).  Waits until the state is reached. */
int tong_cgroup_freeze(const tong_cgroup *cg, bool frozen, tong_err **err);
/* 1 frozen, 0 not, -errno. */
int tong_cgroup_is_frozen(const tong_cgroup *cg);

/*
 * Signal every process in the cgroup (cgroup.kill on v2 for SIGKILL where available, else
 * freeze, signal every pid until no new one shows up, thaw).  SIGKILL also thaws a frozen
 * cgroup so that v1-frozen tasks can die; other signals leave the freezer state as it was.
 */
int tong_cgroup_kill_all(const tong_cgroup *cg, int sig, tong_err **err);

/* Pids in the cgroup (read from the first hierarchy that has the container). */
int tong_cgroup_pids(const tong_cgroup *cg, pid_t **ret, size_t *ret_n, tong_err **err);

/* rmdir in every hierarchy; missing directories are fine.  Never follows symlinks. */
int tong_cgroup_destroy(const tong_cgroup *cg, tong_err **err);

/* The hierarchies, for mounting cgroupfs inside the container. */
size_t tong_cgroup_hierarchies(const tong_cgroup *cg, const tong_cgroup_hier **ret);

/* Whether the cgroup has a process in it (or in a descendant): 1 yes, 0 no, -errno. */
int tong_cgroup_populated(const tong_cgroup *cg, tong_err **err);

/*
 * Cgroup ownership (runtime-spec 1.1 "Cgroup ownership"): chown the container's cgroup2
 * directory and the files of it listed in /sys/kernel/cgroup/delegate (fallback
 * cgroup.procs, cgroup.subtree_control, cgroup.threads) to uid:gid.  Missing files are
 * skipped.  v1 hierarchies are never touched; without cgroup2 this does nothing.  The caller
 * decides whether the spec's conditions hold (cgroup namespace, rw cgroup mount).
 */
int tong_cgroup_delegate(const tong_cgroup *cg, uid_t uid, gid_t gid, tong_err **err);

/* ---------------------------------------------------------------- stats (`events --stats`) */

/* Everything runc's `events --stats` JSON reports from cgroups.  Absent values are 0. */
typedef struct tong_cgroup_mem_entry {
        /* max: peak usage; limit: as the file says (v1 "unlimited" is 9223372036854771712,
         * as runc reports it), UINT64_MAX for v2 "max" */
        uint64_t usage, max, failcnt, limit;
} tong_cgroup_mem_entry;

typedef struct tong_cgroup_blkio_entry {
        uint64_t major, minor;
        char op[16]; /* "Read", "Write", "Sync", "Async", "Discard", "Total" */
        uint64_t value;
} tong_cgroup_blkio_entry;

typedef struct tong_cgroup_hugetlb_stat {
        char page_size[16]; /* "2MB", "1GB" */
        uint64_t usage, max, failcnt;
} tong_cgroup_hugetlb_stat;

typedef struct tong_cgroup_stats {
        struct {
                uint64_t total, kernel, user;                   /* nanoseconds */
                uint64_t *percpu, *percpu_kernel, *percpu_user; /* v1 only; n_percpu each */
                size_t n_percpu;
                uint64_t periods, throttled_periods, throttled_time; /* time in ns */
        } cpu;
        struct {
                uint64_t cache;
                tong_cgroup_mem_entry usage, swap, kernel, kernel_tcp;
                char **stat_keys; /* memory.stat, in file order */
                uint64_t *stat_values;
                size_t n_stat;
        } memory;
        struct {
                uint64_t current, limit; /* limit 0: none */
        } pids;
        struct {
                tong_cgroup_blkio_entry *service_bytes, *serviced; /* recursive */
                size_t n_service_bytes, n_serviced;
        } blkio;
        tong_cgroup_hugetlb_stat *hugetlb;
        size_t n_hugetlb;
        uint64_t oom_kill; /* v2 memory.events oom_kill / v1 memory.oom_control oom_kill */
        struct {
                /* v1: cpuset.cpus/mems; v2: cpuset.cpus.effective/mems.effective; expanded */
                uint16_t *cpus, *mems;
                size_t n_cpus, n_mems;
                uint64_t cpu_exclusive, mem_hardwall, mem_exclusive, memory_migrate,
                        memory_spread_page, memory_spread_slab, memory_pressure,
                        sched_load_balance; /* v1 only */
                int64_t sched_relax_domain_level;
        } cpuset;
} tong_cgroup_stats;

int tong_cgroup_get_stats(const tong_cgroup *cg, tong_cgroup_stats **ret, tong_err **err);
tong_cgroup_stats *tong_cgroup_stats_free(tong_cgroup_stats *st);
static inline void tong_cgroup_stats_freep(tong_cgroup_stats **st)
{
        *st = tong_cgroup_stats_free(*st);
}

/* The OOM-kill counter alone (cheap, for `events` polling); -ENOENT without a memory cgroup. */
int tong_cgroup_oom_kills(const tong_cgroup *cg, uint64_t *ret, tong_err **err);

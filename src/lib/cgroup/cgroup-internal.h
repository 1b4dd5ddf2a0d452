/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Inside the cgroup module: one cg_hier per mounted hierarchy the container is placed in,
 * each driven by the v1 or the v2 driver.  Every controller is owned by exactly one
 * hierarchy (cg->owner[]); a resource is written only there.  On a hybrid host the v1
 * hierarchies own most controllers and cgroup2 owns the rest (hugetlb on our machines).
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup/cgroup.h"

typedef enum cg_ctrl {
        CG_CPU,
        CG_CPUACCT,
        CG_CPUSET,
        CG_MEMORY,
        CG_DEVICES,
        CG_FREEZER,
        CG_BLKIO, /* "io" on v2 */
        CG_PIDS,
        CG_HUGETLB,
        CG_NET_CLS,
        CG_NET_PRIO,
        CG_RDMA,
        CG_MISC,
        CG_PERF_EVENT,
        _CG_CTRL_MAX,
} cg_ctrl;

#define CG_BIT(c) (1u << (c))

/* v1 name ("blkio") and v2 name ("io") of a controller; NULL where a version has none. */
const char *cg_ctrl_name_v1(cg_ctrl c);
const char *cg_ctrl_name_v2(cg_ctrl c);
/* Controller of a v1 or v2 name, or -1. */
int cg_ctrl_from_name(const char *name, int version);

typedef struct cg_hier cg_hier;
typedef struct cg_driver cg_driver;

struct cg_hier {
        const cg_driver *drv;
        int version;
        char *mountpoint;  /* "/sys/fs/cgroup/memory" */
        char *controllers; /* v1: the /proc/self/cgroup field ("cpu,cpuacct"); v2: NULL */
        char *own;         /* the runtime's own cgroup, relative to the mount ("/" or more) */
        char *path;        /* the container's cgroup, relative to the mount ("/tong/web") */
        uint32_t owns;     /* CG_BIT()s this hierarchy applies resources for */
        uint32_t avail;    /* v2: controllers in the mount root's cgroup.controllers */
        uint32_t on_v1;    /* v2: controllers a v1 hierarchy has (hybrid hosts) */
        int dirfd;         /* O_PATH|O_DIRECTORY of mountpoint+path, -1 if absent */
        size_t n_created;  /* trailing path components the last create mkdir'ed */
};

struct tong_cgroup {
        char *recorded; /* tong_cgroup_path() */
        cg_hier *hiers;
        size_t n_hiers;
        tong_cgroup_hier *pub;
        cg_hier *owner[_CG_CTRL_MAX];
        cg_hier *v2; /* the cgroup2 hierarchy, or NULL */
};

/* How an apply call was reached: create applies everything, update only what is given. */
typedef enum cg_apply_mode {
        CG_APPLY_CREATE,
        CG_APPLY_UPDATE,
} cg_apply_mode;

struct cg_driver {
        const char *name;
        /* The leaf existed before create: refuse it if it has processes or is frozen. */
        int (*check_fit)(const tong_cgroup *cg, const cg_hier *h, tong_err **err);
        /* After mkdir: v1 cpuset inheritance, v2 controller enabling for `res`. */
        int (*prepare)(const cg_hier *h, const tong_resources *res, tong_err **err);
        /* Write every resource group whose controller this hierarchy owns. */
        int (*apply)(const cg_hier *h, const tong_resources *res, cg_apply_mode mode,
                     tong_err **err);
        int (*freeze)(const cg_hier *h, bool frozen, tong_err **err);
        int (*is_frozen)(const cg_hier *h);
        int (*stats)(const cg_hier *h, tong_cgroup_stats *st, tong_err **err);
        /* oom_kill counter: 0 and *ret set, -ENOENT when the hierarchy has none. */
        int (*oom_kills)(const cg_hier *h, uint64_t *ret);
};

extern const cg_driver cg_driver_v1;
extern const cg_driver cg_driver_v2;

/* cgroup-v2.c conversions of v1-shaped OCI values (exposed for the unit tests). */
uint64_t cg_cpu_shares_to_weight(uint64_t shares);
uint64_t cg_blkio_weight_to_io(uint64_t w);
/* memory+swap -> memory.swap.max: 1 and *ret (-1 = max) to write, 0 nothing, -errno. */
int cg_memory_swap_v2(int64_t swap, int64_t limit, int64_t *ret, tong_err **err);

/* cgroup-stats.c: fill the parts of `st` whose controllers h owns. */
int cg_v1_stats(const cg_hier *h, tong_cgroup_stats *st, tong_err **err);
int cg_v2_stats(const cg_hier *h, tong_cgroup_stats *st, tong_err **err);

/* ---------------------------------------------------------------- layout (cgroup-layout.c) */

typedef struct cg_layout_entry {
        int version;
        char *controllers; /* v1 only */
        char *mountpoint;
        char *own; /* relative to the mount */
} cg_layout_entry;

/*
 * Pair /proc/self/cgroup lines with the mounts in /proc/self/mountinfo.  Hierarchies that
 * are not mounted (or only mounted below our own cgroup's ancestors) are left out.
 */
int cg_layout_parse(const char *self_cgroup, const char *mountinfo, cg_layout_entry **ret,
                    size_t *ret_n, tong_err **err);
void cg_layout_free(cg_layout_entry *e, size_t n);

/*
 * Normalise a cgroupsPath into "/a/b" (no "//", no ".", no trailing "/").  Absolute
 * paths stay as they are, relative ones are appended to `own`.  NUL-free by construction;
 * "..", newlines and an empty result are refused.
 */
int cg_resolve_path(const char *cgroups_path, const char *own, char **ret, tong_err **err);

/* CG_BIT()s of the controllers `res` asks something of. */
uint32_t cg_res_mask(const tong_resources *res);

/* ---------------------------------------------------------------- shared writers (cgroup-res.c) */

/* hugetlb.<size>.<suffix> and, where the kernel has it, hugetlb.<size>.rsvd.<suffix>. */
int cg_apply_hugetlb(const cg_hier *h, const tong_hugepage_limit *l, size_t n,
                     const char *limit_suffix, tong_err **err);
int cg_apply_rdma(const cg_hier *h, const tong_rdma *rd, size_t n, tong_err **err);
/* "8:0", "*:*" */
char *cg_devnum(int64_t major, int64_t minor);

/* ---------------------------------------------------------------- files (cgroup-fs.c) */

/* "<mountpoint><path>/<file>", for messages. */
char *cg_file_path(const cg_hier *h, const char *file);

/* Write `value` to a knob of the container's cgroup; the error names the file and value. */
int cg_write(const cg_hier *h, const char *file, const char *value, tong_err **err);
int cg_writef(const cg_hier *h, const char *file, tong_err **err, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/* Write a limit, -1 (or any negative value) as `unlimited` ("max" on v2, "-1" on v1). */
int cg_write_limit(const cg_hier *h, const char *file, int64_t v, tong_err **err);
/* Read a knob (small: at most 1 MiB), trailing newline stripped. */
int cg_read(const cg_hier *h, const char *file, char **ret, tong_err **err);
int cg_read_u64(const cg_hier *h, const char *file, uint64_t *ret, tong_err **err);
bool cg_has_file(const cg_hier *h, const char *file);
/* Value of "key N" in a flat keyed file (memory.stat, cgroup.events); -ENOENT if absent. */
int cg_keyed_get(const char *buf, const char *key, uint64_t *ret);

/* Open (dirfd) or mkdir -p (create) h->path below h->mountpoint, never following symlinks. */
int cg_hier_open(cg_hier *h, tong_err **err);
int cg_hier_mkdir(cg_hier *h, bool *existed, tong_err **err);
/* Remove the n_created trailing components again (create's failure path). */
void cg_hier_unmake(cg_hier *h);
/* rmdir the container cgroup and everything below it, deepest first. */
int cg_hier_remove(const cg_hier *h, tong_err **err);

/* Every pid in the cgroup and its descendants. */
int cg_hier_pids(const cg_hier *h, pid_t **ret, size_t *ret_n, tong_err **err);
/* Is anything in the cgroup (v1: cgroup.procs of it and its descendants)? */
int cg_hier_populated(const cg_hier *h, tong_err **err);

/* Sleep for `usec` microseconds, restarting on EINTR. */
void cg_sleep_us(unsigned usec);
/* Monotonic clock in microseconds. */
uint64_t cg_now_us(void);

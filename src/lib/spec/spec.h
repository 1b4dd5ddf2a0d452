/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * tong's own model of an OCI runtime-spec v1.3 config.json (config.md, config-linux.md).
 *
 * The parser (spec/parse*.c) fills it; spec/validate.c checks cross-field rules; nothing
 * below this layer ever sees JSON.  Enum-like strings are resolved at parse time: namespace
 * types, rlimit resources, capabilities, signals, mount options, seccomp names.  Optional
 * scalars carry a has_* flag because "absent" and "zero" differ (oomScoreAdj, pids.limit).
 * Every array is (pointer, n_ count); every string is owned and NUL-free.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tong/error.h"

/* Input caps: a config above these is refused before any allocation it would drive. */
#define TONG_SPEC_MAX_SIZE (4u << 20) /* bytes of config.json */
#define TONG_SPEC_MAX_ARRAY 65536     /* entries in any one array or map */
#define TONG_SPEC_MAX_IDMAPS 340      /* kernel limit for uid_map/gid_map lines */

typedef struct tong_kv {
        char *key;
        char *value;
} tong_kv;

/* ---------------------------------------------------------------- namespaces */

typedef enum tong_ns_type {
        TONG_NS_PID,
        TONG_NS_NET,
        TONG_NS_MNT,
        TONG_NS_IPC,
        TONG_NS_UTS,
        TONG_NS_USER,
        TONG_NS_CGROUP,
        TONG_NS_TIME,
        _TONG_NS_MAX,
        _TONG_NS_INVALID = -1,
} tong_ns_type;

typedef struct tong_namespace {
        tong_ns_type type;
        char *path; /* NULL: create a new one */
} tong_namespace;

typedef struct tong_idmap {
        uint32_t container_id;
        uint32_t host_id;
        uint32_t size;
} tong_idmap;

typedef struct tong_time_offset {
        bool has;
        int64_t secs;
        uint32_t nanosecs;
} tong_time_offset;

/* ---------------------------------------------------------------- mounts */

/* Propagation changes requested by mount options, applied in order after the mount. */
#define TONG_MOUNT_MAX_PROPAGATION 4

typedef struct tong_mount {
        char *destination; /* absolute, or relative to "/" (config.md, Linux) */
        char *source;      /* may be NULL (tmpfs, proc, ...) */
        char *type;        /* may be NULL (bind mounts) */
        char **options;    /* the options as written, for messages and `state` */

        /* Resolved from options (spec/mount-options.c). */
        unsigned long flags;       /* MS_* to set: MS_RDONLY, MS_NOSUID, ..., MS_BIND, MS_REC */
        unsigned long clear_flags; /* MS_* explicitly cleared: "rw", "suid", "dev", ... */
        unsigned long propagation[TONG_MOUNT_MAX_PROPAGATION]; /* MS_SHARED|MS_REC, ... */
        size_t n_propagation;
        uint64_t rec_attr_set; /* MOUNT_ATTR_* applied recursively: "rro", "rnosuid", ... */
        uint64_t rec_attr_clr; /* MOUNT_ATTR_* cleared recursively: "rrw", "rsuid", ... */
        bool bind;             /* "bind"/"rbind" option or type "bind" */
        bool recursive;        /* "rbind" */
        bool idmap;            /* "idmap": idmapped mount of the top mount only */
        bool ridmap;           /* "ridmap": idmapped mount of the whole tree */
        bool tmpcopyup;        /* runc extension: copy the underlying dir into a tmpfs */
        char *data;            /* unknown options joined with ',' for the filesystem; or NULL */

        tong_idmap *uid_mappings;
        size_t n_uid_mappings;
        tong_idmap *gid_mappings;
        size_t n_gid_mappings;
} tong_mount;

/* ---------------------------------------------------------------- process */

typedef struct tong_rlimit {
        int resource; /* RLIMIT_* */
        uint64_t soft;
        uint64_t hard;
} tong_rlimit;

typedef struct tong_capabilities {
        /* Bit n = capability n.  An absent set is an empty set. */
        uint64_t bounding;
        uint64_t effective;
        uint64_t inheritable;
        uint64_t permitted;
        uint64_t ambient;
        /* Names this build does not know; each becomes a warning at create time. */
        char **unknown;
} tong_capabilities;

typedef struct tong_user {
        uint32_t uid;
        uint32_t gid;
        bool has_umask;
        uint32_t umask;
        uint32_t *additional_gids;
        size_t n_additional_gids;
        char *username; /* Windows only; ignored */
} tong_user;

typedef struct tong_io_priority {
        bool has;
        int klass;    /* IOPRIO_CLASS_RT/BE/IDLE (1/2/3) */
        int priority; /* 0..7 */
} tong_io_priority;

typedef struct tong_scheduler {
        bool has;
        int policy; /* SCHED_* */
        bool has_nice;
        int32_t nice;
        bool has_priority;
        int32_t priority;
        uint64_t flags; /* SCHED_FLAG_* */
        bool has_runtime, has_deadline, has_period;
        uint64_t runtime;
        uint64_t deadline;
        uint64_t period;
} tong_scheduler;

typedef struct tong_exec_cpu_affinity {
        char *initial; /* cpu list "0-3,7", validated; NULL if absent */
        char *final;
} tong_exec_cpu_affinity;

typedef struct tong_process {
        bool terminal;
        bool has_console_size;
        uint64_t console_height;
        uint64_t console_width;
        tong_user user;
        char **args;
        char *command_line; /* Windows only; ignored */
        char **env;
        char *cwd;
        bool has_capabilities;
        tong_capabilities capabilities;
        tong_rlimit *rlimits;
        size_t n_rlimits;
        bool no_new_privileges;
        char *apparmor_profile;
        char *selinux_label;
        bool has_oom_score_adj; /* absent and 0 mean different things */
        int oom_score_adj;
        tong_io_priority io_priority;
        tong_scheduler scheduler;
        tong_exec_cpu_affinity exec_cpu_affinity;
} tong_process;

/* ---------------------------------------------------------------- hooks */

typedef struct tong_hook {
        char *path;
        char **args;
        char **env;
        bool has_timeout;
        int timeout; /* seconds, >= 1 */
} tong_hook;

typedef enum tong_hook_kind {
        TONG_HOOK_PRESTART,
        TONG_HOOK_CREATE_RUNTIME,
        TONG_HOOK_CREATE_CONTAINER,
        TONG_HOOK_START_CONTAINER,
        TONG_HOOK_POSTSTART,
        TONG_HOOK_POSTSTOP,
        _TONG_HOOK_MAX,
} tong_hook_kind;

typedef struct tong_hooks {
        tong_hook *hooks[_TONG_HOOK_MAX];
        size_t n_hooks[_TONG_HOOK_MAX];
} tong_hooks;

/* ---------------------------------------------------------------- linux: devices */

typedef struct tong_device {
        char *path;
        char type; /* 'c', 'b', 'u', 'p' */
        bool has_major_minor;
        int64_t major;
        int64_t minor;
        bool has_file_mode;
        uint32_t file_mode; /* permission bits only (0..07777) */
        bool has_uid;
        uint32_t uid;
        bool has_gid;
        uint32_t gid;
} tong_device;

typedef struct tong_net_device {
        char *host_name; /* the map key */
        char *name;      /* name inside the container; NULL = host_name */
} tong_net_device;

/* ---------------------------------------------------------------- linux: resources */

typedef struct tong_device_rule {
        bool allow;
        char type;      /* 'a', 'c', 'b' */
        int64_t major;  /* -1: any ("*") */
        int64_t minor;  /* -1: any */
        char access[4]; /* subset of "rwm" in that order; "" = rwm */
} tong_device_rule;

typedef struct tong_memory {
        bool has_limit, has_reservation, has_swap, has_kernel, has_kernel_tcp, has_swappiness;
        int64_t limit; /* -1: unlimited */
        int64_t reservation;
        int64_t swap; /* memory+swap, the v1 memsw meaning */
        int64_t kernel;
        int64_t kernel_tcp;
        uint64_t swappiness;
        bool has_disable_oom_killer, disable_oom_killer;
        bool has_use_hierarchy, use_hierarchy;
        bool has_check_before_update, check_before_update;
} tong_memory;

typedef struct tong_cpu {
        bool has_shares, has_quota, has_burst, has_period, has_realtime_runtime,
                has_realtime_period, has_idle;
        uint64_t shares;
        int64_t quota;
        uint64_t burst;
        uint64_t period;
        int64_t realtime_runtime;
        uint64_t realtime_period;
        int64_t idle;
        char *cpus; /* NULL if absent */
        char *mems;
} tong_cpu;

typedef struct tong_pids {
        bool has_limit;
        int64_t limit; /* -1 or below: max; 0 is a real limit */
} tong_pids;

typedef struct tong_blkio_weight_device {
        int64_t major, minor;
        bool has_weight, has_leaf_weight;
        uint16_t weight, leaf_weight;
} tong_blkio_weight_device;

typedef struct tong_blkio_throttle {
        int64_t major, minor;
        uint64_t rate;
} tong_blkio_throttle;

typedef enum tong_blkio_throttle_kind {
        TONG_THROTTLE_READ_BPS,
        TONG_THROTTLE_WRITE_BPS,
        TONG_THROTTLE_READ_IOPS,
        TONG_THROTTLE_WRITE_IOPS,
        _TONG_THROTTLE_MAX,
} tong_blkio_throttle_kind;

typedef struct tong_blkio {
        bool has_weight, has_leaf_weight;
        uint16_t weight, leaf_weight;
        tong_blkio_weight_device *weight_devices;
        size_t n_weight_devices;
        tong_blkio_throttle *throttle[_TONG_THROTTLE_MAX];
        size_t n_throttle[_TONG_THROTTLE_MAX];
} tong_blkio;

typedef struct tong_hugepage_limit {
        char *page_size; /* "2MB", as in the hugetlb.<size>.* file names */
        uint64_t limit;
} tong_hugepage_limit;

typedef struct tong_net_priority {
        char *name;
        uint32_t priority;
} tong_net_priority;

typedef struct tong_rdma {
        char *device;
        bool has_hca_handles, has_hca_objects;
        uint32_t hca_handles, hca_objects;
} tong_rdma;

typedef struct tong_resources {
        tong_device_rule *devices;
        size_t n_devices;
        bool has_memory;
        tong_memory memory;
        bool has_cpu;
        tong_cpu cpu;
        tong_pids pids;
        bool has_blkio;
        tong_blkio blkio;
        tong_hugepage_limit *hugepage_limits;
        size_t n_hugepage_limits;
        bool has_class_id;
        uint32_t class_id;
        tong_net_priority *net_priorities;
        size_t n_net_priorities;
        tong_rdma *rdma;
        size_t n_rdma;
        tong_kv *unified;
        size_t n_unified;
} tong_resources;

/* ---------------------------------------------------------------- linux: seccomp */

typedef enum tong_seccomp_action {
        TONG_SCMP_ACT_KILL, /* = KILL_THREAD */
        TONG_SCMP_ACT_KILL_PROCESS,
        TONG_SCMP_ACT_KILL_THREAD,
        TONG_SCMP_ACT_TRAP,
        TONG_SCMP_ACT_ERRNO,
        TONG_SCMP_ACT_TRACE,
        TONG_SCMP_ACT_ALLOW,
        TONG_SCMP_ACT_LOG,
        TONG_SCMP_ACT_NOTIFY,
        _TONG_SCMP_ACT_MAX,
} tong_seccomp_action;

typedef enum tong_seccomp_op {
        TONG_SCMP_CMP_NE,
        TONG_SCMP_CMP_LT,
        TONG_SCMP_CMP_LE,
        TONG_SCMP_CMP_EQ,
        TONG_SCMP_CMP_GE,
        TONG_SCMP_CMP_GT,
        TONG_SCMP_CMP_MASKED_EQ,
        _TONG_SCMP_CMP_MAX,
} tong_seccomp_op;

/* Seccomp filter flags (a bitmask of these). */
enum {
        TONG_SECCOMP_FLAG_TSYNC = 1 << 0,
        TONG_SECCOMP_FLAG_LOG = 1 << 1,
        TONG_SECCOMP_FLAG_SPEC_ALLOW = 1 << 2,
        TONG_SECCOMP_FLAG_WAIT_KILLABLE_RECV = 1 << 3,
};

typedef struct tong_seccomp_arg {
        uint32_t index;
        uint64_t value;
        uint64_t value_two;
        tong_seccomp_op op;
} tong_seccomp_arg;

typedef struct tong_seccomp_syscall {
        char **names;
        tong_seccomp_action action;
        bool has_errno_ret;
        uint32_t errno_ret;
        tong_seccomp_arg *args;
        size_t n_args;
} tong_seccomp_syscall;

typedef struct tong_seccomp {
        tong_seccomp_action default_action;
        bool has_default_errno_ret;
        uint32_t default_errno_ret;
        char **architectures; /* "SCMP_ARCH_X86_64", ... as written; validated names */
        unsigned flags;       /* TONG_SECCOMP_FLAG_* */
        char *listener_path;
        char *listener_metadata;
        tong_seccomp_syscall *syscalls;
        size_t n_syscalls;
} tong_seccomp;

/* ---------------------------------------------------------------- linux: misc */

typedef struct tong_intel_rdt {
        char *clos_id;
        char **schemata;
        char *l3_cache_schema;
        char *mem_bw_schema;
        bool enable_monitoring;
} tong_intel_rdt;

typedef struct tong_memory_policy {
        int mode;       /* MPOL_* */
        char *nodes;    /* NULL if absent */
        unsigned flags; /* MPOL_F_* */
} tong_memory_policy;

typedef struct tong_personality {
        unsigned long domain; /* PER_LINUX, PER_LINUX32 */
        char **flags;         /* the spec defines none; any entry is rejected */
} tong_personality;

typedef struct tong_linux {
        tong_namespace *namespaces;
        size_t n_namespaces;
        tong_idmap *uid_mappings;
        size_t n_uid_mappings;
        tong_idmap *gid_mappings;
        size_t n_gid_mappings;
        tong_time_offset time_boottime;
        tong_time_offset time_monotonic;
        tong_device *devices;
        size_t n_devices;
        tong_net_device *net_devices;
        size_t n_net_devices;
        char *cgroups_path; /* NULL: the default (/tong/<id>) */
        bool has_resources;
        tong_resources resources;
        bool has_rootfs_propagation;
        unsigned long
                rootfs_propagation; /* MS_PRIVATE/MS_SHARED/MS_SLAVE/MS_UNBINDABLE, | MS_REC */
        bool has_seccomp;
        tong_seccomp seccomp;
        tong_kv *sysctl;
        size_t n_sysctl;
        char **masked_paths;
        char **readonly_paths;
        char *mount_label;
        bool has_intel_rdt;
        tong_intel_rdt intel_rdt;
        bool has_memory_policy;
        tong_memory_policy memory_policy;
        bool has_personality;
        tong_personality personality;
} tong_linux;

/* ---------------------------------------------------------------- the whole config */

typedef struct tong_spec {
        char *oci_version;
        char *root_path; /* as written: absolute or relative to the bundle */
        bool root_readonly;
        bool has_process;
        tong_process process;
        char *hostname; /* NULL if absent */
        char *domainname;
        tong_mount *mounts;
        size_t n_mounts;
        tong_hooks hooks;
        tong_kv *annotations;
        size_t n_annotations;
        bool has_linux;
        tong_linux linux;
} tong_spec;

/* spec.c */
tong_spec *tong_spec_free(tong_spec *spec); /* accepts NULL, returns NULL */
static inline void tong_spec_freep(tong_spec **s)
{
        *s = tong_spec_free(*s);
}
void tong_process_done(tong_process *p); /* frees members, keeps the struct */
void tong_resources_done(tong_resources *r);
void tong_seccomp_done(tong_seccomp *s);

/*
 * mount-options.c: fill the resolved fields of m (flags, clear_flags, propagation, rec_attr_*,
 * bind, recursive, idmap, ridmap, tmpcopyup, data) from m->options and m->type.  The parser
 * calls it; call it again after changing options.  Fails only on more than
 * TONG_MOUNT_MAX_PROPAGATION propagation options.
 */
int tong_mount_parse_options(tong_mount *m, tong_err **err);
void tong_mount_done(tong_mount *m);

/* Index of the namespace entry of type t, or -1. */
ssize_t tong_spec_find_namespace(const tong_spec *spec, tong_ns_type t);
static inline bool tong_spec_has_namespace(const tong_spec *spec, tong_ns_type t)
{
        return tong_spec_find_namespace(spec, t) >= 0;
}
const char *tong_spec_annotation(const tong_spec *spec, const char *key);

/*
 * parse.c: config.json text -> model.  Errors name the JSON path and the value:
 *   "process.rlimits[0].type: unknown rlimit \"RLIMIT_BOGUS\""
 * (the caller adds "config.json: ").  Unknown properties are ignored (config.md,
 * "Extensibility").  tong_spec_load also runs tong_spec_validate.
 */
int tong_spec_parse_buffer(const char *buf, size_t len, tong_spec **ret, tong_err **err);
int tong_spec_validate(const tong_spec *spec, tong_err **err);
/* Read <dirfd>/config.json (capped at TONG_SPEC_MAX_SIZE), parse and validate. */
int tong_spec_load_at(int dirfd, const char *name, tong_spec **ret, tong_err **err);

/*
 * Pieces of the config that other documents reuse: `exec --process FILE` is a process
 * object, `update -r FILE` is a resources object.  Same rules and messages as in config.json,
 * with `what` as the path prefix.
 */
int tong_spec_parse_process(const char *buf, size_t len, const char *what, tong_process *ret,
                            tong_err **err);
int tong_spec_parse_resources(const char *buf, size_t len, const char *what, tong_resources *ret,
                              tong_err **err);
int tong_spec_validate_process(const tong_process *p, const char *what, tong_err **err);
int tong_spec_validate_resources(const tong_resources *r, const char *what, tong_err **err);

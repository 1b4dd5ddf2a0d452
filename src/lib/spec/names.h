/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Every string <-> value mapping of the OCI config sits in one table in names.c, so the
 * parser, `tong features`, `tong spec` and the CLI (signals) agree by construction.
 * Lookups return -1 (or _TONG_*_INVALID) for unknown names.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec/spec.h"

/* Namespaces: "network" <-> TONG_NS_NET <-> "net" under /proc/PID/ns <-> CLONE_NEWNET. */
tong_ns_type tong_ns_from_oci(const char *s);
const char *tong_ns_to_oci(tong_ns_type t);
const char *tong_ns_proc_name(tong_ns_type t);
int tong_ns_clone_flag(tong_ns_type t);

/* "RLIMIT_NOFILE" <-> RLIMIT_NOFILE. */
int tong_rlimit_from_name(const char *s);
const char *tong_rlimit_name(int resource);

/* "CAP_SYS_ADMIN" <-> 21.  TONG_CAP_LAST is the highest capability this build knows. */
#define TONG_CAP_LAST 40 /* CAP_CHECKPOINT_RESTORE */
int tong_cap_from_name(const char *s);
const char *tong_cap_name(int cap);

/* "SIGKILL", "KILL", "kill", "9" -> 9 (also SIGRTMIN+n / RTMIN+n).  -1 if unknown. */
int tong_signal_from_string(const char *s);
const char *tong_signal_name(int sig); /* "SIGKILL"; NULL if unnamed */

/* Seccomp.  Architectures are validated against this list; libseccomp maps them later. */
int tong_seccomp_action_from_name(const char *s);
const char *tong_seccomp_action_name(tong_seccomp_action a);
int tong_seccomp_op_from_name(const char *s);
const char *tong_seccomp_op_name(tong_seccomp_op op);
int tong_seccomp_flag_from_name(const char *s);
const char *tong_seccomp_flag_name(unsigned flag);
bool tong_seccomp_arch_known(const char *s);
extern const char *const tong_seccomp_arch_names[]; /* NULL-terminated */

/* Scheduler, I/O priority, memory policy, personality. */
int tong_sched_policy_from_name(const char *s);
int tong_sched_flag_from_name(const char *s); /* returns the bit value */
int tong_ioprio_class_from_name(const char *s);
int tong_mpol_mode_from_name(const char *s);
int tong_mpol_flag_from_name(const char *s);
const char *tong_mpol_mode_name(int mode); /* "MPOL_BIND"; NULL if unknown */
/* "LINUX" -> PER_LINUX, "LINUX32" -> PER_LINUX32; -1 if unknown. */
long tong_personality_domain_from_name(const char *s);

/* Not yet in every <linux/mempolicy.h> (Linux 6.9). */
#define TONG_MPOL_WEIGHTED_INTERLEAVE 6
/* Reserved by the spec's enum, never implemented by mainline Linux. */
#define TONG_SCHED_ISO 4

/* "prestart", "createRuntime", ... (the keys of config.json "hooks"). */
const char *tong_hook_kind_name(tong_hook_kind k);

/* Mount options: every option config.md lists, plus runc's extensions. */
typedef enum tong_mount_opt_kind {
        TONG_MOPT_FLAG,        /* sets MS_* (or clears it when .clear) */
        TONG_MOPT_PROPAGATION, /* MS_SHARED|MS_REC etc. */
        TONG_MOPT_REC_ATTR,    /* mount_setattr attribute, recursive */
        TONG_MOPT_BIND,        /* bind / rbind */
        TONG_MOPT_IDMAP,       /* idmap / ridmap */
        TONG_MOPT_SPECIAL,     /* tmpcopyup, defaults, ... */
        TONG_MOPT_REC_ATIME,   /* recursive atime mode: .flag is MOUNT_ATTR_{RELATIME,NOATIME,
                                  STRICTATIME}, applied with MOUNT_ATTR__ATIME cleared */
} tong_mount_opt_kind;

typedef struct tong_mount_opt {
        const char *name;
        tong_mount_opt_kind kind;
        bool clear;         /* FLAG/REC_ATTR: clear instead of set */
        unsigned long flag; /* MS_* (FLAG, PROPAGATION), MOUNT_ATTR_* (REC_ATTR),
                               MS_BIND[|MS_REC] (BIND), 0 / MS_REC (IDMAP: idmap / ridmap),
                               TONG_MOPT_SPECIAL_* (SPECIAL) */
} tong_mount_opt;

enum {
        TONG_MOPT_SPECIAL_DEFAULTS = 0,
        TONG_MOPT_SPECIAL_TMPCOPYUP = 1,
};

const tong_mount_opt *tong_mount_opt_lookup(const char *name);
extern const tong_mount_opt tong_mount_opts[]; /* terminated by { NULL } */

/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The runtime's public surface: what src/cli/ may call.  Everything returns >= 0 or a
 * negative errno with *err set (tong/error.h).  Nothing here prints.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tong/error.h"

typedef struct tong_ctx {
        const char *root; /* state root, e.g. /run/tong */
        bool systemd_cgroup;
        bool rootless; /* running without root privileges on the host */
} tong_ctx;

typedef struct tong_create_opts {
        const char *id;
        const char *bundle;         /* NULL: the current directory */
        const char *pid_file;       /* NULL: none */
        const char *console_socket; /* NULL: none */
        unsigned preserve_fds;      /* fds 3..3+N-1 are passed to the container */
        bool no_pivot;
        bool no_new_keyring;
        bool detach; /* run: return once the process has started */
        bool keep;   /* run: do not delete the container after it exits */
} tong_create_opts;

int tong_container_create(const tong_ctx *ctx, const tong_create_opts *o, tong_err **err);
int tong_container_start(const tong_ctx *ctx, const char *id, tong_err **err);
/* create + start + (unless detach) wait; *ret_status: exit code, 128+N when killed by N. */
int tong_container_run(const tong_ctx *ctx, const tong_create_opts *o, int *ret_status,
                       tong_err **err);
int tong_container_kill(const tong_ctx *ctx, const char *id, int sig, bool all, tong_err **err);
int tong_container_delete(const tong_ctx *ctx, const char *id, bool force, tong_err **err);
/* The OCI state (schema/state-schema.json) as a pretty-printed JSON document. */
int tong_container_state(const tong_ctx *ctx, const char *id, char **ret_json, tong_err **err);

typedef struct tong_container_info {
        char *id;
        pid_t pid; /* 0 when stopped */
        char *status;
        char *bundle;
        char *created;
        char *owner;
} tong_container_info;

int tong_container_list(const tong_ctx *ctx, tong_container_info **ret, size_t *ret_n,
                        tong_err **err);
void tong_container_info_free(tong_container_info *v, size_t n);

typedef struct tong_exec_opts {
        const char *id;
        const char *process_file; /* --process: a process.json replaces the config's */
        char *const *args;        /* the command, when no --process */
        bool tty;
        bool detach;
        const char *console_socket;
        const char *pid_file;
        const char *cwd;
        const char *user;   /* "uid[:gid]" */
        const char *cgroup; /* a sub-cgroup of the container's, to run in */
        const char *apparmor;
        const char *process_label;
        char *const *env;             /* KEY=VALUE additions/overrides */
        char *const *caps;            /* capabilities to add */
        char *const *additional_gids; /* numbers, as given */
        bool no_new_privs;
        bool ignore_paused;
        unsigned preserve_fds;
} tong_exec_opts;

/* Run a process in a running container; *ret_status as for run (0 when detached). */
int tong_container_exec(const tong_ctx *ctx, const tong_exec_opts *o, int *ret_status,
                        tong_err **err);

/* The runtime-spec features document (features.md), pretty-printed. */
char *tong_features_json(void);

/* "KILL", "SIGKILL", "9", "RTMIN+2" -> signal number; -1 if unknown. */
int tong_signal_parse(const char *s);

/* libseccomp's version, "2.5.4". */
const char *tong_libseccomp_version(void);

/* ---------------------------------------------------------------- resource control
 * pause, resume, update, events, ps: operations on a container's cgroup (runtime/ops-cgroup.c).
 */

/* Freeze every process of a created or running container / thaw a paused one.  A pause
 * that fails leaves the container thawed. */
int tong_container_pause(const tong_ctx *ctx, const char *id, tong_err **err);
int tong_container_resume(const tong_ctx *ctx, const char *id, tong_err **err);

/*
 * `update`, with runc's flags.  Every member is the text given on the command line, NULL when
 * the flag was not given.  Sizes are bytes or a number with a k/m/g/t/p suffix (binary, as
 * runc's units.RAMInBytes), "-1" for unlimited.  As in runc, blkio_weight and pids_limit "0"
 * mean "unchanged".  With `resources` (a file holding a linux.resources object, "-" for
 * stdin) the other members are ignored.  The new values are written to the cgroup and
 * recorded in the container's saved config, so that later updates build on them.
 */
typedef struct tong_update_opts {
        const char *resources;
        const char *memory, *memory_reservation, *memory_swap;
        const char *kernel_memory, *kernel_memory_tcp;
        const char *cpu_shares, *cpu_quota, *cpu_period, *cpu_burst;
        const char *cpu_rt_runtime, *cpu_rt_period, *cpu_idle;
        const char *cpuset_cpus, *cpuset_mems;
        const char *pids_limit, *blkio_weight;
        const char *l3_cache_schema, *mem_bw_schema; /* Intel RDT: refused, none here */
} tong_update_opts;

int tong_container_update(const tong_ctx *ctx, const char *id, const tong_update_opts *o,
                          tong_err **err);

/* One event, a JSON document on one line without the newline; < 0 stops the stream. */
typedef int (*tong_event_fn)(const char *json, void *userdata);

/*
 * runc's `events`: with stats_only, one {"type":"stats","id":...,"data":{...}} and return.
 * Otherwise a stats event every interval_ns and an {"type":"oom","id":...} event for each
 * new OOM kill in the container's cgroup, until the container's init has exited.
 */
int tong_container_events(const tong_ctx *ctx, const char *id, bool stats_only, int64_t interval_ns,
                          tong_event_fn emit, void *userdata, tong_err **err);

/* Host pids of every process in the container's cgroup, sorted; *ret is malloc'ed. */
int tong_container_pids(const tong_ctx *ctx, const char *id, pid_t **ret, size_t *ret_n,
                        tong_err **err);

/*
 * runc's `ps` table: run ps(1) with ps_args (NULL or empty: "-ef") and keep its header and
 * the lines whose PID column is a process of the container.  *ret_table is malloc'ed.
 */
int tong_container_ps(const tong_ctx *ctx, const char *id, char *const *ps_args, char **ret_table,
                      tong_err **err);

/* runc's size syntax ("512", "64m", "1.5GiB", "10 kb"): 0, or -EINVAL / -ERANGE. */
int tong_parse_ram_bytes(const char *s, int64_t *ret);
/* Go's time.ParseDuration syntax ("5s", "100ms", "1m30s", "1.5h") into nanoseconds. */
int tong_parse_duration(const char *s, int64_t *ret_ns);

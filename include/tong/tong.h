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

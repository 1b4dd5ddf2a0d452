/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The runtime's view of one container while an operation works on it.  Only src/lib/runtime/
 * sees this; the CLI goes through include/tong/tong.h.
 */
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "tong/tong.h"
#include "cgroup/cgroup.h"
#include "spec/spec.h"
#include "state/state.h"

typedef struct tong_seccomp_prog tong_seccomp_prog;

typedef enum tong_create_mode {
        TONG_CREATE_CMD,     /* `create`: the init waits on start.sock for `tong start` */
        TONG_RUN_DETACHED,   /* `run -d`: started over the sync socket, then we return */
        TONG_RUN_FOREGROUND, /* `run`: we stay, relay the terminal and wait for the exit */
} tong_create_mode;

typedef struct container {
        const tong_ctx *ctx;
        const tong_create_opts *opts; /* create/run only */
        char *id;
        int root_fd;
        int dir_fd; /* the container's state directory, locked while we change it */
        bool dir_created;

        char *bundle; /* absolute */
        char *rootfs; /* absolute */
        char *config_buf;
        size_t config_len;
        tong_spec *spec;
        tong_state *state;

        tong_cgroup *cg;
        bool cgroup_created;
        bool in_v2_cgroup; /* cloned straight into the v2 cgroup */
        tong_seccomp_prog *seccomp;
        int ns_fds[_TONG_NS_MAX]; /* namespaces to join (linux.namespaces[].path), or -1 */

        int tramp_fd;          /* sealed memfd with the exec trampoline, or -1 */
        int *mount_userns_fds; /* per mount: a user namespace with its idmap, or -1; or NULL */
        int *mount_fds;        /* per mount: the detached idmapped mount made by the parent */
        int console_fd;        /* connected --console-socket, or -1 */
        int start_fd;          /* create: the listening start.sock the init waits on; or -1 */
        int sync_fd;           /* parent end of the sync socketpair */
        pid_t pid;             /* the container init, once cloned */
        bool create_hooks_ran;
} container;

container *container_new(const tong_ctx *ctx, const char *id);
container *container_free(container *c);
static inline void container_freep(container **c)
{
        *c = container_free(*c);
}

/* Root dir must be known: rootless callers need $XDG_RUNTIME_DIR or --root. */
int container_open_root(container *c, bool create, tong_err **err);
/* Open + lock the state dir, read state.json and the saved config. */
int container_load(container *c, int lock, bool want_spec, tong_err **err);

/* "creating", "created", "running", "paused", "stopped", from the record and the host. */
const char *container_status(const container *c);

/* The OCI state document (state-schema.json) for hooks and `tong state`. */
char *container_oci_state(const container *c, const char *status, unsigned json_flags);

/*
 * Undo everything create did: kill the init (if any), remove the cgroup, run poststop hooks
 * when hooks already ran (runtime.md lifecycle step 13), remove the state directory.
 * Never fails: problems become warnings, the caller already has the error that matters.
 */
void container_destroy(container *c, bool run_poststop);

/* create.c: everything up to SYNC_CREATED; on failure nothing is left behind. */
int container_create(container *c, const tong_create_opts *o, tong_create_mode mode, int *ret_pty,
                     tong_err **err);

/* init.c: the child side.  Never returns. */
_Noreturn void container_init(container *c, int sync_fd, tong_create_mode mode);

/* Wait up to timeout_ms for pid to exit (it need not be our child; reaped if it is). */
void container_wait_gone(pid_t pid, int timeout_ms);

/* Connect --console-socket path into c->console_fd (closed with c). */
int container_connect_console(container *c, const char *path, tong_err **err);

/* Record the phase the create reached ("created", "running"); warns on failure. */
void container_record_status(container *c, const char *status);

/* Write pid (no newline, as runc) to path atomically. */
int container_write_pid_file(const char *path, pid_t pid, tong_err **err);

/* run.c: the signals `run`/`exec` forward to the process they wait for. */
void container_forwarded_signals(sigset_t *set);
/* run.c: relay the pty (if any), forward signals read from sfd, reap; the exit status. */
int container_wait_foreground(container *c, int pty, int sfd, int *ret_status, tong_err **err);

/* idmap.c: user namespaces for mounts with their own uid/gidMappings. */
int container_open_mount_userns(container *c, tong_err **err);

/* init.c: in a child: close every fd but those the container process still needs. */
void close_host_fds(container *c, int sync_fd, unsigned preserve_fds);

/* become.c: the trampoline memfd into c->tramp_fd (a warning if it cannot be had). */
void container_open_trampoline(container *c);

/* become.c: execve the process (through the trampoline when there is one); on failure only. */
int container_exec_process(container *c, const char *path, const tong_process *p, tong_err **err);

/*
 * become.c, called by the parent on the new child (c->pid): the settings the kernel checks
 * against the initial user namespace (raising hard rlimits, lowering oom_score_adj,
 * real-time scheduling and I/O class), applied by pid because the child may already be in
 * its own user namespace.  Everything the child later runs inherits them.
 */
int container_apply_limits(container *c, const tong_process *p, tong_err **err);

/* become.c: fds, umask, seccomp, user and capabilities, NNP: ready for execve. */
int container_become_process(container *c, const tong_process *p, unsigned keep_fds, int sync_fd,
                             char **ret_path, tong_err **err);

/* start.c: after SYNC_STARTED, pass on seccomp notify fds until EOF (0) or an error. */
int container_wait_exec(container *c, int fd, tong_err **err);

/*
 * start.c: send START over fd, wait for the process to be executing, run poststart.
 * *ret_destroy says whether the failure means the container must be destroyed.
 */
int container_start_over(container *c, int fd, bool *ret_destroy, tong_err **err);

/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The state store: one directory per container under the runtime root (default /run/tong),
 *   ROOT/ID/state.json    tong's record (not the OCI state: that is built from this)
 *   ROOT/ID/config.json   the config as it was at create time (editing the bundle's copy
 *                         afterwards changes nothing)
 *   ROOT/ID/start.sock    present between create and start: the init waits on it
 * Writes are atomic (temp file, fsync, rename).  A container is locked with flock(LOCK_EX)
 * on its directory while an operation changes it.  IDs are validated before any path is
 * built from them.  The root and every container directory are 0700.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "tong/error.h"
#include "spec/spec.h"

#define TONG_ID_MAX 255

/* runc's rule: [A-Za-z0-9_+-][A-Za-z0-9_+.-]*, not "." or "..", at most TONG_ID_MAX bytes. */
int tong_id_validate(const char *id, tong_err **err);

typedef struct tong_state {
        char *id;
        char *bundle;       /* absolute */
        char *status;       /* "creating", "created", "running", "stopped" as last recorded */
        pid_t pid;          /* host pid of the container init; 0 = none yet */
        uint64_t pid_start; /* field 22 of /proc/PID/stat, to recognise a reused pid */
        char *created;      /* RFC 3339, UTC */
        char *cgroup_path;  /* resolved absolute cgroup path; NULL = no cgroup */
        bool rootless;
        tong_kv *annotations;
        size_t n_annotations;
} tong_state;

tong_state *tong_state_free(tong_state *st);
static inline void tong_state_freep(tong_state **st)
{
        *st = tong_state_free(*st);
}

/* Open (and with create, make, 0700) the root directory. */
int tong_state_root_open(const char *root, bool create, int *ret_fd, tong_err **err);

/* mkdir ROOT/ID (0700) and lock it; -EEXIST -> "container `ID` already exists". */
int tong_state_dir_create(int root_fd, const char *id, int *ret_dirfd, tong_err **err);

/* Open ROOT/ID; lock: 0, LOCK_SH or LOCK_EX.  -ENOENT -> "container `ID` does not exist". */
int tong_state_dir_open(int root_fd, const char *id, int lock, int *ret_dirfd, tong_err **err);

/* Remove ROOT/ID and the files tong put in it (no recursion, no symlink following). */
int tong_state_dir_remove(int root_fd, const char *id, tong_err **err);

/* durable: fsync before the rename (off the start path: see runtime/create.c). */
int tong_state_write(int dirfd, const tong_state *st, bool durable, tong_err **err);
int tong_state_read(int dirfd, tong_state **ret, tong_err **err);

/*
 * Save the config bytes (atomically) as ROOT/ID/config.json.  Not durable at create (the
 * state record that names it is fsync'd after it); durable when `update` rewrites it.
 */
int tong_state_save_config(int dirfd, const char *buf, size_t len, bool durable, tong_err **err);

/* IDs of all containers under root, sorted. */
int tong_state_list(int root_fd, char ***ret_ids, tong_err **err);

/* Start time (field 22 of /proc/PID/stat) and whether the process is a zombie. */
int tong_proc_start_time(pid_t pid, uint64_t *ret_start, bool *ret_zombie);

/* Is st->pid still the process we started (alive, same start time, not a zombie)? */
bool tong_state_pid_alive(const tong_state *st);

/* "2026-11-26T06:23:23.123456789Z" into buf (at least 40 bytes). */
void tong_rfc3339_now(char *buf, size_t n);

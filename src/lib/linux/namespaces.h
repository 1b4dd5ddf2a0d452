/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "tong/error.h"
#include "spec/spec.h"

/*
 * Open linux.namespaces[idx].path and check it really is a namespace of that type
 * (NS_GET_NSTYPE), so a wrong path is an error naming the field, not a silent join.
 */
int tong_ns_open_path(const tong_namespace *ns, size_t idx, int *ret_fd, tong_err **err);

/* setns(fd, type) with an error naming the namespace. */
int tong_ns_join(int fd, tong_ns_type type, tong_err **err);

/*
 * Write /proc/PID/{uid_map,gid_map} (one write each, as the kernel requires) for a new user
 * namespace.  deny_setgroups: write "deny" to setgroups first (needed when an unprivileged
 * caller maps its own gid).
 */
int tong_userns_write_maps(pid_t pid, const tong_idmap *uids, size_t n_uids, const tong_idmap *gids,
                           size_t n_gids, bool deny_setgroups, tong_err **err);

/*
 * Create a time namespace for the calling process with linux.timeOffsets and enter it:
 * unshare(CLONE_NEWTIME) only affects children, so write the offsets (allowed before any
 * process is in the namespace) and then setns into time_for_children.
 */
int tong_timens_create(const tong_linux *l, tong_err **err);

/*
 * The same in pieces, for a child in a new user namespace: it cannot open its own
 * timens_offsets (a non-dumpable task's /proc files belong to the host's root), so the
 * child unshares, the parent writes the offsets by pid, and the child enters.
 */
int tong_timens_write_offsets(pid_t pid, const tong_linux *l, tong_err **err);
int tong_timens_enter(tong_err **err);

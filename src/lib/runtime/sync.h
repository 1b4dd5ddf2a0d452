/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The parent <-> container-init protocol: typed, framed, bounded messages over a
 * SOCK_SEQPACKET socketpair (one message = one packet, so framing cannot slip), with an
 * optional fd attached by SCM_RIGHTS.  A child that fails sends SYNC_ERROR with its errno
 * and message and exits; the parent re-raises that error as its own.
 */
#include <stdint.h>

#include "tong/error.h"

typedef enum sync_type {
        SYNC_USERNS_READY = 1, /* child: namespaces joined/created; write my id maps */
        SYNC_USERNS_DONE,      /* parent: maps written */
        SYNC_CGROUP_READY,     /* parent: every cgroup exists: join them */
        SYNC_CGROUP_NONE,      /* parent: no cgroup after all (rootless without delegation) */
        SYNC_HOOKS_RUNTIME,    /* child: mounts done; run prestart + createRuntime now */
        SYNC_HOOKS_RUNTIME_DONE,
        SYNC_PTY_MASTER,   /* child: the pty master (fd attached) for `run` in the foreground */
        SYNC_CREATED,      /* child: set up, waiting for start */
        SYNC_CREATED_ACK,  /* parent: state recorded */
        SYNC_DETACHED,     /* child: parent-death signal cleared; the parent may exit */
        SYNC_START,        /* parent (`run`) or `tong start`: go */
        SYNC_STARTED,      /* child: startContainer hooks done, executing the process now */
        SYNC_ERROR,        /* child: errnum + message */
        SYNC_SECCOMP_FD,   /* child: the seccomp notify fd (attached), for the listener */
        SYNC_SECCOMP_DONE, /* parent: the notify fd was handed to the listener */
} sync_type;

#define SYNC_MAX_PAYLOAD 4096

int sync_send(int fd, sync_type type, int errnum, const void *payload, uint32_t len, int pass_fd,
              tong_err **err);
static inline int sync_send_type(int fd, sync_type type, tong_err **err)
{
        return sync_send(fd, type, 0, NULL, 0, -1, err);
}
/* Child side: report err (or a generic message) to the parent; never fails. */
void sync_send_error(int fd, const tong_err *err);

/* Receive one message: 1 and its type (and attached fd or -1), or 0 at EOF. */
int sync_recv(int fd, sync_type *ret_type, int *ret_fd, tong_err **err);

/*
 * Wait for `want`.  SYNC_ERROR re-raises the child's error; another type is a protocol
 * error; EOF means the peer died.  ret_fd (may be NULL) receives an attached fd or -1.
 */
int sync_expect(int fd, sync_type want, int *ret_fd, tong_err **err);

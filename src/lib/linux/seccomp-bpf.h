/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <linux/seccomp.h>

/*
 * seccomp: linux.seccomp compiled into a classic BPF program.
 *
 * The work is split so that the container child does almost nothing:
 *   - tong_seccomp_compile() runs in the runtime process BEFORE it forks the container.  It
 *     builds the filter with libseccomp, exports it as raw BPF instructions and frees the
 *     libseccomp context.  All allocation, syscall-name lookup and warnings happen here.
 *   - tong_seccomp_install() runs in the container child.  It makes one seccomp(2) call with
 *     the ready instructions: no libseccomp, no allocation on success, no stdio.  (On failure
 *     it allocates the tong_err, which is fine in a child forked from a single-threaded
 *     runtime.)
 *   - tong_seccomp_send_notify_fd() runs in the runtime (parent) once the child has handed it
 *     the listener fd, and delivers it to the seccomp agent at linux.seccomp.listenerPath.
 *
 * Semantics (runc-compatible where the spec is silent):
 *   - architectures: the native one is always present; every listed one is added.  A listed
 *     architecture that this libseccomp does not know is skipped with a warning: syscalls of
 *     that ABI then hit the bad-architecture action (kill), which is safe.
 *   - a syscall name this libseccomp does not know is skipped with a warning, never an error.
 *   - a rule whose action equals the default action is redundant and skipped.
 *   - args: several args on one rule must all match (AND).  If two args of one rule name the
 *     same index, each arg becomes a rule of its own (OR), as runc does.  SCMP_CMP_MASKED_EQ
 *     matches (arg & value) == valueTwo.
 *   - errnoRet / defaultErrnoRet: only for SCMP_ACT_ERRNO and SCMP_ACT_TRACE (default EPERM);
 *     given with any other action it is an error, as the spec requires.
 *   - SCMP_ACT_KILL is SCMP_ACT_KILL_THREAD.
 *   - flags map 1:1 to seccomp(2) filter flags and are set only when listed: tong does NOT
 *     set SECCOMP_FILTER_FLAG_SPEC_ALLOW by default (keeps the kernel's speculative store
 *     bypass mitigation unless the config opts out), nor FLAG_LOG.  WAIT_KILLABLE_RECV only
 *     means something with a listener; without any SCMP_ACT_NOTIFY rule it is dropped.
 *   - ENOSYS for new syscalls: when the default action denies (ERRNO, KILL*, TRAP), a stub in
 *     front of the filter returns ENOSYS for syscall numbers above the largest one the
 *     profile names on that architecture, so software probing a syscall newer than the
 *     profile falls back as it would on an older kernel (runc does the same).
 *   - SCMP_ACT_NOTIFY is refused as the default action and for write/sendmsg: the child
 *     must still pass the listener fd to the runtime after installing the filter, and a
 *     notified syscall would block on an agent that has no fd yet.
 *
 * What the caller (runtime/) must guarantee at tong_seccomp_install() time:
 *   - either no_new_privs is set (prctl(PR_SET_NO_NEW_PRIVS)) or the thread has
 *     CAP_SYS_ADMIN in its user namespace; otherwise the kernel refuses with EACCES;
 *   - with noNewPrivileges=true, install as late as possible (right before execve) so the
 *     profile need not allow the runtime's own setup syscalls; with noNewPrivileges=false,
 *     install before dropping CAP_SYS_ADMIN, and everything after it runs under the filter;
 *   - personality(2) is applied before the filter (it changes how syscalls are decoded);
 *   - if tong_seccomp_prog_uses_notify(), pass ret_notify_fd to the runtime with a syscall
 *     the filter does not notify (sendmsg SCM_RIGHTS on the sync socket), then close it in
 *     the child before execve; the runtime calls tong_seccomp_send_notify_fd() and closes
 *     its copy.  listenerPath must be set in that case (the spec module validates this).
 */
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "tong/error.h"
#include "spec/spec.h"

typedef struct tong_seccomp_prog tong_seccomp_prog;

/* Errors name the field: "linux.seccomp.syscalls[3].args[1].index: 7 is out of range". */
int tong_seccomp_compile(const tong_seccomp *s, tong_seccomp_prog **ret, tong_err **err);

tong_seccomp_prog *tong_seccomp_prog_free(tong_seccomp_prog *p); /* accepts NULL */
static inline void tong_seccomp_prog_freep(tong_seccomp_prog **p)
{
        *p = tong_seccomp_prog_free(*p);
}

/* Number of BPF instructions (including the ENOSYS stub). */
size_t tong_seccomp_prog_len(const tong_seccomp_prog *p);
/* SECCOMP_FILTER_FLAG_* passed to seccomp(2), NEW_LISTENER included when notify is used. */
unsigned long tong_seccomp_prog_flags(const tong_seccomp_prog *p);
/* True if any rule uses SCMP_ACT_NOTIFY: install returns a listener fd to forward. */
bool tong_seccomp_prog_uses_notify(const tong_seccomp_prog *p);

/*
 * Load the filter into the calling thread (all threads with SECCOMP_FILTER_FLAG_TSYNC).
 * *ret_notify_fd receives the listener fd (O_CLOEXEC) when the filter uses SCMP_ACT_NOTIFY,
 * else -EBADF; ret_notify_fd may be NULL only if the filter does not use notify.
 */
int tong_seccomp_install(const tong_seccomp_prog *p, int *ret_notify_fd, tong_err **err);

/*
 * Connect to the agent's AF_UNIX SOCK_STREAM socket at listener_path, send one
 * containerProcessState ({ociVersion, fds: ["seccompFd"], pid, metadata, state}) with
 * notify_fd in SCM_RIGHTS on the first sendmsg, and close the connection.  state_json is the
 * OCI state of the container (a JSON object); metadata may be NULL.  notify_fd stays open.
 */
int tong_seccomp_send_notify_fd(const char *listener_path, int notify_fd, const char *state_json,
                                const char *metadata, pid_t pid, tong_err **err);

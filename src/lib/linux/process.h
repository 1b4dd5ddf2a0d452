/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Turning the calling process into the configured container process (config.md "Process",
 * config-linux.md "Personality", "Memory policy").  Every function acts on the calling
 * process only, never forks, and fails with a tong_err naming the config field and value.
 * Input is parsed and validated (spec/validate.c); "absent" settings are no-ops.
 *
 * The order the runtime calls them in (security.md 3.6, 3.10; runc standard_init_linux.go):
 *
 *  Steps 2-4 take a pid (0 = the caller): the runtime applies them from the parent to the
 *  freshly cloned child, which may already sit in a new user namespace.
 *
 *  In the child, while still privileged in the host's user namespace (raising a hard rlimit,
 *  lowering oom_score_adj, real-time scheduling and the RT I/O class check capabilities
 *  against the initial user namespace, so they fail once inside a new one; all of them are
 *  inherited by everything the child later becomes):
 *    1. tong_process_set_cpu_affinity_initial()  - `exec` only, before joining the cgroup
 *    2. tong_process_set_rlimits()
 *    3. tong_process_set_oom_score_adj()
 *    4. tong_process_set_scheduler(), tong_process_set_io_priority()
 *
 *  Inside the container, after pivot_root (the runtime has done setsid() and
 *  PR_SET_DUMPABLE=0):
 *    5. tong_process_mark_fds_cloexec(3 + preserve_fds + LISTEN_FDS)
 *    6. process.terminal: tong_terminal_setup() (init) or tong_terminal_setup_exec() (exec),
 *       then tong_terminal_send_fd() over the console socket (terminal.h)
 *    7. tong_process_set_memory_policy(), tong_process_set_personality()  (before seccomp)
 *    8. tong_process_set_umask()  (after the runtime has created its files in the rootfs)
 *    9. noNewPrivileges unset: load seccomp here, while CAP_SYS_ADMIN is still held
 *   10. tong_process_setup_user(): cwd, bounding set, KEEPCAPS, stdio owner, setgroups,
 *       setresgid, setresuid, (cwd retry), cwd verification, capset, ambient, KEEPCAPS off
 *   11. tong_process_find_executable()  (after the chdir: a relative $PATH entry is relative
 *       to process.cwd; before seccomp, which may not allow stat)
 *   12. tong_process_set_no_new_privs()  (only does something when noNewPrivileges is set)
 *   13. LSM exec label (apparmor/selinux attr/exec)
 *   14. tong_process_set_cpu_affinity_final()  (`exec` only)
 *   15. noNewPrivileges set: load seccomp here, as late as possible
 *   16. tong_process_exec()
 *
 *  Everything from 10 on runs with the container's credentials; the procfs handles passed
 *  as `procfd` must have been opened before.
 */
#include <stdbool.h>
#include <stddef.h>
#include <sched.h>
#include <sys/types.h>

#include "tong/error.h"
#include "spec/spec.h"

/* What tong_process_find_executable() searches when the environment has no PATH. */
#define TONG_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/*
 * execvp(3)'s lookup of args[0] with the PATH of `env` (TONG_DEFAULT_PATH if none), in the
 * current root: a name with a '/' is taken as it is; otherwise each PATH entry is tried in
 * order (an empty entry is the current directory) and the first regular file with an execute
 * bit wins.  Errors match runc's wording:
 *   exec: "foo": executable file not found in $PATH     (-ENOENT)
 *   exec: "/foo": stat /foo: No such file or directory  (-ENOENT)
 *   exec: "foo": permission denied                      (-EACCES, found but not executable)
 *   exec: "/bin": is a directory                        (-EISDIR)
 * *ret is the path to pass to tong_process_exec().
 */
int tong_process_find_executable(const char *arg0, char *const *env, char **ret, tong_err **err);

/* execve(2); only returns on failure ("exec /bin/foo: Permission denied"). */
int tong_process_exec(const char *path, char *const *args, char *const *env, tong_err **err);

/*
 * process.rlimits, each set exactly (soft and hard) with prlimit(2).  Raising a hard limit
 * above the current one without CAP_SYS_RESOURCE fails with an error naming the limit, the
 * asked and the current value, and saying that the host forbids it.
 */
int tong_process_set_rlimits(const tong_process *p, pid_t pid, tong_err **err);

/*
 * process.oomScoreAdj, written to <procfd>/self/oom_score_adj only when set.  procfd is a
 * trusted procfs root (a private fsopen("proc") instance, CVE-2025-52881) or -1 to open
 * /proc (verified to be procfs).  Lowering the value needs CAP_SYS_RESOURCE: the error says so.
 */
int tong_process_set_oom_score_adj(const tong_process *p, pid_t pid, int procfd, tong_err **err);

/* linux.personality (LINUX / LINUX32) with personality(2); no-op if l is NULL or unset. */
int tong_process_set_personality(const tong_linux *l, tong_err **err);

/* linux.memoryPolicy with set_mempolicy(2): mode | flags and the nodes mask. */
int tong_process_set_memory_policy(const tong_linux *l, tong_err **err);

/* process.ioPriority with ioprio_set(IOPRIO_WHO_PROCESS, 0, ...). */
int tong_process_set_io_priority(const tong_process *p, pid_t pid, tong_err **err);

/* process.scheduler with sched_setattr(2): policy, nice, priority, flags, runtime, deadline,
 * period, exactly as given. */
int tong_process_set_scheduler(const tong_process *p, pid_t pid, tong_err **err);

/*
 * process.execCPUAffinity: `initial` is applied by the runtime's child before it joins the
 * container's cgroup, `final` right before exec.  A missing or empty list is a no-op.
 */
int tong_process_set_cpu_affinity_initial(const tong_process *p, tong_err **err);
int tong_process_set_cpu_affinity_final(const tong_process *p, tong_err **err);

/*
 * Parse a cpu/node list ("0-3,7") into a bitmask of unsigned longs.  *ret_nbits is one more
 * than the highest bit set (0 for an empty list).  `what` names the field for errors.  Lists
 * naming a number above 65535 are refused (the mask is allocated from the input).
 */
int tong_parse_bitmask_list(const char *s, const char *what, unsigned long **ret, size_t *ret_nbits,
                            tong_err **err);

/* process.user.umask, when set. */
void tong_process_set_umask(const tong_process *p);

/*
 * Mark every fd >= first close-on-exec (close_range(CLOSE_RANGE_CLOEXEC), falling back to
 * <procfd>/self/fd on kernels without it).  first = 3 + preserve_fds + the LISTEN_FDS count
 * the runtime passes along, so those stay open across exec.
 */
int tong_process_mark_fds_cloexec(unsigned int first, int procfd, tong_err **err);

/*
 * chdir(process.cwd) and check with getcwd(2) that the result is inside the container's root
 * (CVE-2024-21626: a cwd of /proc/self/fd/N for a leaked fd lands outside it).  Like runc,
 * the chdir is tried before the user switch (the runtime may reach a directory the user can't)
 * and, if that fails with EACCES/EPERM and `may_defer`, returns 1 to be retried afterwards.
 */
int tong_process_chdir(const char *cwd, bool may_defer, tong_err **err);
/* The getcwd() check alone: -EPERM with "possible container breakout" when outside. */
int tong_process_verify_cwd(tong_err **err);

/*
 * The user switch and capabilities, in the order of security.md 3.10 (runc finalizeNamespace):
 *   chdir(cwd) (may be deferred), drop the bounding set while privileged, PR_SET_KEEPCAPS,
 *   chown stdio to the user (runc fixStdioPermissions), setgroups (always: exactly
 *   additionalGids, an empty list drops the runtime's groups), setresgid, setresuid,
 *   the deferred chdir, cwd verification, capset effective/permitted/inheritable
 *   (inheritable empty unless requested: CVE-2022-29162), ambient raise, KEEPCAPS off.
 * An absent capabilities object means no capabilities at all (runc's behaviour: it applies
 * an empty configs.Capabilities).  Capabilities that cannot be granted are warnings
 * (caps.h, tong_caps_plan_make).  uid and gid are full 32-bit values; 4294967295 ((uid_t)-1,
 * "unchanged" to the kernel) is refused.  In a user namespace whose setgroups is "deny",
 * an empty additionalGids is accepted (runc's rootless behaviour).
 */
int tong_process_setup_user(const tong_process *p, tong_err **err);

/* process.noNewPrivileges: PR_SET_NO_NEW_PRIVS when set, nothing otherwise. */
int tong_process_set_no_new_privs(const tong_process *p, tong_err **err);

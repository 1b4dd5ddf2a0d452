/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The last steps of every container process, the init's and exec's alike: from a process
 * that is inside all the container's namespaces (and, for the init, its new root) to the
 * configured process, in the order of security.md 3.10 and linux/process.h.
 */
#include <errno.h>
#include <string.h>

#include "tong/log.h"

#include "core/cleanup.h"
#include "linux/process.h"
#include "linux/seccomp-bpf.h"
#include "runtime/container.h"
#include "runtime/sync.h"
#include "runtime/trampoline.h"

int container_apply_limits(container *c, const tong_process *p, tong_err **err)
{
        int r;

        r = tong_process_set_rlimits(p, c->pid, err);
        if (r >= 0)
                r = tong_process_set_oom_score_adj(p, c->pid, -1, err);
        if (r >= 0)
                r = tong_process_set_scheduler(p, c->pid, err);
        if (r >= 0)
                r = tong_process_set_io_priority(p, c->pid, err);
        return r;
}

static int load_seccomp(container *c, int sync_fd, tong_err **err)
{
        _cleanup_close_ int notify_fd = -EBADF;
        int r;

        if (!c->seccomp)
                return 0;
        r = tong_seccomp_install(c->seccomp, &notify_fd, err);
        if (r < 0 || notify_fd < 0)
                return r;
        /* Whoever started us hands the fd to linux.seccomp.listenerPath. */
        r = sync_send(sync_fd, SYNC_SECCOMP_FD, 0, NULL, 0, notify_fd, err);
        if (r < 0)
                return r;
        return sync_expect(sync_fd, SYNC_SECCOMP_DONE, NULL, err);
}

int container_become_process(container *c, const tong_process *p, unsigned keep_fds, int sync_fd,
                             char **ret_path, tong_err **err)
{
        int r;

        r = tong_process_mark_fds_cloexec(keep_fds, -1, err);
        if (r < 0)
                return r;
        tong_process_set_umask(p);
        /* Without no_new_privs a filter needs CAP_SYS_ADMIN: load it while we have it. */
        if (!p->no_new_privileges) {
                r = load_seccomp(c, sync_fd, err);
                if (r < 0)
                        return r;
        }
        r = tong_process_setup_user(p, err);
        if (r < 0)
                return r;
        r = tong_process_find_executable(p->args[0], p->env, ret_path, err);
        if (r < 0)
                return r;
        r = tong_process_set_no_new_privs(p, err);
        if (r >= 0)
                r = tong_process_set_cpu_affinity_final(p, err);
        /* With no_new_privs, as late as possible: profiles need not allow our setup. */
        if (r >= 0 && p->no_new_privileges)
                r = load_seccomp(c, sync_fd, err);
        return r;
}

int container_exec_process(container *c, const char *path, const tong_process *p, tong_err **err)
{
        int r;

        if (c->tramp_fd < 0)
                return tong_process_exec(path, p->args, p->env, err);
        r = tong_trampoline_exec(c->tramp_fd, path, p->args, p->env);
        return tong_err_sys(err, -r, "exec %s", path);
}

/* Called by the parent before the clone: opening it there keeps the child's work small. */
void container_open_trampoline(container *c)
{
        int fd = tong_trampoline_open();

        if (fd >= 0)
                c->tramp_fd = fd;
        else if (fd != -ENOTSUP)
                tong_warn("cannot prepare the exec trampoline (%s): the container's process is "
                          "executed directly, without protection against /proc/self/exe",
                          strerror(-fd));
}

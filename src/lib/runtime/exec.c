/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `exec`: run another process in a running container.  The parent (this `tong exec`) joins
 * only the container's pid namespace for its children, clones the process straight into the
 * container's v2 cgroup, and applies the host-privileged settings by pid; the child joins
 * its v1 cgroups, every namespace of the container's init at once (setns on a pidfd), the
 * init's root, and then becomes the process like the init does.  The child is non-dumpable
 * and holds no host fd or cwd once it is in the container (CVE-2016-9962, CVE-2024-21626).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tong/log.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "core/macro.h"
#include "core/missing.h"
#include "core/strv.h"
#include "linux/process.h"
#include "linux/seccomp-bpf.h"
#include "linux/terminal.h"
#include "runtime/container.h"
#include "runtime/exec-internal.h"
#include "runtime/sync.h"
#include "spec/names.h"

typedef struct exec_child {
        container *c;
        const tong_exec_opts *o;
        const tong_process *p;
        int sync_fd;
        int pidfd;    /* the container init */
        int init_pid; /* its host pid */
        bool in_v2;   /* cloned into the v2 cgroup */
} exec_child;

/* Namespaces of the init that differ from ours: joining our own user ns is EINVAL. */
static int ns_flags_to_join(pid_t pid)
{
        static const struct {
                const char *name;
                int flag;
        } ns[] = {
                { "user", CLONE_NEWUSER }, { "mnt", CLONE_NEWNS },  { "net", CLONE_NEWNET },
                { "ipc", CLONE_NEWIPC },   { "uts", CLONE_NEWUTS }, { "cgroup", CLONE_NEWCGROUP },
                { "time", CLONE_NEWTIME },
        };
        int flags = 0;

        for (size_t i = 0; i < ELEMENTSOF(ns); i++) {
                char theirs[64], a[64], b[64];
                ssize_t n, m;

                snprintf(theirs, sizeof(theirs), "/proc/%d/ns/%s", (int)pid, ns[i].name);
                n = readlink(theirs, a, sizeof(a) - 1);
                snprintf(theirs, sizeof(theirs), "/proc/self/ns/%s", ns[i].name);
                m = readlink(theirs, b, sizeof(b) - 1);
                if (n <= 0 || m <= 0)
                        continue;
                a[n] = b[m] = '\0';
                if (strcmp(a, b) != 0)
                        flags |= ns[i].flag;
        }
        return flags;
}

static int child_join(exec_child *x, tong_err **err)
{
        _cleanup_close_ int root = -EBADF;
        char path[64];
        int flags = ns_flags_to_join(x->init_pid);

        if (x->c->cg) {
                int r = tong_cgroup_enter_self(x->c->cg, x->in_v2, err);

                if (r < 0)
                        return r;
        }
        /* The init's root as the host sees it, taken before we leave the host. */
        snprintf(path, sizeof(path), "/proc/%d/root", x->init_pid);
        root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (root < 0)
                return tong_err_sys(err, errno, "open the container's root");
        if (flags && setns(x->pidfd, flags) < 0)
                return tong_err_sys(err, errno, "join the container's namespaces");
        x->pidfd = safe_close(x->pidfd);
        if (fchdir(root) < 0 || chroot(".") < 0 || chdir("/") < 0)
                return tong_err_sys(err, errno, "enter the container's root");
        if (setsid() < 0)
                return tong_err_sys(err, errno, "setsid");
        return 0;
}

static int child_terminal(exec_child *x, tong_err **err)
{
        _cleanup_close_ int master = -EBADF;
        int r;

        if (!x->p->terminal)
                return 0;
        r = tong_terminal_setup_exec(x->p, &master, err);
        if (r < 0)
                return r;
        if (x->c->console_fd >= 0) {
                r = tong_terminal_send_fd(x->c->console_fd, master, "/dev/ptmx", err);
                x->c->console_fd = safe_close(x->c->console_fd);
                return r;
        }
        return sync_send(x->sync_fd, SYNC_PTY_MASTER, 0, NULL, 0, master, err);
}

static _Noreturn void exec_child_main(exec_child *x)
{
        _cleanup_free_ char *path = NULL;
        tong_err *err = NULL;
        sigset_t none;
        int r;

        x->c->root_fd = safe_close(x->c->root_fd);
        x->c->dir_fd = safe_close(x->c->dir_fd);
        r = prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ? -errno : 0;
        if (r >= 0)
                r = child_join(x, &err);
        if (r >= 0)
                close_host_fds(x->c, x->sync_fd, x->o->preserve_fds);
        if (r >= 0)
                r = sync_expect(x->sync_fd, SYNC_START, NULL, &err);
        /* From here the process outlives a detached (or killed) `tong exec`, as in runc. */
        if (r >= 0 && prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0)
                r = tong_err_sys(&err, errno, "clear the parent-death signal");
        if (r >= 0)
                r = child_terminal(x, &err);
        if (r >= 0)
                r = sync_send_type(x->sync_fd, SYNC_STARTED, &err);
        if (r >= 0)
                r = container_become_process(x->c, x->p, 3 + x->o->preserve_fds, x->sync_fd, &path,
                                             &err);
        if (r >= 0) {
                sigemptyset(&none);
                (void)sigprocmask(SIG_SETMASK, &none, NULL);
                (void)container_exec_process(x->c, path, x->p, &err);
        }
        if (!err)
                (void)tong_err_sys(&err, -r, "exec");
        sync_send_error(x->sync_fd, err);
        _exit(EXIT_FAILURE);
}

/* The parent side: everything up to the process running (or failing to). */
static int exec_launch(container *c, const tong_exec_opts *o, const tong_process *p, int pidfd,
                       int *ret_pty, tong_err **err)
{
        exec_child x = { .c = c, .o = o, .p = p, .pidfd = pidfd, .init_pid = c->state->pid };
        struct clone_args args = { .exit_signal = SIGCHLD };
        _cleanup_close_ int saved_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        int sv[2], cgfd = c->cg ? tong_cgroup_v2_fd(c->cg) : -1, r;
        long pid;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return tong_err_sys(err, errno, "socketpair");
        c->sync_fd = sv[0];
        x.sync_fd = sv[1];
        (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        /* Our children are born in the container's pid namespace.  Unprivileged, joining it
         * needs the capabilities of its user namespace: join that first (for good: we are
         * single-threaded, and a process in it still cannot ptrace us, whose mm belongs to
         * the host's user namespace). */
        r = setns(pidfd, CLONE_NEWPID) < 0 ? -errno : 0;
        if (r == -EPERM)
                r = setns(pidfd, CLONE_NEWUSER | CLONE_NEWPID) < 0 ? -errno : 0;
        if (r < 0 && r != -EINVAL) {
                safe_close(sv[1]);
                return tong_err_sys(err, -r, "join the container's pid namespace");
        }
        if (cgfd >= 0) {
                args.flags |= CLONE_INTO_CGROUP;
                args.cgroup = (uint64_t)cgfd;
        }
        pid = tong_clone3(&args, sizeof(args));
        if (pid < 0 && cgfd >= 0 && errno != ENOSPC) {
                args.flags &= ~CLONE_INTO_CGROUP;
                pid = tong_clone3(&args, sizeof(args));
        }
        x.in_v2 = (args.flags & CLONE_INTO_CGROUP) != 0;
        if (pid == 0) {
                safe_close(sv[0]);
                exec_child_main(&x);
        }
        r = pid < 0 ? -errno : 0;
        safe_close(sv[1]);
        if (saved_pidns >= 0)
                (void)setns(saved_pidns, CLONE_NEWPID);
        if (r < 0)
                return tong_err_sys(err, -r, "clone the exec process");
        c->pid = (pid_t)pid;
        return exec_sync(c, p, ret_pty, err);
}

int exec_sync(container *c, const tong_process *p, int *ret_pty, tong_err **err)
{
        int r;

        r = container_apply_limits(c, p, err);
        if (r >= 0)
                r = sync_send_type(c->sync_fd, SYNC_START, err);
        if (r >= 0 && p->terminal && c->console_fd < 0)
                r = sync_expect(c->sync_fd, SYNC_PTY_MASTER, ret_pty, err);
        if (r >= 0)
                r = sync_expect(c->sync_fd, SYNC_STARTED, NULL, err);
        if (r >= 0)
                r = container_wait_exec(c, c->sync_fd, err);
        return r;
}

int exec_run(container *c, const tong_exec_opts *o, const tong_process *p, int *ret_pty,
             tong_err **err)
{
        _cleanup_close_ int pidfd = -EBADF;
        int r;

        pidfd = tong_pidfd_open(c->state->pid, 0);
        if (pidfd < 0 || !tong_state_pid_alive(c->state))
                return tong_err_set(err, ESRCH, "container `%s` is not running", c->id);
        if (c->spec->linux.has_seccomp) {
                r = tong_seccomp_compile(&c->spec->linux.seccomp, &c->seccomp, err);
                if (r < 0)
                        return tong_err_prefix(err, r, "linux.seccomp");
        }
        if (p->terminal && o->console_socket) {
                r = container_connect_console(c, o->console_socket, err);
                if (r < 0)
                        return r;
        }
        if (p->terminal && o->detach && !o->console_socket)
                return tong_err_set(err, EINVAL,
                                    "exec --tty --detach needs --console-socket: nowhere to "
                                    "send the terminal");
        container_open_trampoline(c);
        return exec_launch(c, o, p, pidfd, ret_pty, err);
}

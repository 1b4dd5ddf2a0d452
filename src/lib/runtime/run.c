/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `run`: create + start in one process, then (unless detached) stay the container init's
 * parent: forward the signals we get to it, relay the terminal, reap, and report its exit
 * status (128+N for a signal, as runc does).  Afterwards the container is deleted.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "tong/log.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/macro.h"
#include "linux/terminal.h"
#include "runtime/container.h"

typedef struct relay {
        pthread_t thread;
        int master;
        bool started;
        bool raw;
        struct termios saved;
} relay;

static void *relay_main(void *arg)
{
        relay *rl = arg;
        tong_err *err = NULL;

        if (tong_terminal_relay(STDIN_FILENO, STDOUT_FILENO, rl->master, &err) < 0) {
                tong_warn("terminal relay: %s", err->msg);
                tong_err_free(err);
        }
        return NULL;
}

static int relay_start(relay *rl, int master, tong_err **err)
{
        int r;

        rl->master = master;
        if (isatty(STDIN_FILENO)) {
                (void)tong_terminal_copy_size(STDIN_FILENO, master, NULL);
                r = tong_terminal_make_raw(STDIN_FILENO, &rl->saved, err);
                if (r < 0)
                        return r;
                rl->raw = true;
        }
        r = pthread_create(&rl->thread, NULL, relay_main, rl);
        if (r != 0)
                return tong_err_sys(err, r, "start the terminal relay");
        rl->started = true;
        return 0;
}

static void relay_stop(relay *rl)
{
        if (rl->started)
                (void)pthread_join(rl->thread, NULL);
        if (rl->raw)
                (void)tong_terminal_restore(STDIN_FILENO, &rl->saved, NULL);
        rl->master = safe_close(rl->master);
}

static int exit_code(int status)
{
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return WEXITSTATUS(status);
}

/* Forward signals until the init exits; reap everything we are subreaper for. */
static int wait_init(container *c, int sfd, int *ret_status, tong_err **err)
{
        for (;;) {
                struct signalfd_siginfo si;
                ssize_t n = read(sfd, &si, sizeof(si));
                int status;
                pid_t pid;

                if (n < 0 && errno == EINTR)
                        continue;
                if (n != (ssize_t)sizeof(si))
                        return tong_err_sys(err, n < 0 ? errno : EIO, "read signals");
                if (si.ssi_signo != SIGCHLD) {
                        (void)kill(c->pid, (int)si.ssi_signo);
                        continue;
                }
                while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
                        if (pid == c->pid) {
                                *ret_status = exit_code(status);
                                /* Reaped: the number may be reused from now on. */
                                c->pid = 0;
                                return 0;
                        }
                }
        }
}

void container_forwarded_signals(sigset_t *set)
{
        static const int keep[] = { SIGSEGV, SIGBUS,  SIGILL,  SIGFPE,  SIGTRAP, SIGWINCH,
                                    SIGKILL, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU };

        sigfillset(set);
        /* Synchronous faults stay ours; SIGWINCH belongs to the terminal relay. */
        for (size_t i = 0; i < ELEMENTSOF(keep); i++)
                sigdelset(set, keep[i]);
}

int container_wait_foreground(container *c, int pty, int sfd, int *ret_status, tong_err **err)
{
        relay rl = { .master = -EBADF };
        int r = 0;

        if (pty >= 0)
                r = relay_start(&rl, pty, err);
        if (r >= 0)
                r = wait_init(c, sfd, ret_status, err);
        if (r < 0)
                (void)kill(c->pid, SIGKILL);
        relay_stop(&rl);
        return r;
}

int tong_container_run(const tong_ctx *ctx, const tong_create_opts *o, int *ret_status,
                       tong_err **err)
{
        _cleanup_(container_freep) container *c = container_new(ctx, o->id);
        _cleanup_close_ int sfd = -EBADF;
        tong_create_mode mode = o->detach ? TONG_RUN_DETACHED : TONG_RUN_FOREGROUND;
        sigset_t fwd, old;
        int pty = -EBADF, r;
        bool destroy = false;

        container_forwarded_signals(&fwd);
        if (mode == TONG_RUN_FOREGROUND) {
                /* Blocked before the clone so none is lost; the init unblocks them. */
                (void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
                (void)sigprocmask(SIG_BLOCK, &fwd, &old);
                sfd = signalfd(-1, &fwd, SFD_CLOEXEC);
                if (sfd < 0) {
                        r = tong_err_sys(err, errno, "signalfd");
                        goto out;
                }
        }
        r = container_create(c, o, mode, &pty, err);
        if (r < 0)
                goto out;
        r = container_start_over(c, c->sync_fd, &destroy, err);
        tong_debug("run `%s`: started", c->id);
        if (r >= 0)
                container_record_status(c, "running");
        c->sync_fd = safe_close(c->sync_fd);
        if (r < 0 && (destroy || mode == TONG_RUN_FOREGROUND)) {
                container_destroy(c, true);
                safe_close(pty);
                goto out;
        }
        if (r < 0 || mode == TONG_RUN_DETACHED)
                goto out;
        /* Others (kill, state, delete --force) must be able to act while we wait. */
        (void)flock(c->dir_fd, LOCK_UN);
        r = container_wait_foreground(c, pty, sfd, ret_status, err);
        (void)flock(c->dir_fd, LOCK_EX);
        tong_debug("run `%s`: exited", c->id);
        if (!o->keep)
                container_destroy(c, true);
        tong_debug("run `%s`: destroyed", c->id);
out:
        if (mode == TONG_RUN_FOREGROUND)
                (void)sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tong/log.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "core/macro.h"
#include "core/missing.h"
#include "runtime/hooks.h"
#include "spec/names.h"

#define HOOK_OUTPUT_MAX 4096

extern char **environ;

static _noreturn_ void hook_child(const tong_hook *h, int in_fd, int out_fd)
{
        char *fallback[] = { h->path, NULL };
        char *const *argv = h->args && h->args[0] ? h->args : fallback;
        char *const *envp = h->env ? h->env : environ;

        if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 ||
            dup2(out_fd, STDERR_FILENO) < 0)
                _exit(126);
        /* The hook must not inherit the runtime's descriptors. */
        (void)tong_close_range(3, ~0U, 0);
        (void)signal(SIGPIPE, SIG_DFL);
        execve(h->path, argv, envp);
        dprintf(STDERR_FILENO, "exec %s: %s", h->path, strerror(errno));
        _exit(127);
}

/* Wait for pid with a timeout in seconds (<= 0: none); SIGKILL it on timeout. */
static int wait_hook(pid_t pid, int timeout, int *ret_status)
{
        _cleanup_close_ int pidfd = tong_pidfd_open(pid, 0);
        struct pollfd p = { .fd = pidfd, .events = POLLIN };
        int r;

        if (pidfd >= 0 && timeout > 0) {
                do {
                        r = poll(&p, 1, timeout * 1000);
                } while (r < 0 && errno == EINTR);
                if (r == 0) {
                        (void)kill(pid, SIGKILL);
                        (void)waitpid(pid, ret_status, 0);
                        return -ETIMEDOUT;
                }
        }
        while (waitpid(pid, ret_status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return 0;
}

static char *read_output(int fd)
{
        char buf[HOOK_OUTPUT_MAX + 1];
        ssize_t n = pread(fd, buf, HOOK_OUTPUT_MAX, 0);

        if (n < 0)
                n = 0;
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
                n--;
        buf[n] = '\0';
        return xstrdup(buf);
}

static int run_one(const tong_hook *h, const char *kind, size_t idx, const char *state_json,
                   tong_err **err)
{
        _cleanup_close_ int out_fd = memfd_create("tong-hook-output", MFD_CLOEXEC);
        _cleanup_free_ char *output = NULL;
        int in[2] = { -EBADF, -EBADF };
        int status = 0, r;
        pid_t pid;

        if (out_fd < 0)
                return tong_err_sys(err, errno, "%s hook %zu: memfd_create", kind, idx);
        if (pipe2(in, O_CLOEXEC) < 0)
                return tong_err_sys(err, errno, "%s hook %zu: pipe", kind, idx);
        pid = fork();
        if (pid < 0) {
                r = -errno;
                safe_close(in[0]);
                safe_close(in[1]);
                return tong_err_sys(err, -r, "%s hook %zu: fork", kind, idx);
        }
        if (pid == 0)
                hook_child(h, in[0], out_fd);
        safe_close(in[0]);
        /* A hook that does not read stdin must not make us fail: ignore EPIPE. */
        (void)write_all(in[1], state_json, strlen(state_json));
        safe_close(in[1]);

        r = wait_hook(pid, h->has_timeout ? h->timeout : 0, &status);
        output = read_output(out_fd);
        if (r == -ETIMEDOUT)
                return tong_err_set(err, ETIMEDOUT, "%s hook `%s` timed out after %d s%s%s", kind,
                                    h->path, h->timeout, *output ? ": " : "", output);
        if (r < 0)
                return tong_err_sys(err, -r, "%s hook `%s`: wait", kind, h->path);
        if (WIFSIGNALED(status))
                return tong_err_set(err, ECANCELED, "%s hook `%s` killed by signal %d%s%s", kind,
                                    h->path, WTERMSIG(status), *output ? ": " : "", output);
        if (WEXITSTATUS(status) != 0)
                return tong_err_set(err, ECANCELED, "%s hook `%s` failed with exit status %d%s%s",
                                    kind, h->path, WEXITSTATUS(status), *output ? ": " : "",
                                    output);
        return 0;
}

int tong_hooks_run(const tong_hooks *hooks, tong_hook_kind kind, const char *state_json,
                   tong_err **err)
{
        for (size_t i = 0; i < hooks->n_hooks[kind]; i++) {
                int r = run_one(&hooks->hooks[kind][i], tong_hook_kind_name(kind), i, state_json,
                                err);

                if (r < 0)
                        return r;
        }
        return 0;
}

void tong_hooks_run_poststop(const tong_hooks *hooks, const char *state_json)
{
        for (size_t i = 0; i < hooks->n_hooks[TONG_HOOK_POSTSTOP]; i++) {
                _cleanup_(tong_err_freep) tong_err *err = NULL;

                if (run_one(&hooks->hooks[TONG_HOOK_POSTSTOP][i], "poststop", i, state_json, &err) <
                    0)
                        tong_warn("%s", err->msg);
        }
}

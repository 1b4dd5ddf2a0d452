/* SPDX-License-Identifier: Apache-2.0 */
/* `start`: release a created container's init and see its process through to execve. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/macro.h"
#include "linux/seccomp-bpf.h"
#include "runtime/container.h"
#include "runtime/hooks.h"
#include "runtime/sync.h"

static int hand_over_notify_fd(container *c, int fd, int notify_fd, tong_err **err)
{
        const tong_seccomp *sc = &c->spec->linux.seccomp;
        _cleanup_free_ char *state = container_oci_state(c, "creating", TONG_JSON_PLAIN);
        int r;

        r = tong_seccomp_send_notify_fd(sc->listener_path, notify_fd, state, sc->listener_metadata,
                                        c->pid, err);
        if (r < 0)
                return tong_err_prefix(err, r, "linux.seccomp.listenerPath");
        return sync_send_type(fd, SYNC_SECCOMP_DONE, err);
}

/* After SYNC_STARTED: a notify fd to pass on, an exec failure, or EOF (the exec happened). */
int container_wait_exec(container *c, int fd, tong_err **err)
{
        for (;;) {
                _cleanup_close_ int got = -EBADF;
                sync_type type;
                int r = sync_recv(fd, &type, &got, err);

                if (r <= 0)
                        return r;
                if (type != SYNC_SECCOMP_FD || got < 0)
                        return tong_err_set(err, EPROTO, "unexpected message %d from the init",
                                            (int)type);
                r = hand_over_notify_fd(c, fd, got, err);
                if (r < 0)
                        return r;
        }
}

int container_start_over(container *c, int fd, bool *ret_destroy, tong_err **err)
{
        _cleanup_free_ char *state = NULL;
        int r;

        /* runtime.md: failing startContainer/poststart hooks stop and destroy the container;
         * a process that fails to exec just leaves a stopped container, as in runc. */
        *ret_destroy = true;
        r = sync_send_type(fd, SYNC_START, err);
        if (r >= 0)
                r = sync_expect(fd, SYNC_STARTED, NULL, err);
        if (r < 0)
                return r;
        *ret_destroy = false;
        r = container_wait_exec(c, fd, err);
        if (r < 0 || !c->spec->hooks.n_hooks[TONG_HOOK_POSTSTART])
                return r;
        *ret_destroy = true;
        state = container_oci_state(c, "running", TONG_JSON_PLAIN);
        return tong_hooks_run(&c->spec->hooks, TONG_HOOK_POSTSTART, state, err);
}

static int connect_start_socket(container *c, int *ret_fd, tong_err **err)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

        if (fd < 0)
                return tong_err_sys(err, errno, "socket");
        snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/start.sock", c->dir_fd);
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return tong_err_sys(err, errno, "container `%s`: reach the waiting init", c->id);
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int tong_container_start(const tong_ctx *ctx, const char *id, tong_err **err)
{
        _cleanup_(container_freep) container *c = container_new(ctx, id);
        _cleanup_close_ int fd = -EBADF;
        bool destroy = false;
        const char *status;
        int r;

        r = container_load(c, LOCK_EX, true, err);
        if (r < 0)
                return r;
        status = container_status(c);
        if (!streq(status, "created"))
                return tong_err_set(err, EINVAL,
                                    "cannot start container `%s`: it is %s, not "
                                    "created",
                                    id, status);
        c->bundle = xstrdup(c->state->bundle);
        c->pid = c->state->pid;
        r = connect_start_socket(c, &fd, err);
        if (r >= 0)
                r = container_start_over(c, fd, &destroy, err);
        /* Started or not, nobody waits on the socket any more. */
        (void)unlinkat(c->dir_fd, "start.sock", 0);
        if (r < 0 && destroy) {
                c->pid = 0;
                container_destroy(c, true);
        }
        if (r < 0)
                return tong_err_prefix(err, r, "start container `%s`", id);
        container_record_status(c, "running");
        return 0;
}

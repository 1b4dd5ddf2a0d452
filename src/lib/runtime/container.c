/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "tong/log.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "core/json.h"
#include "core/macro.h"
#include "core/missing.h"
#include "linux/seccomp-bpf.h"
#include "runtime/container.h"
#include "runtime/hooks.h"

container *container_new(const tong_ctx *ctx, const char *id)
{
        container *c = xcalloc(1, sizeof(*c));

        c->ctx = ctx;
        c->id = xstrdup(id ? id : "");
        c->root_fd = c->dir_fd = c->console_fd = c->start_fd = c->sync_fd = c->tramp_fd = -EBADF;
        for (int i = 0; i < _TONG_NS_MAX; i++)
                c->ns_fds[i] = -EBADF;
        return c;
}

container *container_free(container *c)
{
        if (!c)
                return NULL;
        safe_close(c->root_fd);
        safe_close(c->dir_fd);
        safe_close(c->console_fd);
        safe_close(c->tramp_fd);
        safe_close(c->start_fd);
        safe_close(c->sync_fd);
        for (int i = 0; i < _TONG_NS_MAX; i++)
                safe_close(c->ns_fds[i]);
        for (size_t i = 0; c->mount_userns_fds && c->spec && i < c->spec->n_mounts; i++) {
                safe_close(c->mount_userns_fds[i]);
                safe_close(c->mount_fds[i]);
        }
        free(c->mount_userns_fds);
        free(c->mount_fds);
        free(c->id);
        free(c->bundle);
        free(c->rootfs);
        free(c->config_buf);
        tong_spec_free(c->spec);
        tong_state_free(c->state);
        tong_cgroup_free(c->cg);
        tong_seccomp_prog_free(c->seccomp);
        free(c);
        return NULL;
}

int container_open_root(container *c, bool create, tong_err **err)
{
        if (!c->ctx->root)
                return tong_err_set(err, EINVAL,
                                    "no state directory: XDG_RUNTIME_DIR is not set for this "
                                    "unprivileged user; set it or pass --root");
        return tong_state_root_open(c->ctx->root, create, &c->root_fd, err);
}

int container_load(container *c, int lock, bool want_spec, tong_err **err)
{
        int r;

        r = tong_id_validate(c->id, err);
        if (r < 0)
                return r;
        r = container_open_root(c, false, err);
        if (r == -ENOENT) {
                tong_err_freep(err);
                return tong_err_set(err, ENOENT, "container `%s` does not exist", c->id);
        }
        if (r < 0)
                return r;
        r = tong_state_dir_open(c->root_fd, c->id, lock, &c->dir_fd, err);
        if (r < 0)
                return r;
        r = tong_state_read(c->dir_fd, &c->state, err);
        if (r < 0)
                return tong_err_prefix(err, r, "container `%s`", c->id);
        if (c->state->cgroup_path) {
                r = tong_cgroup_open(c->state->cgroup_path, &c->cg, err);
                if (r < 0)
                        return tong_err_prefix(err, r, "container `%s`", c->id);
                c->cgroup_created = true;
        }
        if (!want_spec)
                return 0;
        r = read_file_at(c->dir_fd, "config.json", TONG_SPEC_MAX_SIZE, &c->config_buf,
                         &c->config_len);
        if (r < 0)
                return tong_err_sys(err, -r, "container `%s`: read the saved config", c->id);
        r = tong_spec_parse_buffer(c->config_buf, c->config_len, &c->spec, err);
        if (r < 0)
                return tong_err_prefix(err, r, "container `%s`: saved config.json", c->id);
        return 0;
}

const char *container_status(const container *c)
{
        const tong_state *st = c->state;

        if (streq(st->status, "creating")) {
                /* Whoever creates holds the lock; if we can take it, that creator is gone. */
                if (flock(c->dir_fd, LOCK_EX | LOCK_NB) == 0) {
                        (void)flock(c->dir_fd, LOCK_UN);
                        return "stopped";
                }
                return errno == EWOULDBLOCK ? "creating" : "stopped";
        }
        if (!tong_state_pid_alive(st))
                return "stopped";
        if (c->cg && tong_cgroup_is_frozen(c->cg) == 1)
                return "paused";
        if (faccessat(c->dir_fd, "start.sock", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                return "created";
        return "running";
}

char *container_oci_state(const container *c, const char *status, unsigned json_flags)
{
        _cleanup_json_ tong_json *o = tong_json_new_object();
        const tong_state *st = c->state;
        bool stopped = streq(status, "stopped");
        tong_json *ann;

        tong_json_set(o, "ociVersion", tong_json_new_string(TONG_OCI_VERSION));
        tong_json_set(o, "id", tong_json_new_string(c->id));
        tong_json_set(o, "status", tong_json_new_string(status));
        /* pid: REQUIRED when created or running on Linux; absent once stopped. */
        if (!stopped && c->pid > 0)
                tong_json_set(o, "pid", tong_json_new_i64(c->pid));
        else if (!stopped && st && st->pid > 0)
                tong_json_set(o, "pid", tong_json_new_i64(st->pid));
        tong_json_set(o, "bundle",
                      tong_json_new_string(c->bundle ? c->bundle
                                           : st      ? st->bundle
                                                     : ""));
        ann = tong_json_new_object();
        if (c->spec) {
                for (size_t i = 0; i < c->spec->n_annotations; i++)
                        tong_json_set(ann, c->spec->annotations[i].key,
                                      tong_json_new_string(c->spec->annotations[i].value));
        } else if (st) {
                for (size_t i = 0; i < st->n_annotations; i++)
                        tong_json_set(ann, st->annotations[i].key,
                                      tong_json_new_string(st->annotations[i].value));
        }
        tong_json_set(o, "annotations", ann);
        return tong_json_to_string(o, json_flags);
}

void container_wait_gone(pid_t pid, int timeout_ms)
{
        _cleanup_close_ int pidfd = tong_pidfd_open(pid, 0);
        struct pollfd p = { .fd = pidfd, .events = POLLIN };

        if (pidfd < 0)
                return;
        while (poll(&p, 1, timeout_ms) < 0 && errno == EINTR)
                ;
        (void)waitpid(pid, NULL, WNOHANG);
}

void container_destroy(container *c, bool run_poststop)
{
        pid_t pid = c->pid > 0 ? c->pid : c->state ? c->state->pid : 0;
        _cleanup_(tong_err_freep) tong_err *err = NULL;

        if (pid > 0 && (c->pid > 0 || (c->state && tong_state_pid_alive(c->state)))) {
                (void)kill(pid, SIGKILL);
                if (c->pid > 0)
                        (void)waitpid(pid, NULL, 0);
                else
                        container_wait_gone(pid, 5000);
        }
        if (c->cg && c->cgroup_created) {
                /* With its own pid namespace, the init's death took every process of the
                 * container with it: nothing is left to kill. */
                ssize_t i = c->spec ? tong_spec_find_namespace(c->spec, TONG_NS_PID) : -1;
                bool alone = i >= 0 && !c->spec->linux.namespaces[i].path;

                if ((alone || tong_cgroup_kill_all(c->cg, SIGKILL, NULL) >= 0) &&
                    tong_cgroup_destroy(c->cg, &err) < 0) {
                        tong_warn("container `%s`: %s", c->id, err->msg);
                        err = tong_err_free(err);
                }
        }
        if (run_poststop && c->spec) {
                _cleanup_free_ char *s = container_oci_state(c, "stopped", TONG_JSON_PLAIN);

                tong_hooks_run_poststop(&c->spec->hooks, s);
        }
        if (c->root_fd >= 0 && (c->dir_created || c->state)) {
                if (tong_state_dir_remove(c->root_fd, c->id, &err) < 0)
                        tong_warn("%s", err->msg);
        }
}

int container_write_pid_file(const char *path, pid_t pid, tong_err **err)
{
        _cleanup_free_ char *dir = NULL;
        char buf[32];
        _cleanup_close_ int dfd = -EBADF;
        const char *slash = strrchr(path, '/');
        int r;

        dir = slash ? xstrndup(path, (size_t)(slash - path) + (slash == path)) : xstrdup(".");
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return tong_err_sys(err, errno, "--pid-file `%s`", path);
        /* runc writes the pid without a newline; engines parse either. */
        snprintf(buf, sizeof(buf), "%d", (int)pid);
        r = write_file_atomic_at(dfd, slash ? slash + 1 : path, buf, strlen(buf), 0644);
        if (r < 0)
                return tong_err_sys(err, -r, "--pid-file `%s`", path);
        return 0;
}

void container_record_status(container *c, const char *status)
{
        tong_err *err = NULL;

        free(c->state->status);
        c->state->status = xstrdup(status);
        /* Not fsync'd: persist() made the record durable; this only ends "creating". */
        if (tong_state_write(c->dir_fd, c->state, false, &err) < 0) {
                tong_warn("%s", err->msg);
                tong_err_free(err);
        }
}

int container_connect_console(container *c, const char *path, tong_err **err)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path))
                return tong_err_set(err, ENAMETOOLONG, "--console-socket `%s`: path too long",
                                    path);
        memcpy(sa.sun_path, path, strlen(path));
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return tong_err_sys(err, errno, "--console-socket: socket");
        c->console_fd = fd;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return tong_err_sys(err, errno, "--console-socket `%s`: connect", path);
        return 0;
}

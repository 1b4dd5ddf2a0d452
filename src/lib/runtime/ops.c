/* SPDX-License-Identifier: Apache-2.0 */
/* state, list, kill and delete: operations on containers that exist already. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <seccomp.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/json.h"
#include "core/macro.h"
#include "core/missing.h"
#include "core/strv.h"
#include "runtime/container.h"
#include "runtime/hooks.h"
#include "spec/names.h"

int tong_container_state(const tong_ctx *ctx, const char *id, char **ret_json, tong_err **err)
{
        _cleanup_(container_freep) container *c = container_new(ctx, id);
        int r;

        r = container_load(c, 0, false, err);
        if (r < 0)
                return r;
        *ret_json = container_oci_state(c, container_status(c), TONG_JSON_PRETTY);
        return 0;
}

/* The owner's name from /etc/passwd, read directly: tong is linked statically, without NSS. */
static char *owner_name(int dirfd)
{
        _cleanup_fclose_ FILE *f = NULL;
        char line[1024];
        struct stat st;

        if (fstat(dirfd, &st) < 0)
                return xstrdup("");
        f = fopen("/etc/passwd", "re");
        while (f && fgets(line, sizeof(line), f)) {
                char *name = line, *uid = strchr(line, ':');
                unsigned long v;

                if (!uid || !(uid = strchr(uid + 1, ':')))
                        continue;
                *strchr(line, ':') = '\0';
                v = strtoul(uid + 1, NULL, 10);
                if (v == st.st_uid)
                        return xstrdup(name);
        }
        return xasprintf("#%u", (unsigned)st.st_uid);
}

int tong_container_list(const tong_ctx *ctx, tong_container_info **ret, size_t *ret_n,
                        tong_err **err)
{
        _cleanup_(container_freep) container *root = container_new(ctx, NULL);
        _cleanup_strv_free_ char **ids = NULL;
        tong_container_info *v = NULL;
        size_t n = 0;
        int r;

        r = container_open_root(root, false, err);
        if (r == -ENOENT) {
                tong_err_freep(err);
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        if (r < 0)
                return r;
        r = tong_state_list(root->root_fd, &ids, err);
        if (r < 0)
                return r;
        STRV_FOREACH (id, ids) {
                _cleanup_(container_freep) container *c = container_new(ctx, *id);
                tong_container_info *i;
                const char *status;

                /* A container being deleted right now simply is not listed. */
                if (container_load(c, 0, false, NULL) < 0)
                        continue;
                status = container_status(c);
                i = xappend(&v, &n, sizeof(*v));
                i->id = xstrdup(*id);
                i->pid = streq(status, "stopped") ? 0 : c->state->pid;
                i->status = xstrdup(status);
                i->bundle = xstrdup(c->state->bundle);
                i->created = xstrdup(c->state->created ? c->state->created : "");
                i->owner = owner_name(c->dir_fd);
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

void tong_container_info_free(tong_container_info *v, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(v[i].id);
                free(v[i].status);
                free(v[i].bundle);
                free(v[i].created);
                free(v[i].owner);
        }
        free(v);
}

/* Signal the recorded init only if it is still the process we started (pid reuse). */
static int signal_init(const container *c, int sig, tong_err **err)
{
        _cleanup_close_ int pidfd = tong_pidfd_open(c->state->pid, 0);

        if (pidfd < 0 && errno != ENOSYS)
                return tong_err_set(err, ESRCH, "container `%s` is not running", c->id);
        /* The pidfd pins the process: checked after opening it, the start time is final. */
        if (!tong_state_pid_alive(c->state))
                return tong_err_set(err, ESRCH, "container `%s` is not running", c->id);
        if (pidfd >= 0 ? tong_pidfd_send_signal(pidfd, sig, NULL, 0) < 0
                       : kill(c->state->pid, sig) < 0)
                return tong_err_sys(err, errno, "container `%s`: send signal %d", c->id, sig);
        return 0;
}

int tong_container_kill(const tong_ctx *ctx, const char *id, int sig, bool all, tong_err **err)
{
        _cleanup_(container_freep) container *c = container_new(ctx, id);
        const char *status;
        int r;

        r = container_load(c, LOCK_EX, false, err);
        if (r < 0)
                return r;
        status = container_status(c);
        if (streq(status, "stopped") && !(all && c->cg))
                return tong_err_set(err, ESRCH, "container `%s` is not running", id);
        if (all && c->cg) {
                r = tong_cgroup_kill_all(c->cg, sig, err);
                return r < 0 ? tong_err_prefix(err, r, "container `%s`", id) : 0;
        }
        return signal_init(c, sig, err);
}

int tong_container_delete(const tong_ctx *ctx, const char *id, bool force, tong_err **err)
{
        _cleanup_(container_freep) container *c = container_new(ctx, id);
        const char *status;
        int r;

        r = container_load(c, LOCK_EX, true, err);
        if (r == -ENOENT && force) {
                /* runc and crun: forcing away what is not there succeeds (engines rely on it). */
                tong_err_freep(err);
                return 0;
        }
        if (r < 0 && c->dir_fd < 0)
                return r;
        if (r < 0) {
                /* A half-written record (a create killed early) or an unreadable config: still
                 * let the user clean up what is there. */
                tong_err_freep(err);
                if (!c->state)
                        return tong_state_dir_remove(c->root_fd, id, err);
        }
        status = container_status(c);
        if (!force && (streq(status, "running") || streq(status, "paused")))
                return tong_err_set(err, EBUSY,
                                    "cannot delete container `%s` that is %s: stop it first or "
                                    "use --force",
                                    id, status);
        c->bundle = xstrdup(c->state->bundle);
        if (c->cg && streq(status, "paused"))
                (void)tong_cgroup_freeze(c->cg, false, NULL);
        if (!streq(status, "stopped")) {
                if (c->cg)
                        (void)tong_cgroup_kill_all(c->cg, SIGKILL, NULL);
                (void)signal_init(c, SIGKILL, NULL);
                container_wait_gone(c->state->pid, 10000);
        }
        /* Destroy (step 12), then poststop hooks (step 13), then forget the container. */
        container_destroy(c, c->spec != NULL);
        return 0;
}

int tong_signal_parse(const char *s)
{
        return tong_signal_from_string(s);
}

const char *tong_libseccomp_version(void)
{
        static char buf[32];
        const struct scmp_version *v = seccomp_version();

        snprintf(buf, sizeof(buf), "%u.%u.%u", v->major, v->minor, v->micro);
        return buf;
}

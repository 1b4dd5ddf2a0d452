/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `exec`: which process to run.  Either a process.json (--process), or the container's own
 * process with runc's command-line overrides applied: args, --env, --cwd, --user,
 * --additional-gids, --cap, --no-new-privs, --tty.  Then the container checks and the wait.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "core/macro.h"
#include "core/parse-util.h"
#include "core/strv.h"
#include "runtime/container.h"
#include "runtime/exec-internal.h"
#include "spec/names.h"

/* "uid" or "uid:gid", both full uint32 and strictly numeric (CVE-2026-30892). */
static int parse_user(const char *s, tong_user *u, tong_err **err)
{
        _cleanup_free_ char *uid = xstrdup(s);
        char *colon = strchr(uid, ':');
        uint32_t v;

        if (colon)
                *colon = '\0';
        if (parse_u32(uid, &v) < 0 || v == UINT32_MAX)
                return tong_err_set(err, EINVAL, "--user `%s`: expected uid[:gid] in numbers", s);
        u->uid = v;
        u->gid = 0;
        if (colon) {
                if (parse_u32(colon + 1, &v) < 0 || v == UINT32_MAX)
                        return tong_err_set(err, EINVAL,
                                            "--user `%s`: expected uid[:gid] in "
                                            "numbers",
                                            s);
                u->gid = v;
        }
        return 0;
}

static int parse_gids(char *const *list, tong_user *u, tong_err **err)
{
        free(u->additional_gids);
        u->additional_gids = NULL;
        u->n_additional_gids = 0;
        STRV_FOREACH (g, list) {
                _cleanup_free_ char *copy = xstrdup(*g);
                char *save = NULL;

                for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                        uint32_t v;

                        if (parse_u32(t, &v) < 0 || v == UINT32_MAX)
                                return tong_err_set(err, EINVAL,
                                                    "--additional-gids: invalid gid `%s`", t);
                        *(uint32_t *)xappend(&u->additional_gids, &u->n_additional_gids,
                                             sizeof(uint32_t)) = v;
                }
        }
        return 0;
}

static void set_env(char ***env, const char *kv)
{
        size_t k = strcspn(kv, "=");

        for (char **e = *env; e && *e; e++) {
                if (strncmp(*e, kv, k) == 0 && (*e)[k] == '=') {
                        free(*e);
                        *e = xstrdup(kv);
                        return;
                }
        }
        strv_push(env, kv);
}

static int add_caps(char *const *caps, tong_capabilities *c, tong_err **err)
{
        STRV_FOREACH (name, caps) {
                int cap = tong_cap_from_name(*name);
                uint64_t bit;

                if (cap < 0)
                        return tong_err_set(err, EINVAL, "--cap: unknown capability `%s`", *name);
                bit = UINT64_C(1) << cap;
                c->bounding |= bit;
                c->effective |= bit;
                c->permitted |= bit;
                /* Never inheritable (CVE-2022-29162); ambient only where it can work. */
                if (c->inheritable)
                        c->ambient |= bit;
        }
        return 0;
}

static int override_process(tong_process *p, const tong_exec_opts *o, tong_err **err)
{
        int r;

        if (!o->args || !o->args[0])
                return tong_err_set(err, EINVAL, "exec: no command given (and no --process)");
        strv_free(p->args);
        p->args = strv_copy(o->args);
        STRV_FOREACH (e, o->env) {
                if (!strchr(*e, '=') || **e == '=')
                        return tong_err_set(err, EINVAL, "--env `%s`: expected KEY=VALUE", *e);
                set_env(&p->env, *e);
        }
        if (o->cwd) {
                free(p->cwd);
                p->cwd = xstrdup(o->cwd);
        }
        if (o->user) {
                r = parse_user(o->user, &p->user, err);
                if (r < 0)
                        return r;
        }
        if (o->additional_gids) {
                r = parse_gids(o->additional_gids, &p->user, err);
                if (r < 0)
                        return r;
        }
        r = add_caps(o->caps, &p->capabilities, err);
        if (r < 0)
                return r;
        if (o->caps && o->caps[0])
                p->has_capabilities = true;
        p->terminal = o->tty;
        if (o->no_new_privs)
                p->no_new_privileges = true;
        return 0;
}

static int load_process_file(const char *path, tong_process *p, tong_err **err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len;
        int r;

        r = read_file_at(AT_FDCWD, path, TONG_SPEC_MAX_SIZE, &buf, &len);
        if (r < 0)
                return tong_err_sys(err, -r, "--process `%s`", path);
        tong_process_done(p);
        memset(p, 0, sizeof(*p));
        r = tong_spec_parse_process(buf, len, "process.json", p, err);
        return r < 0 ? tong_err_prefix(err, r, "--process `%s`", path) : 0;
}

static int build_process(container *c, const tong_exec_opts *o, tong_err **err)
{
        tong_process *p = &c->spec->process;
        int r;

        if (o->apparmor)
                return tong_err_set(err, ENOTSUP,
                                    "--apparmor: AppArmor is not supported by "
                                    "tong yet");
        if (o->process_label)
                return tong_err_set(err, ENOTSUP,
                                    "--process-label: SELinux is not enabled on "
                                    "this host");
        if (o->process_file) {
                r = load_process_file(o->process_file, p, err);
                if (r >= 0 && o->tty)
                        p->terminal = true;
        } else {
                r = override_process(p, o, err);
        }
        if (r < 0)
                return r;
        return tong_spec_validate_process(p, o->process_file ? "process.json" : "exec", err);
}

static int use_sub_cgroup(container *c, const char *sub, tong_err **err)
{
        _cleanup_free_ char *path = NULL;
        tong_cgroup *cg = NULL;
        int r;

        if (!c->cg)
                return tong_err_set(err, ENOENT, "--cgroup: the container has no cgroup");
        if (!*sub || strstr(sub, "..") || strchr(sub, ':'))
                return tong_err_set(err, EINVAL, "--cgroup `%s`: expected a sub-cgroup name", sub);
        path = xasprintf("%s/%s", tong_cgroup_path(c->cg), sub[0] == '/' ? sub + 1 : sub);
        r = tong_cgroup_open(path, &cg, err);
        if (r < 0)
                return tong_err_prefix(err, r, "--cgroup `%s`", sub);
        tong_cgroup_free(c->cg);
        c->cg = cg;
        return 0;
}

static int check_status(const container *c, const tong_exec_opts *o, tong_err **err)
{
        const char *status = container_status(c);

        if (streq(status, "paused") && !o->ignore_paused)
                return tong_err_set(err, EBUSY,
                                    "cannot exec in paused container `%s`: resume it "
                                    "first",
                                    c->id);
        if (!streq(status, "running") && !streq(status, "created") && !streq(status, "paused"))
                return tong_err_set(err, ESRCH, "cannot exec in container `%s`: it is %s", c->id,
                                    status);
        return 0;
}

int tong_container_exec(const tong_ctx *ctx, const tong_exec_opts *o, int *ret_status,
                        tong_err **err)
{
        _cleanup_(container_freep) container *c = container_new(ctx, o->id);
        _cleanup_close_ int sfd = -EBADF;
        sigset_t fwd, old;
        int pty = -EBADF, r;

        *ret_status = 0;
        r = container_load(c, 0, true, err);
        if (r >= 0)
                r = check_status(c, o, err);
        if (r >= 0)
                r = build_process(c, o, err);
        if (r >= 0 && o->cgroup)
                r = use_sub_cgroup(c, o->cgroup, err);
        if (r < 0)
                return r;
        c->bundle = xstrdup(c->state->bundle);
        if (!o->detach) {
                container_forwarded_signals(&fwd);
                (void)sigprocmask(SIG_BLOCK, &fwd, &old);
                sfd = signalfd(-1, &fwd, SFD_CLOEXEC);
        }
        r = exec_run(c, o, &c->spec->process, &pty, err);
        if (r >= 0 && o->pid_file)
                r = container_write_pid_file(o->pid_file, c->pid, err);
        if (r < 0) {
                if (c->pid > 0) {
                        (void)kill(c->pid, SIGKILL);
                        (void)waitpid(c->pid, NULL, 0);
                }
                safe_close(pty);
        } else if (!o->detach) {
                r = container_wait_foreground(c, pty, sfd, ret_status, err);
        }
        if (!o->detach)
                (void)sigprocmask(SIG_SETMASK, &old, NULL);
        return r;
}

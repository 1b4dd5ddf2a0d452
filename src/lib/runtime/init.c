/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container init, child side: what the cloned process does, as an ordered list of small
 * steps, until it execs the user's program.  It talks to its parent over the sync socket;
 * after `create` returns it talks to `tong start` over the start socket instead.  Any
 * failure is sent to whoever is listening and the process exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/keyctl.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "core/json.h"
#include "core/macro.h"
#include "core/missing.h"
#include "core/parse-util.h"
#include "linux/namespaces.h"
#include "linux/process.h"
#include "linux/rootfs.h"
#include "linux/seccomp-bpf.h"
#include "linux/terminal.h"
#include "runtime/container.h"
#include "runtime/hooks.h"
#include "runtime/sync.h"
#include "spec/names.h"
#include "tong/log.h"

typedef struct init_state {
        container *c;
        const tong_spec *spec;
        const tong_process *proc;
        tong_create_mode mode;
        int sync_fd;
        int report_fd; /* errors go here: sync_fd, then the `tong start` connection */
        bool mnt_joined;
        char *exec_path;
        tong_rootfs_ctx rootfs; /* one context from prepare to finalize */
} init_state;

typedef int (*init_step_fn)(init_state *s, tong_err **err);

static bool new_ns(const init_state *s, tong_ns_type t)
{
        ssize_t i = tong_spec_find_namespace(s->spec, t);

        return i >= 0 && !s->spec->linux.namespaces[i].path;
}

/*
 * Hooks need our pid as the host sees it.  The host's /proc is still mounted here and shows
 * pids of the host's pid namespace, whatever namespace we are in.
 */
static int learn_host_pid(container *c, tong_err **err)
{
        char buf[32];
        ssize_t n = readlink("/proc/self", buf, sizeof(buf) - 1);
        int pid;

        if (n <= 0)
                return tong_err_sys(err, errno, "readlink /proc/self");
        buf[n] = '\0';
        if (parse_int(buf, &pid) < 0 || pid <= 0)
                return tong_err_set(err, EIO, "unexpected /proc/self `%s`", buf);
        c->pid = pid;
        return 0;
}

static int step_basics(init_state *s, tong_err **err)
{
        container *c = s->c;

        /* Host references the container must never see. */
        c->root_fd = safe_close(c->root_fd);
        c->dir_fd = safe_close(c->dir_fd);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                return tong_err_sys(err, errno, "set the parent-death signal");
        if (setsid() < 0)
                return tong_err_sys(err, errno, "setsid");
        return learn_host_pid(c, err);
}

static int step_join_namespaces(init_state *s, tong_err **err)
{
        container *c = s->c;
        static const tong_ns_type order[] = {
                TONG_NS_USER,   TONG_NS_IPC,  TONG_NS_UTS, TONG_NS_NET,
                TONG_NS_CGROUP, TONG_NS_TIME, TONG_NS_MNT,
        };

        /* The user namespace first: it owns the others.  pid was joined by the parent. */
        for (size_t i = 0; i < ELEMENTSOF(order); i++) {
                int fd = c->ns_fds[order[i]], r;

                if (fd < 0)
                        continue;
                r = tong_ns_join(fd, order[i], err);
                if (r < 0)
                        return r;
                c->ns_fds[order[i]] = safe_close(fd);
        }
        c->ns_fds[TONG_NS_PID] = safe_close(c->ns_fds[TONG_NS_PID]);
        s->mnt_joined = tong_spec_has_namespace(s->spec, TONG_NS_MNT) && !new_ns(s, TONG_NS_MNT);
        return 0;
}

static int step_user_namespace(init_state *s, tong_err **err)
{
        int r;

        if (!new_ns(s, TONG_NS_USER))
                return 0;
        /* The parent writes the time offsets together with the id maps. */
        if (new_ns(s, TONG_NS_TIME) && unshare(CLONE_NEWTIME) < 0)
                return tong_err_sys(err, errno, "create the time namespace");
        r = sync_send_type(s->sync_fd, SYNC_USERNS_READY, err);
        if (r >= 0)
                r = sync_expect(s->sync_fd, SYNC_USERNS_DONE, NULL, err);
        if (r < 0)
                return r;
        if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
                return tong_err_sys(err, errno, "make the init non-dumpable");
        return 0;
}

/*
 * Root of the new user namespace (dropping the groups we came with): only after joining the
 * cgroups, whose files belong to the host's root, which we still are until now.
 */
static int step_user_root(init_state *s, tong_err **err)
{
        if (!new_ns(s, TONG_NS_USER))
                return 0;
        if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
                return tong_err_sys(err, errno,
                                    "become root in the user namespace (is uid/gid 0 mapped?)");
        return 0;
}

/*
 * Everything but what the init still needs goes: the --log file, the cgroup directories,
 * whatever the caller leaked to us (CVE-2024-21626).  Warnings go to stderr from here on.
 */
void close_host_fds(container *c, int sync_fd, unsigned preserve_fds)
{
        size_t n_mounts = c->mount_userns_fds ? c->spec->n_mounts : 0, n = 5 + _TONG_NS_MAX;
        _cleanup_free_ int *keep = xcalloc(n + 2 * n_mounts, sizeof(int));

        keep[0] = sync_fd;
        keep[1] = c->start_fd;
        keep[2] = c->console_fd;
        keep[3] = c->tramp_fd;
        for (int i = 0; i < _TONG_NS_MAX; i++)
                keep[4 + i] = c->ns_fds[i];
        /* The --log file stays (close-on-exec; a regular file, no way out as a cwd). */
        keep[4 + _TONG_NS_MAX] = tong_log_file_fd();
        for (size_t i = 0; i < n_mounts; i++) {
                keep[n + 2 * i] = c->mount_userns_fds[i];
                keep[n + 2 * i + 1] = c->mount_fds[i];
        }
        if (tong_log_file_fd() < 0)
                tong_log_to_stderr_only();
        close_all_fds_except(3 + (int)preserve_fds, keep, n + 2 * n_mounts);
}

static int step_cgroup(init_state *s, tong_err **err)
{
        sync_type t;
        int r;

        /* The parent makes the v1 cgroups while we unshared our namespaces. */
        r = sync_recv(s->sync_fd, &t, NULL, err);
        if (r == 0)
                r = tong_err_set(err, EPIPE, "the runtime went away");
        if (r < 0)
                return r;
        if (t == SYNC_CGROUP_NONE)
                s->c->cg = NULL;
        else if (t != SYNC_CGROUP_READY)
                return tong_err_set(err, EPROTO, "unexpected message %d", (int)t);
        /* Joining from here is cheap (tong_cgroup_enter_self); from the parent a v1 write
         * costs 7-15 ms. */
        if (s->c->cg) {
                r = tong_cgroup_enter_self(s->c->cg, s->c->in_v2_cgroup, err);
                if (r < 0)
                        return r;
        }
        close_host_fds(s->c, s->sync_fd, s->c->opts->preserve_fds);
        return 0;
}

/* The namespaces the clone did not make, owned by our user namespace. */
static int step_unshare(init_state *s, tong_err **err)
{
        static const tong_ns_type own[] = { TONG_NS_MNT, TONG_NS_NET, TONG_NS_IPC, TONG_NS_UTS };
        int flags = 0;

        for (size_t i = 0; i < ELEMENTSOF(own); i++)
                if (new_ns(s, own[i]))
                        flags |= tong_ns_clone_flag(own[i]);
        if (flags && unshare(flags) < 0)
                return tong_err_sys(err, errno, "create the container's namespaces");
        return 0;
}

static int step_time_uts_keyring(init_state *s, tong_err **err)
{
        const tong_spec *spec = s->spec;
        int r;

        /* After joining our cgroup: a new cgroup namespace's root is the cgroup we are in
         * when we unshare it. */
        if (new_ns(s, TONG_NS_CGROUP) && unshare(CLONE_NEWCGROUP) < 0)
                return tong_err_sys(err, errno, "create the cgroup namespace");
        if (new_ns(s, TONG_NS_TIME)) {
                r = new_ns(s, TONG_NS_USER) ? tong_timens_enter(err)
                                            : tong_timens_create(&spec->linux, err);
                if (r < 0)
                        return r;
        }
        if (spec->hostname && sethostname(spec->hostname, strlen(spec->hostname)) < 0)
                return tong_err_sys(err, errno, "hostname `%s`", spec->hostname);
        if (spec->domainname && setdomainname(spec->domainname, strlen(spec->domainname)) < 0)
                return tong_err_sys(err, errno, "domainname `%s`", spec->domainname);
        if (!s->c->opts->no_new_keyring &&
            syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, s->c->id, 0, 0, 0) < 0 &&
            errno != ENOSYS && errno != EDQUOT)
                return tong_err_sys(err, errno, "join a new session keyring");
        return 0;
}

static void rootfs_ctx_fill(init_state *s)
{
        const container *c = s->c;
        tong_rootfs_ctx *r = &s->rootfs;

        r->spec = s->spec;
        r->rootfs = c->rootfs;
        r->no_pivot = c->opts->no_pivot;
        r->userns = tong_spec_has_namespace(s->spec, TONG_NS_USER);
        r->cgroupns = new_ns(s, TONG_NS_CGROUP);
        r->mount_userns_fds = c->mount_userns_fds;
        r->mount_fds = c->mount_fds;
        if (c->cg)
                r->n_cgroups = tong_cgroup_hierarchies(c->cg, &r->cgroups);
        if (r->userns)
                r->userns_fd = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
}

static int step_rootfs(init_state *s, tong_err **err)
{
        if (s->mnt_joined)
                return 0;
        /* Relative bind sources are relative to the bundle (runc does the same chdir). */
        if (chdir(s->c->bundle) < 0)
                return tong_err_sys(err, errno, "chdir to the bundle `%s`", s->c->bundle);
        rootfs_ctx_fill(s);
        return tong_rootfs_prepare(&s->rootfs, err);
}

static int step_create_hooks(init_state *s, tong_err **err)
{
        const tong_hooks *h = &s->spec->hooks;
        _cleanup_free_ char *state = NULL;
        int r;

        if (!h->n_hooks[TONG_HOOK_PRESTART] && !h->n_hooks[TONG_HOOK_CREATE_RUNTIME] &&
            !h->n_hooks[TONG_HOOK_CREATE_CONTAINER])
                return 0;
        r = sync_send_type(s->sync_fd, SYNC_HOOKS_RUNTIME, err);
        if (r >= 0)
                r = sync_expect(s->sync_fd, SYNC_HOOKS_RUNTIME_DONE, NULL, err);
        if (r < 0 || !h->n_hooks[TONG_HOOK_CREATE_CONTAINER])
                return r;
        state = container_oci_state(s->c, "creating", TONG_JSON_PLAIN);
        return tong_hooks_run(h, TONG_HOOK_CREATE_CONTAINER, state, err);
}

static int step_pivot(init_state *s, tong_err **err)
{
        if (s->mnt_joined)
                return 0;
        return tong_rootfs_pivot(&s->rootfs, err);
}

static int step_terminal(init_state *s, tong_err **err)
{
        _cleanup_close_ int master = -EBADF;
        container *c = s->c;
        int r;

        if (!s->proc->terminal)
                return 0;
        r = tong_terminal_setup(s->proc, &master, err);
        if (r < 0)
                return r;
        if (c->console_fd >= 0) {
                r = tong_terminal_send_fd(c->console_fd, master, "/dev/ptmx", err);
                c->console_fd = safe_close(c->console_fd);
                return r;
        }
        if (s->mode == TONG_RUN_FOREGROUND)
                return sync_send(s->sync_fd, SYNC_PTY_MASTER, 0, NULL, 0, master, err);
        return tong_err_set(err, EINVAL, "process.terminal needs --console-socket");
}

static int step_finalize(init_state *s, tong_err **err)
{
        int r;

        if (!s->mnt_joined) {
                r = tong_rootfs_finalize(&s->rootfs, err);
                s->rootfs.userns_fd = safe_close(s->rootfs.userns_fd);
                tong_rootfs_ctx_done(&s->rootfs);
                if (r < 0)
                        return r;
        }
        r = tong_process_set_memory_policy(&s->spec->linux, err);
        if (r >= 0)
                r = tong_process_set_personality(&s->spec->linux, err);
        return r;
}

/*
 * A program that does not exist is an error of `create`, as in runc (engines turn that error
 * into exit code 127).  Looked up as root from process.cwd; the real lookup, as the user,
 * happens right before the exec.
 */
static int check_executable(init_state *s, tong_err **err)
{
        _cleanup_free_ char *path = NULL;
        int r;

        if (s->proc->cwd && chdir(s->proc->cwd) < 0)
                return 0; /* the user switch may make it reachable; decided at start */
        r = tong_process_find_executable(s->proc->args[0], s->proc->env, &path, err);
        if (r == -ENOENT)
                return r;
        tong_err_freep(err);
        return 0;
}

static int step_created(init_state *s, tong_err **err)
{
        int r = check_executable(s, err);

        if (r < 0)
                return r;
        r = sync_send_type(s->sync_fd, SYNC_CREATED, err);
        /* `run` goes straight on to START (the wait step clears the parent-death signal);
         * `create` exits: we must outlive it before it may. */
        if (r < 0 || s->mode != TONG_CREATE_CMD)
                return r;
        r = sync_expect(s->sync_fd, SYNC_CREATED_ACK, NULL, err);
        if (r < 0)
                return r;
        if (prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0)
                return tong_err_sys(err, errno, "clear the parent-death signal");
        return sync_send_type(s->sync_fd, SYNC_DETACHED, err);
}

static int step_wait_start(init_state *s, tong_err **err)
{
        container *c = s->c;
        int conn, r;

        if (s->mode == TONG_CREATE_CMD) {
                s->sync_fd = safe_close(s->sync_fd);
                s->report_fd = -EBADF;
                do {
                        conn = accept4(c->start_fd, NULL, NULL, SOCK_CLOEXEC);
                } while (conn < 0 && errno == EINTR);
                if (conn < 0)
                        return tong_err_sys(err, errno, "wait for start");
                c->start_fd = safe_close(c->start_fd);
                s->sync_fd = s->report_fd = conn;
        }
        r = sync_expect(s->sync_fd, SYNC_START, NULL, err);
        /* From here on the process outlives a `run` that is killed or detaches. */
        if (r >= 0 && s->mode != TONG_CREATE_CMD && prctl(PR_SET_PDEATHSIG, 0, 0, 0, 0) < 0)
                return tong_err_sys(err, errno, "clear the parent-death signal");
        return r;
}

static int step_start_hooks(init_state *s, tong_err **err)
{
        _cleanup_free_ char *state = NULL;

        if (!s->spec->hooks.n_hooks[TONG_HOOK_START_CONTAINER])
                return 0;
        state = container_oci_state(s->c, "created", TONG_JSON_PLAIN);
        return tong_hooks_run(&s->spec->hooks, TONG_HOOK_START_CONTAINER, state, err);
}

static int step_started(init_state *s, tong_err **err)
{
        /* From here on only an exec failure or a seccomp notify fd reaches the starter. */
        return sync_send_type(s->sync_fd, SYNC_STARTED, err);
}

static int step_become_process(init_state *s, tong_err **err)
{
        return container_become_process(s->c, s->proc, 3 + s->c->opts->preserve_fds, s->sync_fd,
                                        &s->exec_path, err);
}

static const struct init_step {
        const char *name;
        init_step_fn fn;
} steps[] = {
        { "setup", step_basics },
        { "join namespaces", step_join_namespaces },
        { "user namespace", step_user_namespace },
        { "unshare", step_unshare },
        { "cgroup", step_cgroup },
        { "user namespace root", step_user_root },
        { "namespaces", step_time_uts_keyring },
        { "rootfs", step_rootfs },
        { "create hooks", step_create_hooks },
        { "pivot_root", step_pivot },
        { "terminal", step_terminal },
        { "finalize", step_finalize },
        { "created", step_created },
        { "wait for start", step_wait_start },
        { "startContainer hooks", step_start_hooks },
        { "started", step_started },
        { "process", step_become_process },
};

static _Noreturn void fail(init_state *s, tong_err *err)
{
        if (s->report_fd >= 0)
                sync_send_error(s->report_fd, err);
        _exit(EXIT_FAILURE);
}

_Noreturn void container_init(container *c, int sync_fd, tong_create_mode mode)
{
        init_state s = {
                .c = c,
                .spec = c->spec,
                .proc = &c->spec->process,
                .mode = mode,
                .sync_fd = sync_fd,
                .report_fd = sync_fd,
        };
        tong_err *err = NULL;
        sigset_t none;

        tong_rootfs_ctx_init(&s.rootfs);
        for (size_t i = 0; i < ELEMENTSOF(steps); i++) {
                tong_debug("container `%s`: init step `%s`", c->id, steps[i].name);
                if (steps[i].fn(&s, &err) < 0)
                        fail(&s, err);
        }
        sigemptyset(&none);
        (void)sigprocmask(SIG_SETMASK, &none, NULL);
        /* On success the sync socket closes with the exec: that EOF tells `start` we ran. */
        (void)container_exec_process(c, s.exec_path, s.proc, &err);
        fail(&s, err);
}

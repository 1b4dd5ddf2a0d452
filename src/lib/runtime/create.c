/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `create`, the parent side: turn a bundle into a container whose init waits for `start`.
 * The steps run in order; any failure undoes all of them (container_destroy), so a failed
 * create leaves no state directory, cgroup, mount, namespace file or process behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
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
#include "core/json.h"
#include "core/macro.h"
#include "core/missing.h"
#include "linux/caps.h"
#include "linux/namespaces.h"
#include "linux/process.h"
#include "linux/seccomp-bpf.h"
#include "runtime/container.h"
#include "runtime/hooks.h"
#include "runtime/sync.h"
#include "spec/names.h"

static int load_bundle(container *c, const char *bundle, tong_err **err)
{
        _cleanup_close_ int bfd = -EBADF;
        char path[PATH_MAX];
        int r;

        if (!realpath(bundle ? bundle : ".", path))
                return tong_err_sys(err, errno, "bundle `%s`", bundle ? bundle : ".");
        c->bundle = xstrdup(path);
        bfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (bfd < 0)
                return tong_err_sys(err, errno, "bundle `%s`", path);
        r = read_file_at(bfd, "config.json", TONG_SPEC_MAX_SIZE, &c->config_buf, &c->config_len);
        if (r == -EFBIG)
                return tong_err_set(err, EFBIG, "config.json: larger than %u bytes",
                                    TONG_SPEC_MAX_SIZE);
        if (r < 0)
                return tong_err_sys(err, -r, "bundle `%s`: read config.json", path);
        r = tong_spec_parse_buffer(c->config_buf, c->config_len, &c->spec, err);
        if (r >= 0)
                r = tong_spec_validate(c->spec, err);
        if (r < 0)
                return tong_err_prefix(err, r, "config.json");
        return 0;
}

static int resolve_rootfs(container *c, tong_err **err)
{
        _cleanup_free_ char *p = NULL;
        char path[PATH_MAX];
        struct stat st;

        p = c->spec->root_path[0] == '/' ? xstrdup(c->spec->root_path)
                                         : xasprintf("%s/%s", c->bundle, c->spec->root_path);
        if (!realpath(p, path))
                return tong_err_sys(err, errno, "root.path `%s`", c->spec->root_path);
        if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
                return tong_err_set(err, ENOTDIR, "root.path `%s` is not a directory",
                                    c->spec->root_path);
        c->rootfs = xstrdup(path);
        return 0;
}

/* Config values that parse and validate but that this build or host cannot honour. */
static int check_supported(const container *c, tong_create_mode mode, tong_err **err)
{
        const tong_spec *s = c->spec;

        if (!s->has_process)
                return tong_err_set(err, EINVAL,
                                    "config.json: process: required to create a "
                                    "container");
        if (s->process.terminal && mode == TONG_CREATE_CMD && !c->opts->console_socket)
                return tong_err_set(err, EINVAL,
                                    "config.json: process.terminal is true but no "
                                    "--console-socket was given: nowhere to send the terminal");
        if (s->has_linux && s->linux.has_intel_rdt)
                return tong_err_set(err, ENOTSUP,
                                    "config.json: linux.intelRdt: not supported "
                                    "(no resctrl filesystem support in tong)");
        if (s->has_linux && s->linux.mount_label && access("/sys/fs/selinux/enforce", F_OK) < 0)
                return tong_err_set(err, ENOTSUP,
                                    "config.json: linux.mountLabel: SELinux is not enabled on "
                                    "this host");
        if (s->process.selinux_label && access("/sys/fs/selinux/enforce", F_OK) < 0)
                return tong_err_set(err, ENOTSUP,
                                    "config.json: process.selinuxLabel: SELinux is not enabled "
                                    "on this host");
        if (s->process.apparmor_profile)
                return tong_err_set(err, ENOTSUP,
                                    "config.json: process.apparmorProfile: AppArmor is not "
                                    "supported by tong yet");
        if (s->has_linux && s->linux.n_net_devices > 0)
                return tong_err_set(err, ENOTSUP,
                                    "config.json: linux.netDevices: not supported by tong yet");
        if (c->ctx->rootless && !tong_spec_has_namespace(s, TONG_NS_USER))
                return tong_err_set(err, EPERM,
                                    "config.json: linux.namespaces: an unprivileged user needs "
                                    "a user namespace (see `tong spec --rootless`)");
        if (!tong_spec_has_namespace(s, TONG_NS_MNT))
                return tong_err_set(err, EINVAL,
                                    "config.json: linux.namespaces: a mount namespace is "
                                    "required");
        return 0;
}

static int open_namespaces(container *c, tong_err **err)
{
        for (size_t i = 0; i < c->spec->linux.n_namespaces; i++) {
                const tong_namespace *ns = &c->spec->linux.namespaces[i];
                int r;

                if (!ns->path)
                        continue;
                r = tong_ns_open_path(ns, i, &c->ns_fds[ns->type], err);
                if (r < 0)
                        return tong_err_prefix(err, r, "config.json");
        }
        return 0;
}

static int unix_sockaddr_at(int dirfd, const char *name, struct sockaddr_un *sa)
{
        memset(sa, 0, sizeof(*sa));
        sa->sun_family = AF_UNIX;
        /* Through /proc/self/fd so a long --root or ID never hits the 108-byte limit. */
        if (snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/%s", dirfd, name) >=
            (int)sizeof(sa->sun_path))
                return -ENAMETOOLONG;
        return 0;
}

static int open_start_socket(container *c, tong_err **err)
{
        struct sockaddr_un sa;
        int fd;

        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return tong_err_sys(err, errno, "create the start socket");
        c->start_fd = fd;
        (void)unix_sockaddr_at(c->dir_fd, "start.sock", &sa);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0)
                return tong_err_sys(err, errno, "bind the start socket");
        return 0;
}

/*
 * The durable record: pid and its start time, written (with the config copy) while the child
 * sets itself up, off the critical path.  The status stays "creating": while this create
 * holds the lock that is what `state` reports; once the lock is gone the status comes from
 * the process and start.sock (container_status).
 */
static int persist(container *c, tong_err **err)
{
        tong_state *st = c->state;
        uint64_t start = 0;
        int r;

        if (tong_proc_start_time(c->pid, &start, NULL) < 0)
                return tong_err_set(err, ESRCH, "the container process exited");
        st->pid = c->pid;
        st->pid_start = start;
        r = tong_state_save_config(c->dir_fd, c->config_buf, c->config_len, false, err);
        if (r < 0)
                return r;
        return tong_state_write(c->dir_fd, st, true, err);
}

static void init_state_record(container *c)
{
        char now[64];
        tong_state *st = xcalloc(1, sizeof(*st));

        tong_rfc3339_now(now, sizeof(now));
        st->id = xstrdup(c->id);
        st->bundle = xstrdup(c->bundle);
        st->status = xstrdup("creating");
        st->created = xstrdup(now);
        st->rootless = c->ctx->rootless;
        st->cgroup_path = c->cg ? xstrdup(tong_cgroup_path(c->cg)) : NULL;
        for (size_t i = 0; i < c->spec->n_annotations; i++) {
                tong_kv *kv = xappend(&st->annotations, &st->n_annotations, sizeof(*kv));

                kv->key = xstrdup(c->spec->annotations[i].key);
                kv->value = xstrdup(c->spec->annotations[i].value);
        }
        c->state = st;
}

/*
 * Device access is default-deny (config-linux.md; GHSA-g54h-m393-cpwq): the cgroup gets the
 * config's rules, then the devices every container has, then each linux.devices entry.
 */
static tong_resources effective_resources(const tong_spec *s, tong_device_rule **ret_rules)
{
        tong_resources res = { 0 };

        if (s->linux.has_resources)
                res = s->linux.resources;
        tong_cgroup_device_rules(s->linux.has_resources ? &s->linux.resources : NULL,
                                 s->linux.devices, s->linux.n_devices, ret_rules, &res.n_devices);
        res.devices = *ret_rules;
        return res;
}

static bool limits_requested(const tong_spec *s)
{
        const tong_resources *r = &s->linux.resources;

        return s->linux.has_resources && (r->has_memory || r->has_cpu || r->pids.has_limit ||
                                          r->has_blkio || r->n_hugepage_limits || r->has_class_id ||
                                          r->n_net_priorities || r->n_rdma || r->n_unified);
}

/* Host id that container id `id` maps to; the id itself without a mapping. */
static uint32_t map_to_host(const tong_idmap *m, size_t n, uint32_t id)
{
        for (size_t i = 0; i < n; i++)
                if (id >= m[i].container_id && id - m[i].container_id < m[i].size)
                        return m[i].host_id + (id - m[i].container_id);
        return id;
}

/*
 * runtime-spec "Cgroup ownership": with its own user and cgroup namespace and a read-write
 * cgroup mount at /sys/fs/cgroup, the container's user owns its (v2) cgroup's delegatable
 * files, so it can manage its own sub-cgroups.  Never on v1 (the cgroup module skips it).
 */
static int delegate_cgroup(container *c, tong_err **err)
{
        const tong_spec *s = c->spec;
        ssize_t u = tong_spec_find_namespace(s, TONG_NS_USER);
        ssize_t g = tong_spec_find_namespace(s, TONG_NS_CGROUP);
        bool rw_mount = false;

        if (!c->cg || u < 0 || g < 0 || s->linux.namespaces[g].path)
                return 0;
        for (size_t i = 0; i < s->n_mounts; i++) {
                const tong_mount *m = &s->mounts[i];

                if (streq(m->destination, "/sys/fs/cgroup") && m->source &&
                    streq(m->source, "cgroup"))
                        rw_mount = !(m->flags & MS_RDONLY);
        }
        if (!rw_mount)
                return 0;
        return tong_cgroup_delegate(
                c->cg,
                map_to_host(s->linux.uid_mappings, s->linux.n_uid_mappings, s->process.user.uid),
                map_to_host(s->linux.gid_mappings, s->linux.n_gid_mappings, s->process.user.gid),
                err);
}

static int create_cgroup(container *c, unsigned versions, tong_err **err)
{
        _cleanup_free_ tong_device_rule *rules = NULL;
        tong_resources res = effective_resources(c->spec, &rules);
        int r = tong_cgroup_create_versions(c->cg, &res, versions, err);

        if (r >= 0 || !c->ctx->rootless || (r != -EACCES && r != -EPERM && r != -EROFS))
                return r;
        if (limits_requested(c->spec))
                return tong_err_prefix(err, r,
                                       "config.json: linux.resources asks for limits, but this "
                                       "unprivileged user has no cgroup delegated to it");
        /* Rootless without limits: run without a cgroup of our own, as runc does. */
        tong_debug("no writable cgroup (%s): running without one", (*err)->msg);
        tong_err_freep(err);
        (void)tong_cgroup_destroy(c->cg, NULL); /* what the other versions' call made */
        c->cg = tong_cgroup_free(c->cg);
        free(c->state->cgroup_path);
        c->state->cgroup_path = NULL;
        return tong_state_write(c->dir_fd, c->state, false, err);
}

static int prepare(container *c, const tong_create_opts *o, tong_create_mode mode, tong_err **err)
{
        const char *cgpath;
        int r;

        /* Before any path is built from it, and before the root is created. */
        r = tong_id_validate(c->id, err);
        if (r < 0)
                return r;
        r = container_open_root(c, true, err);
        if (r < 0)
                return r;
        r = tong_state_dir_create(c->root_fd, c->id, &c->dir_fd, err);
        if (r < 0)
                return r;
        c->dir_created = true;
        r = load_bundle(c, o->bundle, err);
        if (r < 0)
                return r;
        r = check_supported(c, mode, err);
        if (r < 0)
                return r;
        r = resolve_rootfs(c, err);
        if (r < 0)
                return tong_err_prefix(err, r, "config.json");
        r = open_namespaces(c, err);
        if (r >= 0)
                r = container_open_mount_userns(c, err);
        if (r < 0)
                return r;
        if (c->spec->linux.has_seccomp) {
                r = tong_seccomp_compile(&c->spec->linux.seccomp, &c->seccomp, err);
                if (r < 0)
                        return tong_err_prefix(err, r, "config.json");
        }
        cgpath = c->spec->linux.cgroups_path;
        r = tong_cgroup_new(cgpath, c->id, &c->cg, err);
        if (r < 0)
                return tong_err_prefix(err, r, "config.json: linux.cgroupsPath");
        if (o->console_socket && c->spec->process.terminal) {
                r = container_connect_console(c, o->console_socket, err);
                if (r < 0)
                        return r;
        }
        if (mode == TONG_CREATE_CMD) {
                r = open_start_socket(c, err);
                if (r < 0)
                        return r;
        }
        container_open_trampoline(c);
        /* Probed once here (kernel-wide), inherited by the child: ~40 prctl calls fewer. */
        (void)tong_cap_last_cap();
        init_state_record(c);
        /* Written before anything exists to clean up after, so a create killed from now on
         * leaves a record `delete` can use; not fsync'd (a crash takes the cgroups along). */
        r = tong_state_write(c->dir_fd, c->state, false, err);
        if (r < 0)
                return r;
        /* Only the v2 cgroup now (the child is cloned into it); the v1 ones are made while
         * the child creates its namespaces (cgroup_v1). */
        r = create_cgroup(c, TONG_CGROUP_V2, err);
        if (r < 0)
                return r;
        c->cgroup_created = c->cg != NULL;
        return delegate_cgroup(c, err);
}

static uint64_t clone_flags(const tong_spec *s)
{
        uint64_t flags = 0;

        for (size_t i = 0; i < s->linux.n_namespaces; i++) {
                const tong_namespace *ns = &s->linux.namespaces[i];

                /*
                 * Only what the clone itself must do: the user namespace (the parent maps it)
                 * and the pid namespace (the child must be its pid 1).  The child unshares the
                 * rest itself, owned by its user namespace, while we write the state: creating
                 * a network namespace alone takes ~0.4 ms of kernel time.
                 */
                if (ns->path || (ns->type != TONG_NS_USER && ns->type != TONG_NS_PID))
                        continue;
                flags |= (uint64_t)tong_ns_clone_flag(ns->type);
        }
        return flags;
}

/* clone3 straight into the v2 cgroup when there is one; plain clone otherwise. */
static pid_t spawn(container *c, bool *ret_in_cgroup)
{
        struct clone_args args = {
                .flags = clone_flags(c->spec),
                .exit_signal = SIGCHLD,
        };
        int cgfd = c->cg ? tong_cgroup_v2_fd(c->cg) : -1;
        long pid;

        if (cgfd >= 0) {
                args.flags |= CLONE_INTO_CGROUP;
                args.cgroup = (uint64_t)cgfd;
        }
        pid = tong_clone3(&args, sizeof(args));
        if (pid < 0 && cgfd >= 0 && (errno == ENOSYS || errno == EPERM || errno == E2BIG)) {
                args.flags &= ~CLONE_INTO_CGROUP;
                pid = tong_clone3(&args, sizeof(args));
        }
        if (pid < 0 && (errno == ENOSYS || errno == EPERM))
                pid = syscall(SYS_clone, (unsigned long)(args.flags | SIGCHLD), NULL, NULL, NULL,
                              0);
        *ret_in_cgroup = pid >= 0 && (args.flags & CLONE_INTO_CGROUP);
        return (pid_t)pid;
}

/* Joining a pid namespace only affects children, so the parent joins around the clone. */
static int with_pid_ns(container *c, int *ret_saved, tong_err **err)
{
        int fd = c->ns_fds[TONG_NS_PID];

        *ret_saved = -EBADF;
        if (fd < 0)
                return 0;
        *ret_saved = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
        if (*ret_saved < 0)
                return tong_err_sys(err, errno, "open our pid namespace");
        return tong_ns_join(fd, TONG_NS_PID, err);
}

static int launch(container *c, tong_create_mode mode, bool *ret_in_cgroup, tong_err **err)
{
        _cleanup_close_ int saved_pidns = -EBADF;
        int sv[2], r;
        pid_t pid;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return tong_err_sys(err, errno, "socketpair");
        c->sync_fd = sv[0];
        /* The child inherits this: it must not be ptraced or have /proc/PID/ entries read by
         * the container while it still holds host references (CVE-2016-9962).  Unprivileged,
         * we must still write its /proc/PID/{uid,gid}_map, which a non-dumpable process's
         * owner cannot: the child turns itself non-dumpable once mapped, before it touches
         * anything of the container. */
        if (!c->ctx->rootless)
                (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        r = with_pid_ns(c, &saved_pidns, err);
        if (r < 0) {
                safe_close(sv[1]);
                return r;
        }
        pid = spawn(c, ret_in_cgroup);
        c->in_v2_cgroup = *ret_in_cgroup;
        if (pid == 0) {
                safe_close(sv[0]);
                c->sync_fd = -EBADF;
                container_init(c, sv[1], mode);
        }
        r = pid < 0 ? -errno : 0;
        safe_close(sv[1]);
        if (saved_pidns >= 0 && setns(saved_pidns, CLONE_NEWPID) < 0)
                tong_warn("could not return to our own pid namespace: %s", strerror(errno));
        if (r < 0)
                return tong_err_sys(err, -r, "clone the container process");
        c->pid = pid;
        return 0;
}

static int map_user_namespace(container *c, tong_err **err)
{
        const tong_linux *l = &c->spec->linux;
        ssize_t i = tong_spec_find_namespace(c->spec, TONG_NS_USER);
        int r;

        if (i < 0 || l->namespaces[i].path)
                return 0;
        r = sync_expect(c->sync_fd, SYNC_USERNS_READY, NULL, err);
        if (r < 0)
                return r;
        r = tong_userns_write_maps(c->pid, l->uid_mappings, l->n_uid_mappings, l->gid_mappings,
                                   l->n_gid_mappings, c->ctx->rootless, err);
        if (r >= 0 && tong_spec_has_namespace(c->spec, TONG_NS_TIME) &&
            !l->namespaces[tong_spec_find_namespace(c->spec, TONG_NS_TIME)].path)
                r = tong_timens_write_offsets(c->pid, l, err);
        if (r < 0)
                return r;
        return sync_send_type(c->sync_fd, SYNC_USERNS_DONE, err);
}

static int run_runtime_hooks(container *c, tong_err **err)
{
        const tong_hooks *h = &c->spec->hooks;
        _cleanup_free_ char *state = NULL;
        int r;

        if (!h->n_hooks[TONG_HOOK_PRESTART] && !h->n_hooks[TONG_HOOK_CREATE_RUNTIME] &&
            !h->n_hooks[TONG_HOOK_CREATE_CONTAINER])
                return 0;
        r = sync_expect(c->sync_fd, SYNC_HOOKS_RUNTIME, NULL, err);
        if (r < 0)
                return r;
        c->create_hooks_ran = true;
        state = container_oci_state(c, "creating", TONG_JSON_PLAIN);
        r = tong_hooks_run(h, TONG_HOOK_PRESTART, state, err);
        if (r >= 0)
                r = tong_hooks_run(h, TONG_HOOK_CREATE_RUNTIME, state, err);
        if (r < 0)
                return r;
        return sync_send_type(c->sync_fd, SYNC_HOOKS_RUNTIME_DONE, err);
}

/*
 * The v1 cgroups, made while the child unshares its namespaces (a network namespace alone
 * is ~0.4 ms); it waits for our word before it joins them itself (tong_cgroup_enter_self).
 */
static int cgroup_v1(container *c, tong_err **err)
{
        int r = 0;

        if (c->cg)
                r = create_cgroup(c, TONG_CGROUP_V1, err);
        if (r < 0)
                return r;
        return sync_send_type(c->sync_fd, c->cg ? SYNC_CGROUP_READY : SYNC_CGROUP_NONE, err);
}

static int parent_sync(container *c, tong_create_mode mode, int *ret_pty, tong_err **err)
{
        int r;

        r = container_apply_limits(c, &c->spec->process, err);
        if (r < 0)
                return tong_err_prefix(err, r, "config.json");
        r = map_user_namespace(c, err);
        if (r >= 0)
                r = cgroup_v1(c, err);
        if (r >= 0)
                r = persist(c, err);
        if (r < 0)
                return r;
        r = run_runtime_hooks(c, err);
        if (r < 0)
                return r;
        if (mode == TONG_RUN_FOREGROUND && c->spec->process.terminal && c->console_fd < 0) {
                r = sync_expect(c->sync_fd, SYNC_PTY_MASTER, ret_pty, err);
                if (r < 0)
                        return r;
        }
        r = sync_expect(c->sync_fd, SYNC_CREATED, NULL, err);
        if (r < 0)
                return r;
        if (c->opts->pid_file) {
                r = container_write_pid_file(c->opts->pid_file, c->pid, err);
                if (r < 0)
                        return r;
        }
        if (mode != TONG_CREATE_CMD)
                return 0; /* START follows right away */
        r = sync_send_type(c->sync_fd, SYNC_CREATED_ACK, err);
        if (r < 0)
                return r;
        return sync_expect(c->sync_fd, SYNC_DETACHED, NULL, err);
}

/* The init vanished mid-protocol: say how, and point at a memory limit that killed it. */
static int explain_death(container *c, int r, tong_err **err)
{
        const tong_resources *res;
        int status;

        if (r != -EPIPE || !c->spec || c->pid <= 0 || waitpid(c->pid, &status, 0) != c->pid)
                return r;
        res = &c->spec->linux.resources;
        c->pid = 0;
        tong_err_freep(err);
        if (!WIFSIGNALED(status))
                return tong_err_set(err, EPIPE,
                                    "the container process exited with status %d while being "
                                    "set up",
                                    WEXITSTATUS(status));
        if (WTERMSIG(status) == SIGKILL && c->spec->linux.has_resources && res->has_memory &&
            res->memory.has_limit && res->memory.limit >= 0)
                return tong_err_set(err, ENOMEM,
                                    "the container process was killed (SIGKILL) while being set "
                                    "up: linux.resources.memory.limit (%lld bytes) is probably "
                                    "too low",
                                    (long long)res->memory.limit);
        return tong_err_set(err, EPIPE,
                            "the container process was killed by signal %d while being set up",
                            WTERMSIG(status));
}

int container_create(container *c, const tong_create_opts *o, tong_create_mode mode, int *ret_pty,
                     tong_err **err)
{
        bool in_cgroup = false;
        int r;

        c->opts = o;
        tong_debug("create `%s`: prepare", c->id);
        r = prepare(c, o, mode, err);
        tong_debug("create `%s`: launch", c->id);
        if (r >= 0)
                r = launch(c, mode, &in_cgroup, err);
        if (r >= 0)
                r = parent_sync(c, mode, ret_pty, err);
        tong_debug("create `%s`: created", c->id);
        if (r < 0)
                r = explain_death(c, r, err);
        if (r < 0) {
                container_destroy(c, c->create_hooks_ran);
                return r;
        }
        /* The init has the listening socket now; ours must not keep it alive. */
        c->start_fd = safe_close(c->start_fd);
        if (mode == TONG_CREATE_CMD)
                container_record_status(c, "created");
        return 0;
}

int tong_container_create(const tong_ctx *ctx, const tong_create_opts *o, tong_err **err)
{
        _cleanup_(container_freep) container *c = container_new(ctx, o->id);

        return container_create(c, o, TONG_CREATE_CMD, NULL, err);
}

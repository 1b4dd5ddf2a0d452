/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "tong/log.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "core/macro.h"
#include "core/missing.h"
#include "core/parse-util.h"
#include "core/strv.h"
#include "linux/caps.h"
#include "linux/process.h"
#include "spec/names.h"

_Static_assert(sizeof(gid_t) == sizeof(uint32_t), "gid_t must be 32 bits");
_Static_assert(sizeof(uid_t) == sizeof(uint32_t), "uid_t must be 32 bits");

/* ------------------------------------------------------------------ executable lookup */

/* 0 if path is a regular file with an execute bit; -errno otherwise (-EISDIR, -EACCES...). */
static int check_executable(const char *path)
{
        struct stat st;

        if (stat(path, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111))
                return -EACCES;
        return 0;
}

static int find_in_path(const char *arg0, const char *path, char **ret)
{
        bool denied = false;
        const char *p = path;

        for (;;) {
                const char *end = strchrnul(p, ':');
                _cleanup_free_ char *cand = NULL;
                int r;

                if (end == p)
                        cand = xasprintf("./%s", arg0);
                else
                        cand = xasprintf("%.*s/%s", (int)(end - p), p, arg0);
                r = check_executable(cand);
                if (r == 0) {
                        *ret = TAKE_PTR(cand);
                        return 0;
                }
                /* execvp(3): a candidate that exists but cannot run makes the result EACCES. */
                if (r == -EACCES || r == -EISDIR)
                        denied = true;
                if (*end == '\0')
                        break;
                p = end + 1;
        }
        return denied ? -EACCES : -ENOENT;
}

static const char *lower_strerror(int e, char *buf, size_t n)
{
        snprintf(buf, n, "%s", strerror(e));
        if (buf[0] >= 'A' && buf[0] <= 'Z')
                buf[0] = (char)(buf[0] - 'A' + 'a');
        return buf;
}

int tong_process_find_executable(const char *arg0, char *const *env, char **ret, tong_err **err)
{
        char ebuf[128];
        const char *path;
        int r;

        if (!arg0 || !*arg0)
                return tong_err_set(err, EINVAL, "process.args[0]: empty executable name");

        if (strchr(arg0, '/')) {
                r = check_executable(arg0);
                if (r == -EISDIR)
                        return tong_err_set(err, EISDIR, "exec: \"%s\": is a directory", arg0);
                if (r == -EACCES)
                        return tong_err_set(err, EACCES, "exec: \"%s\": permission denied", arg0);
                if (r < 0)
                        /* Lower case, as Go (runc) prints it: engines match "no such file or
                         * directory" to give exit code 127. */
                        return tong_err_set(err, -r, "exec: \"%s\": stat %s: %s", arg0, arg0,
                                            lower_strerror(-r, ebuf, sizeof(ebuf)));
                *ret = xstrdup(arg0);
                return 0;
        }

        path = strv_env_get(env, "PATH");
        if (!path)
                path = TONG_DEFAULT_PATH;
        r = find_in_path(arg0, path, ret);
        if (r == -EACCES)
                return tong_err_set(err, EACCES, "exec: \"%s\": permission denied", arg0);
        if (r < 0)
                return tong_err_set(err, ENOENT, "exec: \"%s\": executable file not found in $PATH",
                                    arg0);
        return 0;
}

int tong_process_exec(const char *path, char *const *args, char *const *env, tong_err **err)
{
        execve(path, args, env);
        return tong_err_sys(err, errno, "exec %s", path);
}

/* ------------------------------------------------------------------ rlimits */

static const char *fmt_rlim(uint64_t v, char buf[static 24])
{
        if (v == (uint64_t)RLIM_INFINITY)
                return "unlimited";
        (void)snprintf(buf, 24, "%" PRIu64, v);
        return buf;
}

static int set_one_rlimit(const tong_rlimit *rl, pid_t pid, tong_err **err)
{
        struct rlimit want = { .rlim_cur = rl->soft, .rlim_max = rl->hard }, cur;
        const char *name = tong_rlimit_name(rl->resource);
        char nbuf[24], sbuf[24], hbuf[24], cbuf[24];
        int r;

        if (!name) {
                (void)snprintf(nbuf, sizeof(nbuf), "rlimit %d", rl->resource);
                name = nbuf;
        }
        if (prlimit(pid, (__rlimit_resource_t)rl->resource, &want, NULL) == 0)
                return 0;
        r = errno;
        if (r == EPERM && prlimit(pid, (__rlimit_resource_t)rl->resource, NULL, &cur) == 0 &&
            rl->hard > (uint64_t)cur.rlim_max)
                return tong_err_set(err, EPERM,
                                    "process.rlimits: %s: cannot raise the hard limit to %s "
                                    "(soft %s): the host forbids it (the current hard limit is "
                                    "%s and raising it needs CAP_SYS_RESOURCE%s)",
                                    name, fmt_rlim(rl->hard, hbuf), fmt_rlim(rl->soft, sbuf),
                                    fmt_rlim(cur.rlim_max, cbuf),
                                    rl->resource == RLIMIT_NOFILE ? ", and at most fs.nr_open"
                                                                  : "");
        return tong_err_sys(err, r, "process.rlimits: %s: set soft %s, hard %s", name,
                            fmt_rlim(rl->soft, sbuf), fmt_rlim(rl->hard, hbuf));
}

int tong_process_set_rlimits(const tong_process *p, pid_t pid, tong_err **err)
{
        for (size_t i = 0; i < p->n_rlimits; i++) {
                int r = set_one_rlimit(&p->rlimits[i], pid, err);

                if (r < 0)
                        return r;
        }
        return 0;
}

/* ------------------------------------------------------------------ procfs, oom_score_adj */

static int verify_procfs(int fd, const char *what, tong_err **err)
{
        struct statfs sfs;

        if (fstatfs(fd, &sfs) < 0)
                return tong_err_sys(err, errno, "fstatfs %s", what);
        if (sfs.f_type != PROC_SUPER_MAGIC)
                return tong_err_set(err, EXDEV, "%s is not on procfs (f_type 0x%llx)", what,
                                    (unsigned long long)sfs.f_type);
        return 0;
}

/*
 * Open <procfd>/<rel> without leaving that procfs: no magic links, no mount crossing (a
 * bind mount over a procfs file is how CVE-2025-52881 redirected runc's writes).
 */
static int proc_open(int procfd, const char *rel, int flags, tong_err **err)
{
        _cleanup_close_ int own = -EBADF, fd = -EBADF;
        int r;

        if (procfd < 0) {
                own = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (own < 0)
                        return tong_err_sys(err, errno, "open /proc");
                r = verify_procfs(own, "/proc", err);
                if (r < 0)
                        return r;
                procfd = own;
        }
        fd = tong_openat2(procfd, rel, (uint64_t)(flags | O_CLOEXEC | O_NOFOLLOW), 0,
                          RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV);
        if (fd < 0 && errno == ENOSYS)
                fd = openat(procfd, rel, flags | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return tong_err_sys(err, errno, "open /proc/%s", rel);
        r = verify_procfs(fd, rel, err);
        if (r < 0)
                return r;
        return TAKE_FD(fd);
}

int tong_process_set_oom_score_adj(const tong_process *p, pid_t pid, int procfd, tong_err **err)
{
        _cleanup_close_ int fd = -EBADF;
        char rel[48], buf[16];
        ssize_t n;
        int cur = 0;

        if (!p->has_oom_score_adj)
                return 0;
        if (pid > 0)
                (void)snprintf(rel, sizeof(rel), "%d/oom_score_adj", (int)pid);
        else
                (void)snprintf(rel, sizeof(rel), "self/oom_score_adj");
        fd = proc_open(procfd, rel, O_RDWR, err);
        if (fd < 0)
                return tong_err_prefix(err, fd, "process.oomScoreAdj");
        n = pread(fd, buf, sizeof(buf) - 1, 0);
        if (n > 0) {
                buf[n] = '\0';
                buf[strcspn(buf, "\n")] = '\0';
                if (parse_int(buf, &cur) == 0 && cur == p->oom_score_adj)
                        return 0;
        }
        n = snprintf(buf, sizeof(buf), "%d\n", p->oom_score_adj);
        if (pwrite(fd, buf, (size_t)n, 0) == n)
                return 0;
        if (errno == EACCES && p->oom_score_adj < cur)
                return tong_err_set(err, EACCES,
                                    "process.oomScoreAdj: cannot lower oom_score_adj to %d "
                                    "(currently %d): the host refuses it (lowering it needs "
                                    "CAP_SYS_RESOURCE)",
                                    p->oom_score_adj, cur);
        return tong_err_sys(err, errno, "process.oomScoreAdj: write %d to /proc/%s",
                            p->oom_score_adj, rel);
}

/* ------------------------------------------------------------------ umask, fds */

void tong_process_set_umask(const tong_process *p)
{
        if (p->user.has_umask)
                (void)umask((mode_t)(p->user.umask & 0777));
}

static int mark_cloexec_procfs(unsigned int first, int procfd, tong_err **err)
{
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        int fd;

        fd = proc_open(procfd, "self/fd", O_RDONLY | O_DIRECTORY, err);
        if (fd < 0)
                return fd;
        d = fdopendir(fd);
        if (!d) {
                (void)safe_close(fd);
                return tong_err_sys(err, errno, "fdopendir /proc/self/fd");
        }
        while ((de = readdir(d))) {
                int n;

                if (parse_int(de->d_name, &n) < 0 || n < 0 || (unsigned int)n < first ||
                    n == dirfd(d))
                        continue;
                if (fd_set_cloexec(n, true) < 0 && errno != EBADF)
                        return tong_err_sys(err, errno, "mark fd %d close-on-exec", n);
        }
        return 0;
}

int tong_process_mark_fds_cloexec(unsigned int first, int procfd, tong_err **err)
{
        if (tong_close_range(first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
                return 0;
        if (errno != ENOSYS && errno != EINVAL)
                return tong_err_sys(err, errno, "close_range(%u, ~0, CLOSE_RANGE_CLOEXEC)", first);
        return mark_cloexec_procfs(first, procfd, err);
}

/* ------------------------------------------------------------------ cwd */

int tong_process_verify_cwd(tong_err **err)
{
        _cleanup_free_ char *cwd = getcwd(NULL, 0);

        /* glibc turns the kernel's "(unreachable)/..." into ENOENT. */
        if (!cwd && errno != ENOENT)
                return tong_err_sys(err, errno, "getcwd");
        if (!cwd || cwd[0] != '/')
                return tong_err_set(err, EPERM,
                                    "current working directory is outside of the container's "
                                    "root (possible container breakout detected)");
        return 0;
}

int tong_process_chdir(const char *cwd, bool may_defer, tong_err **err)
{
        int r;

        if (chdir(cwd) < 0) {
                if (may_defer && (errno == EACCES || errno == EPERM))
                        return 1;
                return tong_err_sys(err, errno, "process.cwd: chdir to \"%s\"", cwd);
        }
        r = tong_process_verify_cwd(err);
        if (r < 0)
                return tong_err_prefix(err, r, "process.cwd \"%s\"", cwd);
        return 0;
}

/* ------------------------------------------------------------------ user switch */

static int check_id(uint32_t id, const char *field, tong_err **err)
{
        /* (uid_t)-1 means "leave unchanged" to setres[ug]id and is invalid to setgroups. */
        if (id == UINT32_MAX)
                return tong_err_set(err, EINVAL, "%s: %" PRIu32 " is not a valid id", field, id);
        return 0;
}

static int check_user(const tong_user *u, tong_err **err)
{
        int r;

        r = check_id(u->uid, "process.user.uid", err);
        if (r < 0)
                return r;
        r = check_id(u->gid, "process.user.gid", err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < u->n_additional_gids; i++) {
                r = check_id(u->additional_gids[i], "process.user.additionalGids", err);
                if (r < 0)
                        return r;
        }
        return 0;
}

/*
 * The stdio the runtime set up (a pty, pipes) belongs to root; give it to the container user
 * so it can use its own console (runc fixStdioPermissions).  /dev/null is left alone, and
 * refusals (unmapped owner, read-only /dev) are not fatal.
 */
static int fix_stdio_owner(uint32_t uid, tong_err **err)
{
        for (int fd = 0; fd <= 2; fd++) {
                struct stat st;

                if (fstat(fd, &st) < 0) {
                        if (errno == EBADF)
                                continue;
                        return tong_err_sys(err, errno, "fstat stdio fd %d", fd);
                }
                if (st.st_uid == uid || (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)))
                        continue;
                if (fchown(fd, uid, (gid_t)-1) < 0 && errno != EINVAL && errno != EPERM &&
                    errno != EROFS)
                        return tong_err_sys(err, errno, "chown stdio fd %d to uid %" PRIu32, fd,
                                            uid);
        }
        return 0;
}

static bool setgroups_denied(void)
{
        _cleanup_free_ char *s = NULL;

        if (read_file_at(AT_FDCWD, "/proc/self/setgroups", 64, &s, NULL) < 0)
                return false;
        return startswith(s, "deny");
}

static int set_groups(const tong_user *u, tong_err **err)
{
        if (setgroups(u->n_additional_gids, (const gid_t *)u->additional_gids) == 0)
                return 0;
        /*
         * A user namespace with setgroups "deny" (rootless) cannot change its groups at all;
         * like runc, accept that when no groups were asked for.  The kernel refused, so no
         * group was added either way.
         */
        if (errno == EPERM && u->n_additional_gids == 0 && setgroups_denied()) {
                tong_debug("setgroups is denied in this user namespace; keeping its groups");
                return 0;
        }
        if (u->n_additional_gids == 0)
                return tong_err_sys(err, errno, "process.user.additionalGids: setgroups([])");
        return tong_err_sys(err, errno,
                            "process.user.additionalGids: setgroups(%zu groups, first %" PRIu32 ")",
                            u->n_additional_gids, u->additional_gids[0]);
}

static int switch_ids(const tong_user *u, tong_err **err)
{
        int r;

        r = fix_stdio_owner(u->uid, err);
        if (r < 0)
                return r;
        r = set_groups(u, err);
        if (r < 0)
                return r;
        /* EINVAL from the kernel: the id has no mapping in this user namespace. */
        if (setresgid(u->gid, u->gid, u->gid) < 0)
                return tong_err_sys(
                        err, errno, "process.user.gid: setresgid(%" PRIu32 ")%s", u->gid,
                        errno == EINVAL ? " (gid not mapped in the user namespace)" : "");
        if (setresuid(u->uid, u->uid, u->uid) < 0)
                return tong_err_sys(
                        err, errno, "process.user.uid: setresuid(%" PRIu32 ")%s", u->uid,
                        errno == EINVAL ? " (uid not mapped in the user namespace)" : "");
        return 0;
}

static int apply_caps(const tong_caps_plan *plan, tong_err **err)
{
        tong_capset set = {
                .effective = plan->effective,
                .permitted = plan->permitted,
                .inheritable = plan->inheritable,
        };
        int r;

        r = tong_caps_set(&set, err);
        if (r < 0)
                return tong_err_prefix(err, r, "process.capabilities");
        r = tong_caps_ambient_set(plan->ambient, err);
        if (r < 0)
                return tong_err_prefix(err, r, "process.capabilities.ambient");
        return 0;
}

int tong_process_setup_user(const tong_process *p, tong_err **err)
{
        tong_caps_plan plan;
        tong_capset cur;
        int deferred = 0, r;

        r = check_user(&p->user, err);
        if (r < 0)
                return r;
        if (p->cwd) {
                deferred = tong_process_chdir(p->cwd, true, err);
                if (deferred < 0)
                        return deferred;
        }
        r = tong_caps_get(&cur, err);
        if (r < 0)
                return r;
        tong_caps_plan_make(p->has_capabilities ? &p->capabilities : NULL, tong_caps_bounding_get(),
                            cur.permitted, &plan);

        r = tong_caps_bounding_drop(plan.bounding, err);
        if (r < 0)
                return tong_err_prefix(err, r, "process.capabilities.bounding");
        r = tong_caps_set_keepcaps(true, err);
        if (r < 0)
                return r;
        r = switch_ids(&p->user, err);
        if (r < 0)
                return r;
        if (deferred) {
                r = tong_process_chdir(p->cwd, false, err);
                if (r < 0)
                        return r;
        }
        r = apply_caps(&plan, err);
        if (r < 0)
                return r;
        return tong_caps_set_keepcaps(false, err);
}

int tong_process_set_no_new_privs(const tong_process *p, tong_err **err)
{
        if (!p->no_new_privileges)
                return 0;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1UL, 0UL, 0UL, 0UL) < 0)
                return tong_err_sys(err, errno,
                                    "process.noNewPrivileges: prctl(PR_SET_NO_NEW_PRIVS)");
        return 0;
}

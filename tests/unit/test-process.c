/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stddef.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/mempolicy.h>

#include "tong/log.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "linux/caps.h"
#include "linux/process.h"
#include "test.h"

#define BIT(c) (UINT64_C(1) << (c))

/* ------------------------------------------------------------------ helpers */

typedef int (*child_fn)(void *arg, int outfd);

/*
 * Run fn in a child whose stdio is /dev/null (the user switch chowns stdio, and the test
 * runner's output must stay ours); what it writes to outfd lands in *out.  Returns its exit
 * status.
 */
static int run_child(child_fn fn, void *arg, char **out)
{
        int p[2], status;
        pid_t pid;

        ASSERT_OK(pipe2(p, O_CLOEXEC));
        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);

                if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
                        _exit(99);
                _exit(fn(arg, p[1]));
        }
        (void)close(p[1]);
        ASSERT_OK(read_fd_full(p[0], 1 << 20, out, NULL));
        (void)close(p[0]);
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        return 128 + WTERMSIG(status);
}

static void warn_to_fd(tong_log_level level, const char *msg, void *userdata)
{
        if (level == TONG_LOG_WARN)
                dprintf(*(int *)userdata, "W: %s\n", msg);
}

static void dump_status(int outfd)
{
        _cleanup_free_ char *s = NULL;

        if (read_file_at(AT_FDCWD, "/proc/self/status", 1 << 16, &s, NULL) == 0)
                dprintf(outfd, "%s", s);
}

/* ------------------------------------------------------------------ user switch */

static int setup_user_child(void *arg, int outfd)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        const tong_process *p = arg;

        tong_log_set_sink(warn_to_fd, &outfd, TONG_LOG_WARN);
        if (tong_process_setup_user(p, &err) < 0) {
                dprintf(outfd, "E: %s\n", err->msg);
                return 1;
        }
        dump_status(outfd);
        return 0;
}

TEST(process_setup_user_sets_exact_ids_groups_and_caps)
{
        _cleanup_free_ char *out = NULL;
        uint32_t gids[] = { 10, 20 };
        uint64_t want = BIT(CAP_CHOWN) | BIT(CAP_NET_BIND_SERVICE);
        tong_process p = {
                .user = { .uid = 1000,
                          .gid = 1001,
                          .additional_gids = gids,
                          .n_additional_gids = 2 },
                .cwd = (char *)"/",
                .has_capabilities = true,
                .capabilities = { .bounding = want | BIT(CAP_SYS_RESOURCE),
                                  .effective = want,
                                  .permitted = want },
        };

        ASSERT_EQ(run_child(setup_user_child, &p, &out), 0);
        ASSERT_STR_CONTAINS(out, "Uid:\t1000\t1000\t1000\t1000\n");
        ASSERT_STR_CONTAINS(out, "Gid:\t1001\t1001\t1001\t1001\n");
        ASSERT_STR_CONTAINS(out, "Groups:\t10 20 \n");
        ASSERT_STR_CONTAINS(out, "CapInh:\t0000000000000000\n");
        ASSERT_STR_CONTAINS(out, "CapPrm:\t0000000000000401\n");
        ASSERT_STR_CONTAINS(out, "CapEff:\t0000000000000401\n");
        ASSERT_STR_CONTAINS(out, "CapBnd:\t0000000000000401\n");
        ASSERT_STR_CONTAINS(out, "CapAmb:\t0000000000000000\n");
        /* This host's bounding set lacks CAP_SYS_RESOURCE: a warning, not a failure. */
        ASSERT_STR_CONTAINS(out, "W: process.capabilities: CAP_SYS_RESOURCE (in bounding)");
}

TEST(process_setup_user_honours_high_ids_exactly)
{
        _cleanup_free_ char *out = NULL;
        tong_process p = { .user = { .uid = 2147483648u, .gid = 4294967294u } };

        ASSERT_EQ(run_child(setup_user_child, &p, &out), 0);
        ASSERT_STR_CONTAINS(out, "Uid:\t2147483648\t2147483648\t2147483648\t2147483648\n");
        ASSERT_STR_CONTAINS(out, "Gid:\t4294967294\t4294967294\t4294967294\t4294967294\n");
        /* setgroups([]) always: the runtime's own groups are gone. */
        ASSERT_FALSE(strstr(out, "Groups:\t0"));
        /* No capabilities object: no capabilities (runc). */
        ASSERT_STR_CONTAINS(out, "CapPrm:\t0000000000000000\n");
        ASSERT_STR_CONTAINS(out, "CapBnd:\t0000000000000000\n");
        ASSERT_FALSE(strstr(out, "W: "));

        free(out);
        out = NULL;
        p.user = (tong_user){ .uid = 4294967294u, .gid = 2147483648u };
        ASSERT_EQ(run_child(setup_user_child, &p, &out), 0);
        ASSERT_STR_CONTAINS(out, "Uid:\t4294967294\t4294967294\t4294967294\t4294967294\n");
        ASSERT_STR_CONTAINS(out, "Gid:\t2147483648\t2147483648\t2147483648\t2147483648\n");
}

TEST(process_setup_user_drops_runtime_groups)
{
        _cleanup_free_ char *out = NULL;
        tong_process p = { .user = { .uid = 0, .gid = 0 } };
        gid_t g[] = { 4, 27 };

        /* Give the runtime supplementary groups: they must not survive into the container. */
        ASSERT_OK(setgroups(2, g));
        ASSERT_EQ(run_child(setup_user_child, &p, &out), 0);
        ASSERT_FALSE(strstr(out, "Groups:\t4 27"));
        ASSERT_STR_CONTAINS(out, "Uid:\t0\t0\t0\t0\n");
}

TEST(process_setup_user_inheritable_and_ambient_only_when_asked)
{
        _cleanup_free_ char *out = NULL;
        uint64_t nbs = BIT(CAP_NET_BIND_SERVICE);
        tong_process p = {
                .user = { .uid = 1000, .gid = 1000 },
                .has_capabilities = true,
                .capabilities = { .bounding = nbs | BIT(CAP_CHOWN),
                                  .effective = nbs | BIT(CAP_CHOWN),
                                  .permitted = nbs | BIT(CAP_CHOWN),
                                  .inheritable = nbs,
                                  .ambient = nbs },
        };

        ASSERT_EQ(run_child(setup_user_child, &p, &out), 0);
        ASSERT_STR_CONTAINS(out, "CapInh:\t0000000000000400\n");
        ASSERT_STR_CONTAINS(out, "CapAmb:\t0000000000000400\n");
        ASSERT_STR_CONTAINS(out, "CapEff:\t0000000000000401\n");
}

TEST(process_setup_user_refuses_minus_one_ids)
{
        _cleanup_free_ char *out = NULL;
        tong_process p = { .user = { .uid = 4294967295u, .gid = 0 } };

        ASSERT_EQ(run_child(setup_user_child, &p, &out), 1);
        ASSERT_STR_CONTAINS(out, "E: process.user.uid: 4294967295 is not a valid id");
}

TEST(process_setup_user_reports_bad_cwd)
{
        _cleanup_free_ char *out = NULL;
        tong_process p = { .cwd = (char *)"/nonexistent-tong-cwd" };

        ASSERT_EQ(run_child(setup_user_child, &p, &out), 1);
        ASSERT_STR_CONTAINS(out, "E: process.cwd: chdir to \"/nonexistent-tong-cwd\"");
}

static int userns_child(void *arg, int outfd)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        tong_process *p = arg;

        /* Like rootless: only our own ids mapped, setgroups denied. */
        if (unshare(CLONE_NEWUSER) < 0 ||
            write_file_at(AT_FDCWD, "/proc/self/setgroups", "deny") < 0 ||
            write_file_at(AT_FDCWD, "/proc/self/uid_map", "0 0 1") < 0 ||
            write_file_at(AT_FDCWD, "/proc/self/gid_map", "0 0 1") < 0)
                return 10;
        if (tong_process_setup_user(p, &err) < 0) {
                dprintf(outfd, "E: %s\n", err->msg);
                return 1;
        }
        dump_status(outfd);
        return 0;
}

TEST(process_setup_user_in_user_namespace)
{
        _cleanup_free_ char *out = NULL;
        tong_process p = { .user = { .uid = 0, .gid = 0 } };

        /* setgroups([]) is refused there: accepted, as runc does for rootless. */
        ASSERT_EQ(run_child(userns_child, &p, &out), 0);
        ASSERT_STR_CONTAINS(out, "Uid:\t0\t0\t0\t0\n");
        free(out);
        out = NULL;
        p.user.gid = 1000;
        ASSERT_EQ(run_child(userns_child, &p, &out), 1);
        ASSERT_STR_CONTAINS(out, "E: process.user.gid: setresgid(1000) (gid not mapped in the "
                                 "user namespace): Invalid argument");
}

/* ------------------------------------------------------------------ cwd verification */

static int cwd_child(void *arg, int outfd)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        const char *root = arg;
        _cleanup_free_ char *procdir = xasprintf("%s/proc", root);
        _cleanup_free_ char *cwd = NULL;
        int outside = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

        if (outside < 0 || unshare(CLONE_NEWNS) < 0 ||
            mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("proc", procdir, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
            chroot(root) < 0 || chdir("/") < 0)
                return 10;
        if (tong_process_verify_cwd(NULL) < 0)
                return 11;
        /* What CVE-2024-21626 did: a cwd through a leaked fd of the host. */
        cwd = xasprintf("/proc/self/fd/%d", outside);
        fd_set_cloexec(outside, false);
        if (tong_process_chdir(cwd, false, &err) != -EPERM)
                return 12;
        dprintf(outfd, "%s\n", err->msg);
        err = tong_err_free(err);
        if (fchdir(outside) < 0 || tong_process_verify_cwd(&err) != -EPERM)
                return 13;
        if (tong_process_chdir("/proc", false, NULL) < 0)
                return 14;
        return 0;
}

TEST(process_cwd_outside_root_is_rejected)
{
        _cleanup_free_ char *out = NULL, *procdir = NULL;
        char root[] = "/tmp/tong-test-cwd-XXXXXX";

        ASSERT_NOT_NULL(mkdtemp(root));
        procdir = xasprintf("%s/proc", root);
        ASSERT_OK(mkdir(procdir, 0755));
        ASSERT_EQ(run_child(cwd_child, root, &out), 0);
        ASSERT_OK(rmdir(procdir));
        ASSERT_OK(rmdir(root));
        ASSERT_STR_CONTAINS(out, "outside of the container's root");
        ASSERT_STR_CONTAINS(out, "process.cwd \"/proc/self/fd/");
}

/* ------------------------------------------------------------------ find_executable */

static void touch(const char *dir, const char *name, mode_t mode)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
        int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, mode);

        ASSERT_TRUE(fd >= 0);
        ASSERT_OK(fchmod(fd, mode));
        (void)close(fd);
}

static void rm_in(const char *dir, const char *name)
{
        _cleanup_free_ char *path = xasprintf("%s/%s", dir, name);

        (void)unlink(path);
        (void)rmdir(path);
}

TEST(process_find_executable_follows_execvp)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        _cleanup_free_ char *ret = NULL, *pathvar = NULL, *sub = NULL, *exe = NULL;
        char dir[] = "/tmp/tong-test-exe-XXXXXX";
        char *env[3] = { NULL, (char *)"HOME=/", NULL };

        ASSERT_NOT_NULL(mkdtemp(dir));
        touch(dir, "exe", 0755);
        touch(dir, "noexec", 0644);
        sub = xasprintf("%s/sub", dir);
        ASSERT_OK(mkdir(sub, 0755));
        pathvar = xasprintf("PATH=/nonexistent:%s", dir);
        env[0] = pathvar;

        ASSERT_OK(tong_process_find_executable("exe", env, &ret, NULL));
        exe = xasprintf("%s/exe", dir);
        ASSERT_STREQ(ret, exe);

        ASSERT_EQ(tong_process_find_executable("missing", env, &ret, &err), -ENOENT);
        ASSERT_STREQ(err->msg, "exec: \"missing\": executable file not found in $PATH");
        err = tong_err_free(err);
        ASSERT_EQ(tong_process_find_executable("noexec", env, &ret, &err), -EACCES);
        ASSERT_STREQ(err->msg, "exec: \"noexec\": permission denied");
        err = tong_err_free(err);
        ASSERT_EQ(tong_process_find_executable(sub, env, &ret, &err), -EISDIR);
        ASSERT_STR_CONTAINS(err->msg, "\": is a directory");
        err = tong_err_free(err);
        ASSERT_EQ(tong_process_find_executable("/nonexistent/x", env, &ret, &err), -ENOENT);
        ASSERT_STREQ(err->msg,
                     "exec: \"/nonexistent/x\": stat /nonexistent/x: no such file or directory");
        err = tong_err_free(err);

        /* An empty PATH entry is the current directory. */
        ASSERT_OK(chdir(dir));
        free(ret);
        ret = NULL;
        env[0] = (char *)"PATH=/nonexistent::/also-not";
        ASSERT_OK(tong_process_find_executable("exe", env, &ret, NULL));
        ASSERT_STREQ(ret, "./exe");
        ASSERT_OK(chdir("/"));

        rm_in(dir, "exe");
        rm_in(dir, "noexec");
        rm_in(dir, "sub");
        ASSERT_OK(rmdir(dir));
}

TEST(process_find_executable_default_path)
{
        _cleanup_free_ char *ret = NULL;
        char *env[] = { (char *)"HOME=/", NULL };

        ASSERT_OK(tong_process_find_executable("sh", env, &ret, NULL));
        ASSERT_TRUE(ret[0] == '/');
        ASSERT_OK(access(ret, X_OK));
        free(ret);
        ret = NULL;
        ASSERT_OK(tong_process_find_executable("sh", NULL, &ret, NULL));
}

TEST(process_exec_failure_returns_error)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        char *args[] = { (char *)"x", NULL };

        ASSERT_EQ(tong_process_exec("/nonexistent-tong", args, NULL, &err), -ENOENT);
        ASSERT_STREQ(err->msg, "exec /nonexistent-tong: No such file or directory");
}

/* ------------------------------------------------------------------ rlimits, oom */

TEST(process_rlimits_set_exactly)
{
        tong_rlimit rl[] = {
                { .resource = RLIMIT_NOFILE, .soft = 1000, .hard = 2000 },
                { .resource = RLIMIT_CORE, .soft = 4096, .hard = RLIM_INFINITY },
                { .resource = RLIMIT_MSGQUEUE, .soft = 1024, .hard = 8192 },
        };
        tong_process p = { .rlimits = rl, .n_rlimits = ELEMENTSOF(rl) };
        struct rlimit got;

        ASSERT_OK(tong_process_set_rlimits(&p, 0, NULL));
        ASSERT_OK(getrlimit(RLIMIT_NOFILE, &got));
        ASSERT_U64_EQ(got.rlim_cur, 1000);
        ASSERT_U64_EQ(got.rlim_max, 2000);
        ASSERT_OK(getrlimit(RLIMIT_CORE, &got));
        ASSERT_U64_EQ(got.rlim_cur, 4096);
        ASSERT_U64_EQ(got.rlim_max, RLIM_INFINITY);
        ASSERT_OK(getrlimit(RLIMIT_MSGQUEUE, &got));
        ASSERT_U64_EQ(got.rlim_cur, 1024);
        ASSERT_U64_EQ(got.rlim_max, 8192);
}

TEST(process_rlimit_above_host_hard_limit_names_it)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        tong_rlimit rl = { .resource = RLIMIT_NOFILE, .soft = 1024, .hard = 1048576 };
        tong_process p = { .rlimits = &rl, .n_rlimits = 1 };
        struct rlimit cur;

        ASSERT_OK(getrlimit(RLIMIT_NOFILE, &cur));
        /* Meaningful only without CAP_SYS_RESOURCE and with a lower hard limit (this host). */
        if (cur.rlim_max >= rl.hard)
                return;
        ASSERT_EQ(tong_process_set_rlimits(&p, 0, &err), -EPERM);
        ASSERT_STR_CONTAINS(err->msg, "process.rlimits: RLIMIT_NOFILE: cannot raise the hard "
                                      "limit to 1048576");
        ASSERT_STR_CONTAINS(err->msg, "the host forbids it");
}

static int read_oom(void)
{
        _cleanup_free_ char *s = NULL;

        ASSERT_OK(read_file_at(AT_FDCWD, "/proc/self/oom_score_adj", 64, &s, NULL));
        return (int)strtol(s, NULL, 10);
}

TEST(process_oom_score_adj)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        tong_process p = { .has_oom_score_adj = false, .oom_score_adj = 300 };
        tong_capset c;
        int before = read_oom();

        ASSERT_OK(tong_process_set_oom_score_adj(&p, 0, -1, NULL));
        ASSERT_EQ(read_oom(), before);
        p.has_oom_score_adj = true;
        ASSERT_OK(tong_process_set_oom_score_adj(&p, 0, -1, NULL));
        ASSERT_EQ(read_oom(), 300);
        p.oom_score_adj = 500;
        ASSERT_OK(tong_process_set_oom_score_adj(&p, 0, -1, NULL));
        ASSERT_EQ(read_oom(), 500);

        /* Lowering needs CAP_SYS_RESOURCE, which this host's bounding set lacks. */
        ASSERT_OK(tong_caps_get(&c, NULL));
        p.oom_score_adj = -500;
        if (c.effective & BIT(CAP_SYS_RESOURCE)) {
                ASSERT_OK(tong_process_set_oom_score_adj(&p, 0, -1, NULL));
                return;
        }
        ASSERT_EQ(tong_process_set_oom_score_adj(&p, 0, -1, &err), -EACCES);
        ASSERT_STR_CONTAINS(err->msg, "process.oomScoreAdj: cannot lower oom_score_adj to -500 "
                                      "(currently 500)");
        ASSERT_STR_CONTAINS(err->msg, "CAP_SYS_RESOURCE");
}

/* ------------------------------------------------------------------ scheduling and friends */

TEST(process_personality_linux32)
{
        tong_linux l = { .has_personality = true, .personality = { .domain = PER_LINUX32 } };
        struct utsname u;

        ASSERT_OK(tong_process_set_personality(NULL, NULL));
        ASSERT_OK(tong_process_set_personality(&l, NULL));
        ASSERT_EQ(personality(0xffffffff), PER_LINUX32);
        ASSERT_OK(uname(&u));
        ASSERT_STREQ(u.machine, "i686");
        l.personality.domain = PER_LINUX;
        ASSERT_OK(tong_process_set_personality(&l, NULL));
        ASSERT_EQ(personality(0xffffffff), PER_LINUX);
}

TEST(process_io_priority_readback)
{
        tong_process p = { .io_priority = { .has = true, .klass = 2, .priority = 5 } };

        ASSERT_OK(tong_process_set_io_priority(&p, 0, NULL));
        ASSERT_EQ(syscall(SYS_ioprio_get, 1, 0), (2 << 13) | 5);
        p.io_priority = (tong_io_priority){ .has = true, .klass = 3, .priority = 0 };
        ASSERT_OK(tong_process_set_io_priority(&p, 0, NULL));
        ASSERT_EQ(syscall(SYS_ioprio_get, 1, 0), 3 << 13);
}

struct test_sched_attr {
        uint32_t size, policy;
        uint64_t flags;
        int32_t nice;
        uint32_t priority;
        uint64_t runtime, deadline, period;
        uint32_t util_min, util_max;
};

TEST(process_scheduler_readback)
{
        struct test_sched_attr a = { 0 };
        tong_process p = {
                .scheduler = { .has = true, .policy = SCHED_BATCH, .has_nice = true, .nice = 7 }
        };
        struct sched_param sp;

        ASSERT_OK(tong_process_set_scheduler(&p, 0, NULL));
        ASSERT_OK(syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0));
        ASSERT_EQ(a.policy, SCHED_BATCH);
        ASSERT_EQ(a.nice, 7);

        p.scheduler = (tong_scheduler){ .has = true,
                                        .policy = SCHED_RR,
                                        .has_priority = true,
                                        .priority = 10,
                                        .flags = 0x01 /* SCHED_FLAG_RESET_ON_FORK */ };
        ASSERT_OK(tong_process_set_scheduler(&p, 0, NULL));
        ASSERT_EQ(sched_getscheduler(0), SCHED_RR | SCHED_RESET_ON_FORK);
        ASSERT_OK(sched_getparam(0, &sp));
        ASSERT_EQ(sp.sched_priority, 10);
}

TEST(process_scheduler_error_names_field)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        tong_process p = { .scheduler = { .has = true, .policy = 4 /* SCHED_ISO */ } };

        ASSERT_TRUE(tong_process_set_scheduler(&p, 0, &err) < 0);
        ASSERT_STR_CONTAINS(err->msg, "process.scheduler: sched_setattr(policy 4");
}

TEST(process_cpu_affinity_initial_and_final)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        tong_process p = { .exec_cpu_affinity = { .initial = (char *)"0",
                                                  .final = (char *)"0-1" } };
        cpu_set_t set;
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

        ASSERT_OK(tong_process_set_cpu_affinity_initial(&p, NULL));
        ASSERT_OK(sched_getaffinity(0, sizeof(set), &set));
        ASSERT_EQ(CPU_COUNT(&set), 1);
        ASSERT_TRUE(CPU_ISSET(0, &set));
        ASSERT_OK(tong_process_set_cpu_affinity_final(&p, NULL));
        ASSERT_OK(sched_getaffinity(0, sizeof(set), &set));
        ASSERT_EQ(CPU_COUNT(&set), ncpu >= 2 ? 2 : 1);

        p.exec_cpu_affinity.final = (char *)"1000";
        ASSERT_EQ(tong_process_set_cpu_affinity_final(&p, &err), -EINVAL);
        ASSERT_STR_CONTAINS(err->msg, "process.execCPUAffinity.final: set CPU affinity to "
                                      "\"1000\"");
}

TEST(process_bitmask_list_parser)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        _cleanup_free_ unsigned long *m = NULL;
        size_t n;

        ASSERT_OK(tong_parse_bitmask_list("0-3,7,64", "x", &m, &n, NULL));
        ASSERT_EQ(n, 65);
        ASSERT_EQ(m[0], 0x8f);
        ASSERT_EQ(m[1], 1);
        free(m);
        m = NULL;
        ASSERT_OK(tong_parse_bitmask_list("", "x", &m, &n, NULL));
        ASSERT_EQ(n, 0);
        ASSERT_EQ(tong_parse_bitmask_list("3-1", "f", &m, &n, &err), -EINVAL);
        ASSERT_STREQ(err->msg, "f: invalid list \"3-1\"");
        err = tong_err_free(err);
        ASSERT_EQ(tong_parse_bitmask_list("1,", "f", &m, &n, NULL), -EINVAL);
        ASSERT_EQ(tong_parse_bitmask_list("a", "f", &m, &n, NULL), -EINVAL);
        ASSERT_EQ(tong_parse_bitmask_list("1-", "f", &m, &n, NULL), -EINVAL);
        ASSERT_EQ(tong_parse_bitmask_list("70000", "f", &m, &n, NULL), -ERANGE);
}

TEST(process_memory_policy_readback)
{
        tong_linux l = { .has_memory_policy = true,
                         .memory_policy = { .mode = MPOL_BIND,
                                            .nodes = (char *)"0",
                                            .flags = MPOL_F_STATIC_NODES } };
        unsigned long mask[16] = { 0 };
        int mode = -1;

        ASSERT_OK(tong_process_set_memory_policy(&l, NULL));
        ASSERT_OK(syscall(SYS_get_mempolicy, &mode, mask, sizeof(mask) * 8, NULL, 0UL));
        ASSERT_EQ(mode, MPOL_BIND | MPOL_F_STATIC_NODES);
        ASSERT_EQ(mask[0], 1);

        l.memory_policy = (tong_memory_policy){ .mode = MPOL_LOCAL };
        ASSERT_OK(tong_process_set_memory_policy(&l, NULL));
        ASSERT_OK(syscall(SYS_get_mempolicy, &mode, mask, sizeof(mask) * 8, NULL, 0UL));
        ASSERT_EQ(mode, MPOL_LOCAL);
}

TEST(process_umask_and_no_new_privs)
{
        tong_process p = { .user = { .has_umask = true, .umask = 027 } };

        tong_process_set_umask(&p);
        ASSERT_EQ(umask(022), 027);
        ASSERT_OK(tong_process_set_no_new_privs(&p, NULL));
        ASSERT_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 0);
        p.no_new_privileges = true;
        ASSERT_OK(tong_process_set_no_new_privs(&p, NULL));
        ASSERT_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), 1);
}

TEST(process_mark_fds_cloexec_keeps_preserved)
{
        int a = open("/dev/null", O_RDONLY), b = open("/dev/null", O_RDONLY);
        int c = open("/dev/null", O_RDONLY);

        ASSERT_TRUE(a >= 3 && b > a && c > b);
        ASSERT_OK(tong_process_mark_fds_cloexec((unsigned int)b, -1, NULL));
        ASSERT_EQ(fcntl(a, F_GETFD) & FD_CLOEXEC, 0);
        ASSERT_EQ(fcntl(b, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
        ASSERT_EQ(fcntl(c, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
}

/* A seccomp filter that makes close_range(2) fail with ENOSYS, as on kernels before 5.9. */
static void deny_close_range(void)
{
        struct sock_filter f[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
                BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_close_range, 0, 1),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = { .len = ELEMENTSOF(f), .filter = f };

        ASSERT_OK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
        ASSERT_OK(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0));
}

TEST(process_mark_fds_cloexec_without_close_range)
{
        int a = open("/dev/null", O_RDONLY), b = open("/dev/null", O_RDONLY);

        ASSERT_TRUE(a >= 3 && b > a);
        deny_close_range();
        ASSERT_EQ(syscall(__NR_close_range, 3, 3, 0), -1);
        ASSERT_EQ(errno, ENOSYS);
        ASSERT_OK(tong_process_mark_fds_cloexec((unsigned int)b, -1, NULL));
        ASSERT_EQ(fcntl(a, F_GETFD) & FD_CLOEXEC, 0);
        ASSERT_EQ(fcntl(b, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
}

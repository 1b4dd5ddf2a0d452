/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seccomp: every filter is installed in a forked child (the runner's own test process stays
 * unfiltered); the parent checks how the child ended.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "linux/seccomp-bpf.h"

#include <seccomp.h>

#include "tong/log.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "core/json.h"
#include "test.h"

/* ---------------------------------------------------------------- helpers */

static char warnings[8192];

static void capture_sink(tong_log_level level, const char *msg, void *userdata)
{
        size_t used = strlen(warnings);

        (void)level;
        (void)userdata;
        (void)snprintf(warnings + used, sizeof(warnings) - used, "%s\n", msg);
}

static char *names_buf[16][8];

/* A NULL-terminated names list that lives as long as the test (tests are one-shot processes). */
static char **names(int slot, const char *a, const char *b)
{
        names_buf[slot][0] = (char *)a;
        names_buf[slot][1] = (char *)b;
        names_buf[slot][2] = NULL;
        return names_buf[slot];
}

static tong_seccomp_prog *compile_ok(const tong_seccomp *s)
{
        tong_err *err = NULL;
        tong_seccomp_prog *p = NULL;
        int r = tong_seccomp_compile(s, &p, &err);

        if (r < 0)
                test_fail(__FILE__, __LINE__, "compile: %s", err ? err->msg : "(no error)");
        return p;
}

static char *compile_err(const tong_seccomp *s)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        tong_seccomp_prog *p = NULL;

        ASSERT_TRUE(tong_seccomp_compile(s, &p, &err) < 0);
        ASSERT_NULL(p);
        ASSERT_NOT_NULL(err);
        return xstrdup(err->msg);
}

typedef int (*child_fn)(void *arg);

/* fork; the child sets no_new_privs, installs p, runs fn and exits with its result. */
static int run_filtered(const tong_seccomp_prog *p, child_fn fn, void *arg)
{
        int status = 0;
        pid_t pid = fork();

        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                tong_err *err = NULL;

                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(100);
                if (tong_seccomp_install(p, NULL, &err) < 0) {
                        fprintf(stderr, "# install: %s\n", err->msg);
                        _exit(101);
                }
                _exit(fn(arg));
        }
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        return status;
}

#define ASSERT_EXITED_0(status)                                                      \
        do {                                                                         \
                int _s = (status);                                                   \
                if (!WIFEXITED(_s) || WEXITSTATUS(_s) != 0)                          \
                        test_fail(__FILE__, __LINE__, "child: exited %d, signal %d", \
                                  WIFEXITED(_s) ? WEXITSTATUS(_s) : -1,              \
                                  WIFSIGNALED(_s) ? WTERMSIG(_s) : 0);               \
        } while (0)

/* 0 if syscall returned -1 with errno e, else the line number (as an exit code). */
#define EXPECT_ERRNO(call, e)                                                      \
        do {                                                                       \
                errno = 0;                                                         \
                long _r = (long)(call);                                            \
                if (_r != -1 || errno != (e)) {                                    \
                        fprintf(stderr, "# %s: %ld errno %d\n", #call, _r, errno); \
                        return __LINE__ % 200 + 1;                                 \
                }                                                                  \
        } while (0)

/* ---------------------------------------------------------------- actions */

static int child_mkdir_exdev(void *arg)
{
        (void)arg;
        EXPECT_ERRNO(mkdir("/tmp/tong-seccomp-never", 0700), EXDEV);
        EXPECT_ERRNO(syscall(SYS_mkdirat, AT_FDCWD, "/tmp/tong-seccomp-never", 0700), EXDEV);
        return 0;
}

TEST(seccomp_errno_rule_with_custom_errno)
{
        tong_seccomp_syscall sc = { .names = names(0, "mkdir", "mkdirat"),
                                    .action = TONG_SCMP_ACT_ERRNO,
                                    .has_errno_ret = true,
                                    .errno_ret = EXDEV };
        tong_seccomp s = { .default_action = TONG_SCMP_ACT_ALLOW,
                           .syscalls = &sc,
                           .n_syscalls = 1 };
        _cleanup_(tong_seccomp_prog_freep) tong_seccomp_prog *p = compile_ok(&s);

        ASSERT_FALSE(tong_seccomp_prog_uses_notify(p));
        ASSERT_EXITED_0(run_filtered(p, child_mkdir_exdev, NULL));
}

static int child_getppid(void *arg)
{
        (void)arg;
        return syscall(SYS_getppid) > 0 ? 0 : 1;
}

TEST(seccomp_kill_rules_kill_with_sigsys)
{
        static const tong_seccomp_action kills[] = { TONG_SCMP_ACT_KILL_PROCESS,
                                                     TONG_SCMP_ACT_KILL_THREAD,
                                                     TONG_SCMP_ACT_KILL };

        for (size_t i = 0; i < ELEMENTSOF(kills); i++) {
                tong_seccomp_syscall sc = { .names = names(0, "getppid", NULL),
                                            .action = kills[i] };
                tong_seccomp s = { .default_action = TONG_SCMP_ACT_ALLOW,
                                   .syscalls = &sc,
                                   .n_syscalls = 1 };
                _cleanup_(tong_seccomp_prog_freep) tong_seccomp_prog *p = compile_ok(&s);
                int status = run_filtered(p, child_getppid, NULL);

                ASSERT_TRUE(WIFSIGNALED(status));
                ASSERT_EQ(WTERMSIG(status), SIGSYS);
        }
}

static volatile sig_atomic_t trapped_nr = -1;

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
        (void)sig;
        (void)uc;
        trapped_nr = si->si_syscall;
}

static int child_trap(void *arg)
{
        (void)arg;
        /* The result is whatever the handler leaves; only the signal matters. */
        (void)syscall(SYS_getppid);
        return trapped_nr == SYS_getppid ? 0 : 1;
}

TEST(seccomp_trap_rule_raises_sigsys_with_the_syscall)
{
        tong_seccomp_syscall sc = { .names = names(0, "getppid", NULL),
                                    .action = TONG_SCMP_ACT_TRAP };
        tong_seccomp s = { .default_action = TONG_SCMP_ACT_ALLOW,
                           .syscalls = &sc,
                           .n_syscalls = 1 };
        _cleanup_(tong_seccomp_prog_freep) tong_seccomp_prog *p = compile_ok(&s);
        struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };

        ASSERT_OK(sigaction(SIGSYS, &sa, NULL));
        ASSERT_EXITED_0(run_filtered(p, child_trap, NULL));
}

static int child_log(void *arg)
{
        pid_t parent = *(pid_t *)arg;

        return syscall(SYS_getppid) == parent ? 0 : 1;
}

TEST(seccomp_log_rule_allows)
{
        tong_seccomp_syscall sc = { .names = names(0, "getppid", NULL),
                                    .action = TONG_SCMP_ACT_LOG };
        tong_seccomp s = { .default_action = TONG_SCMP_ACT_ALLOW,
                           .syscalls = &sc,
                           .n_syscalls = 1 };
        _cleanup_(tong_seccomp_prog_freep) tong_seccomp_prog *p = compile_ok(&s);
        pid_t self = getpid();

        ASSERT_EXITED_0(run_filtered(p, child_log, &self));
}

static int child_trace(void *arg)
{
        (void)arg;
        /* No tracer attached: the kernel fails a SECCOMP_RET_TRACE syscall with ENOSYS. */
        EXPECT_ERRNO(syscall(SYS_getppid), ENOSYS);
        return 0;
}

TEST(seccomp_trace_rule_without_tracer)
{
        tong_seccomp_syscall sc = { .names = names(0, "getppid", NULL),
                                    .action = TONG_SCMP_ACT_TRACE,
                                    .has_errno_ret = true,
                                    .errno_ret = 5 };
        tong_seccomp s = { .default_action = TONG_SCMP_ACT_ALLOW,
                           .syscalls = &sc,
                           .n_syscalls = 1 };
        _cleanup_(tong_seccomp_prog_freep) tong_seccomp_prog *p = compile_ok(&s);

        ASSERT_EXITED_0(run_filtered(p, child_trace, NULL));
}

/* ---------------------------------------------------------------- arguments */

static int child_args(void *arg)
{
        (void)arg;
        /* Blocked values get EBADMSG from the filter, others reach the kernel: EBADF. */
        EXPECT_ERRNO(syscall(SYS_close, 1000), EBADMSG); /* EQ */
        EXPECT_ERRNO(syscall(SYS_close, 1001), EBADF);
        EXPECT_ERRNO(syscall(SYS_fchdir, 8), EBADMSG); /* NE 7 */
        EXPECT_ERRNO(syscall(SYS_fchdir, 7), EBADF);
        EXPECT_ERRNO(syscall(SYS_fsync, 899), EBADMSG); /* LT 900 */
        EXPECT_ERRNO(syscall(SYS_fsync, 900), EBADF);
        EXPECT_ERRNO(syscall(SYS_fdatasync, 900), EBADMSG); /* LE 900 */
        EXPECT_ERRNO(syscall(SYS_fdatasync, 901), EBADF);
        EXPECT_ERRNO(syscall(SYS_dup, 5000), EBADMSG); /* GE 5000 */
        EXPECT_ERRNO(syscall(SYS_dup, 4999), EBADF);
        EXPECT_ERRNO(syscall(SYS_syncfs, 5001), EBADMSG); /* GT 5000 */
        EXPECT_ERRNO(syscall(SYS_syncfs, 5000), EBADF);
        EXPECT_ERRNO(syscall(SYS_fchmod, 9999, 0x35), EBADMSG); /* (mode & 0xf0) == 0x30 */
        EXPECT_ERRNO(syscall(SYS_fchmod, 9999, 0x45), EBADF);
        /* Two indices on one rule: both must match. */
        EXPECT_ERRNO(syscall(SYS_dup2, 1000, 1001), EBADMSG);
        EXPECT_ERRNO(syscall(SYS_dup2, 1000, 1002), EBADF);
        EXPECT_ERRNO(syscall(SYS_dup2, 999, 1001), EBADF);
        /* The same index twice: each arg is a rule of its own (runc). */
        EXPECT_ERRNO(syscall(SYS_dup3, 3000, 9000, 0), EBADMSG);
        EXPECT_ERRNO(syscall(SYS_dup3, 3001, 9000, 0), EBADMSG);
        EXPECT_ERRNO(syscall(SYS_dup3, 3002, 9000, 0), EBADF);
        return 0;
}

TEST(seccomp_args_every_operator_and_or_semantics)
{
        tong_seccomp_arg a_eq = { .index = 0, .value = 1000, .op = TONG_SCMP_CMP_EQ };
        tong_seccomp_arg a_ne = { .index = 0, .value = 7, .op = TONG_SCMP_CMP_NE };
        tong_seccomp_arg a_lt = { .index = 0, .value = 900, .op = TONG_SCMP_CMP_LT };
        tong_seccomp_arg a_le = { .index = 0, .value = 900, .op = TONG_SCMP_CMP_LE };
        tong_seccomp_arg a_ge = { .index = 0, .value = 5000, .op = TONG_SCMP_CMP_GE };
        tong_seccomp_arg a_gt = { .index = 0, .value = 5000, .op = TONG_SCMP_CMP_GT };
        tong_seccomp_arg a_me = {
                .index = 1, .value = 0xf0, .value_two = 0x30, .op = TONG_SCMP_CMP_MASKED_EQ
        };
        tong_seccomp_arg a_and[] = { { .index = 0, .value = 1000, .op = TONG_SCMP_CMP_EQ },
                                     { .index = 1, .value = 1001, .op = TONG_SCMP_CMP_EQ } };
        tong_seccomp_arg a_or[] = { { .index = 0, .value = 3000, .op = TONG_SCMP_CMP_EQ },
                                    { .index = 0, .value = 3001, .op = TONG_SCMP_CMP_EQ } };
        tong_seccomp_syscall sc[] = {
                { .names = names(0, "close", NULL), .args = &a_eq, .n_args = 1 },
                { .names = names(1, "fchdir", NULL), .args = &a_ne, .n_args = 1 },
                { .names = names(2, "fsync", NULL), .args = &a_lt, .n_args = 1 },
                { .names = names(3, "fdatasync", NULL), .args = &a_le, .n_args = 1 },
                { .names = names(4, "dup", NULL), .args = &a_ge, .n_args = 1 },
                { .names = names(5, "syncfs", NULL), .args = &a_gt, .n_args = 1 },
                { .names = names(6, "fchmod", NULL), .args = &a_me, .n_args = 1 },
                { .names = names(7, "dup2", NULL), .args = a_and, .n_args = 2 },
                { .names = names(8, "dup3", NULL), .args = a_or, .n_args = 2 },
        };
        tong_seccomp s = { .default_action = TONG_SCMP_ACT_ALLOW,
                           .syscalls = sc,
                           .n_syscalls = ELEMENTSOF(sc) };

        for (size_t i = 0; i < ELEMENTSOF(sc); i++) {
                sc[i].action = TONG_SCMP_ACT_ERRNO;
                sc[i].has_errno_ret = true;
                sc[i].errno_ret = EBADMSG;
        }
        _cleanup_(tong_seccomp_prog_freep) tong_seccomp_prog *p = compile_ok(&s);
        ASSERT_EXITED_0(run_filtered(p, child_args, NULL));
}

/* ---------------------------------------------------------------- default action, ENOSYS */

static int child_default_errno(void *arg)
{
        (void)arg;
        EXPECT_ERRNO(syscall(SYS_getppid), EROFS); /* not listed, below the largest listed */
        /* Above every syscall the profile names: ENOSYS, as on a kernel without it. */
        EXPECT_ERRNO(syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY), ENOSYS);
        EXPECT_ERRNO(syscall(1000), ENOSYS);
        if (syscall(SYS_getpid) != getpid())
                return 2;
        return 0;
}

TEST(seccomp_default_errno_ret_and_enosys_stub)
{
#if defined(__SANITIZE_ADDRESS__)
        /* The filter denies nearly everything; ASan's runtime needs sigaltstack/mmap in the
         * child and aborts.  The plain build runs this test. */
        return;
#endif
        tong_seccomp_syscall sc = { .names = names(0, "exit_group", "exit"),
                                    .action = TONG_SCMP_ACT_ALLOW };
        tong_seccomp_syscall sc2 = { .names = names(1, "write", "getpid"),
                                     .action = TONG_SCMP_ACT_ALLOW };
        tong_seccomp_syscall both[] = { sc, sc2 };
        tong_seccomp s = { .default_action = TONG_SCMP_ACT_ERRNO,
                           .has_default_errno_ret = true,
                           .default_errno_ret = EROFS,
                           .syscalls = both,
                           .n_syscalls = 2 };
        _cleanup_(tong_seccomp_prog_freep) tong_seccomp_prog *p = compile_ok(&s);

        ASSERT_EXITED_0(run_filtered(p, child_default_errno, NULL));
}

static int child_default_allow(void *arg)
{
        (void)arg;
        /* No stub when the default allows: unknown numbers reach the kernel. */
        EXPECT_ERRNO(syscall(SYS_getppid), EPERM);
        return syscall(SYS_getpid) == getpid() ? 0 : 2;
}

TEST(seccomp_default_errno_is_eperm_and_allow_has_no_stub)
{
        tong_seccomp_syscall sc = { .names = names(0, "getppid", NULL),
                                    .action = TONG_SCMP_ACT_ERRNO };
        tong_seccomp s = { .default_action = TONG_SCMP_ACT_ALLOW,
                           .syscalls = &sc,
                           .n_syscalls = 1 };
        _cleanup_(tong_seccomp_prog_freep) tong_seccomp_prog *p = compile_ok(&s);

        ASSERT_EXITED_0(run_filtered(p, child_default_allow, NULL));
}

/* ---------------------------------------------------------------- names, errors */

static int child_unknown(void *arg)
{
        (void)arg;
        EXPECT_ERRNO(syscall(SYS_getppid), EPERM);
        return 0;
}

TEST(seccomp_unknown_syscall_name_is_skipped_with_a_warning)
{
        tong_seccomp_syscall sc = { .names = names(0, "no_such_syscall_tong", "getppid"),
                                    .action = TONG_SCMP_ACT_ERRNO };
        tong_seccomp s = { .default_action = TONG_SCMP_ACT_ALLOW,
                           .syscalls = &sc,
                           .n_syscalls = 1 };

        tong_log_set_sink(capture_sink, NULL, TONG_LOG_WARN);
        _cleanup_(tong_seccomp_prog_freep) tong_seccomp_prog *p = compile_ok(&s);
        ASSERT_STR_CONTAINS(warnings, "linux.seccomp.syscalls[0].names[0]");
        ASSERT_STR_CONTAINS(warnings, "no_such_syscall_tong");
        ASSERT_EXITED_0(run_filtered(p, child_unknown, NULL));
}

TEST(seccomp_errors_name_the_field)
{
        tong_seccomp_arg bad_index = { .index = 6, .op = TONG_SCMP_CMP_EQ };
        tong_seccomp_syscall sc[] = {
                { .names = names(0, "getppid", NULL), .action = TONG_SCMP_ACT_ERRNO },
                { .names = names(1, "close", NULL),
                  .action = TONG_SCMP_ACT_ERRNO,
                  .args = &bad_index,
                  .n_args = 1 },
        };
        tong_seccomp s = { .default_action = TONG_SCMP_ACT_ALLOW, .syscalls = sc, .n_syscalls = 2 };
        _cleanup_free_ char *m1 = NULL, *m2 = NULL, *m3 = NULL, *m4 = NULL, *m5 = NULL;

        m1 = compile_err(&s);
        ASSERT_STR_CONTAINS(m1, "linux.seccomp.syscalls[1].args[0].index: 6");

        sc[1].n_args = 0;
        sc[1].action = TONG_SCMP_ACT_ALLOW;
        sc[1].has_errno_ret = true;
        m2 = compile_err(&s);
        ASSERT_STR_CONTAINS(m2, "linux.seccomp.syscalls[1]: errnoRet: SCMP_ACT_ALLOW");

        sc[1].has_errno_ret = false;
        s.has_default_errno_ret = true;
        m3 = compile_err(&s);
        ASSERT_STR_CONTAINS(m3, "linux.seccomp: defaultErrnoRet: SCMP_ACT_ALLOW");

        s.has_default_errno_ret = false;
        s.default_action = TONG_SCMP_ACT_NOTIFY;
        m4 = compile_err(&s);
        ASSERT_STR_CONTAINS(m4, "linux.seccomp.defaultAction");

        s.default_action = TONG_SCMP_ACT_ALLOW;
        sc[1].action = TONG_SCMP_ACT_NOTIFY;
        sc[1].names = names(2, "getpid", "write");
        m5 = compile_err(&s);
        ASSERT_STR_CONTAINS(m5, "linux.seccomp.syscalls[1].names[1]");
}

TEST(seccomp_rule_equal_to_default_is_skipped)
{
        tong_seccomp_syscall sc = { .names = names(0, "getppid", NULL),
                                    .action = TONG_SCMP_ACT_ALLOW };
        tong_seccomp s = { .default_action = TONG_SCMP_ACT_ALLOW,
                           .syscalls = &sc,
                           .n_syscalls = 1 };
        _cleanup_(tong_seccomp_prog_freep) tong_seccomp_prog *p = compile_ok(&s);

        ASSERT_TRUE(tong_seccomp_prog_len(p) > 0);
}

/* ---------------------------------------------------------------- flags */

TEST(seccomp_flags_map_to_filter_flags_only_when_listed)
{
        tong_seccomp_syscall sc = { .names = names(0, "getppid", NULL),
                                    .action = TONG_SCMP_ACT_ERRNO };
        tong_seccomp s = { .default_action = TONG_SCMP_ACT_ALLOW,
                           .syscalls = &sc,
                           .n_syscalls = 1 };
        tong_seccomp_prog *p;
        pid_t self = getpid();

        p = compile_ok(&s);
        ASSERT_EQ(tong_seccomp_prog_flags(p), 0); /* no SPEC_ALLOW, no LOG by default */
        p = tong_seccomp_prog_free(p);

        s.flags = TONG_SECCOMP_FLAG_TSYNC | TONG_SECCOMP_FLAG_LOG | TONG_SECCOMP_FLAG_SPEC_ALLOW |
                  TONG_SECCOMP_FLAG_WAIT_KILLABLE_RECV;
        p = compile_ok(&s);
        /* WAIT_KILLABLE_RECV needs a listener: dropped. */
        ASSERT_EQ(tong_seccomp_prog_flags(p), SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG |
                                                      SECCOMP_FILTER_FLAG_SPEC_ALLOW);
        sc.action = TONG_SCMP_ACT_LOG;
        p = tong_seccomp_prog_free(p);
        p = compile_ok(&s);
        ASSERT_EXITED_0(run_filtered(p, child_log, &self));
        p = tong_seccomp_prog_free(p);

        sc.action = TONG_SCMP_ACT_NOTIFY;
        p = compile_ok(&s);
        ASSERT_TRUE(tong_seccomp_prog_uses_notify(p));
        ASSERT_EQ(tong_seccomp_prog_flags(p),
                  SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG |
                          SECCOMP_FILTER_FLAG_SPEC_ALLOW | SECCOMP_FILTER_FLAG_NEW_LISTENER |
                          SECCOMP_FILTER_FLAG_TSYNC_ESRCH | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
        tong_seccomp_prog_free(p);
}

/* ---------------------------------------------------------------- architectures */

#if defined(__x86_64__)
/* An argument-less i386 syscall through the 32-bit entry point. */
static long int80(long nr)
{
        __asm__ volatile("int $0x80" : "+a"(nr) : : "memory");
        return nr;
}

static long int80_getpid(void)
{
        return int80(20);
}

static int child_int80(void *arg)
{
        long want = *(long *)arg;

        return int80_getpid() == want ? 0 : 1;
}

static bool ia32_works(void)
{
        int status = 0;
        pid_t pid = fork();

        if (pid == 0)
                _exit(int80_getpid() == getpid() ? 0 : 1);
        if (pid < 0 || waitpid(pid, &status, 0) != pid)
                return false;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
#endif

TEST(seccomp_architectures)
{
        tong_seccomp_syscall sc = { .names = names(0, "getpid", NULL),
                                    .action = TONG_SCMP_ACT_ERRNO,
                                    .has_errno_ret = true,
                                    .errno_ret = 33 };
        char *archs[] = { (char *)"SCMP_ARCH_X86_64", (char *)"SCMP_ARCH_X86",
                          (char *)"SCMP_ARCH_X32", NULL };
        char *unknown[] = { (char *)"SCMP_ARCH_NO_SUCH_ARCH", NULL };
        tong_seccomp s = { .default_action = TONG_SCMP_ACT_ALLOW,
                           .architectures = archs,
                           .syscalls = &sc,
                           .n_syscalls = 1 };
        tong_seccomp_prog *p;

        p = compile_ok(&s);
#if defined(__x86_64__)
        long minus33 = -33;

        if (ia32_works()) {
                /* The x86 rule applies to 32-bit syscalls ... */
                ASSERT_EXITED_0(run_filtered(p, child_int80, &minus33));
                p = tong_seccomp_prog_free(p);
                /* ... and without x86 in the filter they hit the bad-arch action. */
                s.architectures = NULL;
                p = compile_ok(&s);
                int status = run_filtered(p, child_int80, &minus33);
                ASSERT_TRUE(WIFSIGNALED(status));
                ASSERT_EQ(WTERMSIG(status), SIGSYS);
        } else {
                printf("# ia32 syscalls unavailable: 32-bit half skipped\n");
        }
#endif
        p = tong_seccomp_prog_free(p);

        /* An architecture this libseccomp does not know is skipped with a warning. */
        s.architectures = unknown;
        tong_log_set_sink(capture_sink, NULL, TONG_LOG_WARN);
        p = compile_ok(&s);
        ASSERT_STR_CONTAINS(warnings, "linux.seccomp.architectures[0]: SCMP_ARCH_NO_SUCH_ARCH");
        tong_seccomp_prog_free(p);
}

#if defined(__x86_64__)
static int child_enosys_archs(void *arg)
{
        bool ia32 = *(bool *)arg;

        /* x86_64: getppid (110) is below exit_group (231), openat (257) above. */
        EXPECT_ERRNO(syscall(SYS_getppid), EROFS);
        EXPECT_ERRNO(syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY), ENOSYS);
        /* x32 numbers carry bit 30; the filter sees them whether or not the kernel has x32. */
        EXPECT_ERRNO(syscall(0x40000000 | 110), EROFS);
        EXPECT_ERRNO(syscall(0x40000000 | 257), ENOSYS);
        /* i386: exit_group is 252; getuid32 (199) below, fstatat64 (300) above. */
        if (ia32 && (int80(199) != -EROFS || int80(300) != -ENOSYS))
                return 3;
        return 0;
}
#endif

TEST(seccomp_enosys_stub_per_architecture)
{
#if defined(__SANITIZE_ADDRESS__)
        /* The filter denies nearly everything; ASan's runtime needs sigaltstack/mmap in the
         * child and aborts.  The plain build runs this test. */
        return;
#endif
#if defined(__x86_64__)
        tong_seccomp_syscall sc = { .names = names(0, "exit_group", "exit"),
                                    .action = TONG_SCMP_ACT_ALLOW };
        char *archs[] = { (char *)"SCMP_ARCH_X86", (char *)"SCMP_ARCH_X32", NULL };
        tong_seccomp s = { .default_action = TONG_SCMP_ACT_ERRNO,
                           .has_default_errno_ret = true,
                           .default_errno_ret = EROFS,
                           .architectures = archs,
                           .syscalls = &sc,
                           .n_syscalls = 1 };
        _cleanup_(tong_seccomp_prog_freep) tong_seccomp_prog *p = compile_ok(&s);
        bool ia32 = ia32_works();

        ASSERT_EXITED_0(run_filtered(p, child_enosys_archs, &ia32));
#endif
}

/* ---------------------------------------------------------------- notify */

typedef struct agent {
        int listen_fd;
        pid_t want_pid;
        char *error; /* NULL: all checks passed */
        int answered;
} agent;

static void *agent_fail(agent *a, const char *what)
{
        a->error = xasprintf("%s (errno %d)", what, errno);
        return NULL;
}

static int recv_state(int conn, char **ret_json, int *ret_fd)
{
        char buf[4096], cbuf[CMSG_SPACE(sizeof(int))];
        struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
        struct msghdr mh = { .msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = cbuf,
                             .msg_controllen = sizeof(cbuf) };
        struct cmsghdr *c;
        size_t len = 0;
        ssize_t n;

        n = recvmsg(conn, &mh, MSG_CMSG_CLOEXEC);
        if (n <= 0)
                return -1;
        c = CMSG_FIRSTHDR(&mh);
        if (!c || c->cmsg_type != SCM_RIGHTS)
                return -1;
        memcpy(ret_fd, CMSG_DATA(c), sizeof(int));
        len = (size_t)n;
        /* The rest (if any) follows without fds, until the runtime closes. */
        while ((n = read(conn, buf + len, sizeof(buf) - 1 - len)) > 0)
                len += (size_t)n;
        buf[len] = '\0';
        *ret_json = xstrdup(buf);
        return 0;
}

static void *agent_main(void *arg)
{
        agent *a = arg;
        _cleanup_close_ int conn = -EBADF, nfd = -EBADF;
        _cleanup_free_ char *json = NULL;
        _cleanup_json_ tong_json *j = NULL;
        const tong_json *fds, *state;
        const char *s;
        int64_t pid;
        struct seccomp_notif req;
        struct seccomp_notif_resp resp;

        conn = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0)
                return agent_fail(a, "accept");
        if (recv_state(conn, &json, &nfd) < 0)
                return agent_fail(a, "recvmsg");
        if (tong_json_parse(json, strlen(json), &j, NULL) < 0)
                return agent_fail(a, "parse");
        fds = tong_json_get(j, "fds");
        state = tong_json_get(j, "state");
        if (!fds || tong_json_array_len(fds) != 1 ||
            tong_json_get_string(tong_json_array_at(fds, 0), &s) < 0 || strcmp(s, "seccompFd"))
                return agent_fail(a, "fds");
        if (tong_json_get_i64(tong_json_get(j, "pid"), &pid) < 0 || pid != a->want_pid)
                return agent_fail(a, "pid");
        if (tong_json_get_string(tong_json_get(j, "metadata"), &s) < 0 || strcmp(s, "agent-meta"))
                return agent_fail(a, "metadata");
        if (tong_json_get_string(tong_json_get(j, "ociVersion"), &s) < 0)
                return agent_fail(a, "ociVersion");
        if (!state || tong_json_get_string(tong_json_get(state, "id"), &s) < 0 || strcmp(s, "c1"))
                return agent_fail(a, "state.id");

        memset(&req, 0, sizeof(req));
        if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
                return agent_fail(a, "NOTIF_RECV");
        if (req.data.nr != SYS_getppid || (pid_t)req.pid != a->want_pid)
                return agent_fail(a, "unexpected notification");
        resp = (struct seccomp_notif_resp){ .id = req.id, .val = 4242 };
        if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
                return agent_fail(a, "NOTIF_SEND");
        a->answered = 1;
        return NULL;
}

static int send_fd(int sock, int fd)
{
        char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, byte = 'x';
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr mh = { .msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = cbuf,
                             .msg_controllen = sizeof(cbuf) };
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
        return sendmsg(sock, &mh, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
        char cbuf[CMSG_SPACE(sizeof(int))], byte;
        struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
        struct msghdr mh = { .msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = cbuf,
                             .msg_controllen = sizeof(cbuf) };
        struct cmsghdr *c;
        int fd;

        if (recvmsg(sock, &mh, MSG_CMSG_CLOEXEC) != 1)
                return -1;
        c = CMSG_FIRSTHDR(&mh);
        if (!c || c->cmsg_type != SCM_RIGHTS)
                return -1;
        memcpy(&fd, CMSG_DATA(c), sizeof(int));
        return fd;
}

/* The runtime's half in the child: install, hand the listener fd over, run. */
static _noreturn_ void notify_child(const tong_seccomp_prog *p, int sock)
{
        tong_err *err = NULL;
        int nfd = -EBADF;

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                _exit(100);
        if (tong_seccomp_install(p, &nfd, &err) < 0) {
                fprintf(stderr, "# install: %s\n", err->msg);
                _exit(101);
        }
        if (nfd < 0 || send_fd(sock, nfd) < 0)
                _exit(102);
        close(nfd);
        /* Blocks until the agent answers: 4242 is its made-up result. */
        _exit(syscall(SYS_getppid) == 4242 ? 0 : 103);
}

static int make_listener(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int dirfd = -EBADF, fd = -EBADF;
        _cleanup_free_ char *dir = xstrdup(path), *via = NULL;

        /* The path is longer than sun_path: bind through the directory's fd. */
        dirfd = open(dirname(dir), O_PATH | O_DIRECTORY | O_CLOEXEC);
        ASSERT_TRUE(dirfd >= 0);
        via = xasprintf("/proc/self/fd/%d/%s", dirfd, strrchr(path, '/') + 1);
        ASSERT_TRUE(strlen(via) < sizeof(sa.sun_path));
        memcpy(sa.sun_path, via, strlen(via) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ASSERT_TRUE(fd >= 0);
        ASSERT_OK(bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
        ASSERT_OK(listen(fd, 1));
        return TAKE_FD(fd);
}

TEST(seccomp_notify_reaches_the_agent_which_answers)
{
        tong_seccomp_syscall sc = { .names = names(0, "getppid", NULL),
                                    .action = TONG_SCMP_ACT_NOTIFY };
        tong_seccomp s = { .default_action = TONG_SCMP_ACT_ALLOW,
                           .syscalls = &sc,
                           .n_syscalls = 1 };
        _cleanup_(tong_seccomp_prog_freep) tong_seccomp_prog *p = compile_ok(&s);
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        _cleanup_free_ char *dir = NULL, *path = NULL, *state = NULL;
        int sp[2], status = 0, nfd;
        agent a = { .listen_fd = -EBADF };
        pthread_t thread;
        pid_t pid;

        ASSERT_TRUE(tong_seccomp_prog_uses_notify(p));
        dir = xasprintf("/tmp/tong-test-seccomp-%d-%s", getpid(),
                        "a-directory-name-long-enough-to-overflow-sun-path-xxxxxxxxxxxxxxxxxxxxxx");
        ASSERT_OK(mkdir(dir, 0700));
        path = xasprintf("%s/agent.sock", dir);
        ASSERT_TRUE(strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path));
        a.listen_fd = make_listener(path);
        ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp));

        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0)
                notify_child(p, sp[1]);
        close(sp[1]);
        a.want_pid = pid;
        ASSERT_EQ(pthread_create(&thread, NULL, agent_main, &a), 0);

        nfd = recv_fd(sp[0]);
        ASSERT_TRUE(nfd >= 0);
        state = xasprintf("{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"status\":\"creating\","
                          "\"pid\":%d,\"bundle\":\"/b\"}",
                          pid);
        int r = tong_seccomp_send_notify_fd(path, nfd, state, "agent-meta", pid, &err);
        close(nfd);
        if (r < 0)
                kill(pid, SIGKILL);
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_EQ(pthread_join(thread, NULL), 0);
        close(a.listen_fd);
        close(sp[0]);
        unlink(path);
        rmdir(dir);
        if (r < 0)
                test_fail(__FILE__, __LINE__, "send: %s", err->msg);
        if (a.error)
                test_fail(__FILE__, __LINE__, "agent: %s", a.error);
        ASSERT_EQ(a.answered, 1);
        ASSERT_EXITED_0(status);
}

TEST(seccomp_notify_send_errors)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        _cleanup_close_ int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

        ASSERT_TRUE(tong_seccomp_send_notify_fd("/nonexistent/tong.sock", fd, "{}", NULL, 1, &err) <
                    0);
        ASSERT_STR_CONTAINS(err->msg, "linux.seccomp.listenerPath: connect to /nonexistent/tong");
        err = tong_err_free(err);
        ASSERT_TRUE(tong_seccomp_send_notify_fd("/nonexistent/tong.sock", fd, "[]", NULL, 1, &err) <
                    0);
        ASSERT_STR_CONTAINS(err->msg, "not an object");
}

/* ---------------------------------------------------------------- a Docker-shaped profile */

static int action_from_name(const char *s)
{
        static const char *const n[] = { "SCMP_ACT_KILL",        "SCMP_ACT_KILL_PROCESS",
                                         "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
                                         "SCMP_ACT_ERRNO",       "SCMP_ACT_TRACE",
                                         "SCMP_ACT_ALLOW",       "SCMP_ACT_LOG",
                                         "SCMP_ACT_NOTIFY" };

        for (size_t i = 0; i < ELEMENTSOF(n); i++)
                if (strcmp(s, n[i]) == 0)
                        return (int)i; /* same order as tong_seccomp_action */
        test_fail(__FILE__, __LINE__, "unknown action %s", s);
}

static int op_from_name(const char *s)
{
        static const char *const n[] = { "SCMP_CMP_NE",       "SCMP_CMP_LT", "SCMP_CMP_LE",
                                         "SCMP_CMP_EQ",       "SCMP_CMP_GE", "SCMP_CMP_GT",
                                         "SCMP_CMP_MASKED_EQ" };

        for (size_t i = 0; i < ELEMENTSOF(n); i++)
                if (strcmp(s, n[i]) == 0)
                        return (int)i; /* same order as tong_seccomp_op */
        test_fail(__FILE__, __LINE__, "unknown op %s", s);
}

static const char *jstr(const tong_json *j, const char *key)
{
        const char *s = NULL;

        ASSERT_OK(tong_json_get_string(tong_json_get(j, key), &s));
        return s;
}

static uint64_t ju64(const tong_json *j, const char *key, uint64_t dflt)
{
        uint64_t v = dflt;

        if (tong_json_get(j, key))
                ASSERT_OK(tong_json_get_u64(tong_json_get(j, key), &v));
        return v;
}

static char **jstrv(const tong_json *arr)
{
        size_t n = tong_json_array_len(arr);
        char **l = xcalloc(n + 1, sizeof(char *));

        for (size_t i = 0; i < n; i++) {
                const char *s;

                ASSERT_OK(tong_json_get_string(tong_json_array_at(arr, i), &s));
                l[i] = xstrdup(s);
        }
        return l;
}

/* A test-only reader (the spec module owns the real parser); leaks into the test process. */
static void load_profile(const tong_json *j, tong_seccomp *s)
{
        const tong_json *calls = tong_json_get(j, "syscalls");

        s->default_action = action_from_name(jstr(j, "defaultAction"));
        s->has_default_errno_ret = tong_json_get(j, "defaultErrnoRet") != NULL;
        s->default_errno_ret = (uint32_t)ju64(j, "defaultErrnoRet", 0);
        s->architectures = jstrv(tong_json_get(j, "architectures"));
        s->n_syscalls = tong_json_array_len(calls);
        s->syscalls = xcalloc(s->n_syscalls, sizeof(*s->syscalls));
        for (size_t i = 0; i < s->n_syscalls; i++) {
                const tong_json *c = tong_json_array_at(calls, i), *args = tong_json_get(c, "args");
                tong_seccomp_syscall *sc = &s->syscalls[i];

                sc->names = jstrv(tong_json_get(c, "names"));
                sc->action = action_from_name(jstr(c, "action"));
                sc->has_errno_ret = tong_json_get(c, "errnoRet") != NULL;
                sc->errno_ret = (uint32_t)ju64(c, "errnoRet", 0);
                sc->n_args = args ? tong_json_array_len(args) : 0;
                sc->args = xcalloc(sc->n_args + 1, sizeof(*sc->args));
                for (size_t k = 0; k < sc->n_args; k++) {
                        const tong_json *a = tong_json_array_at(args, k);

                        sc->args[k] = (tong_seccomp_arg){
                                .index = (uint32_t)ju64(a, "index", 0),
                                .value = ju64(a, "value", 0),
                                .value_two = ju64(a, "valueTwo", 0),
                                .op = op_from_name(jstr(a, "op")),
                        };
                }
        }
}

static char *data_path(const char *name)
{
        _cleanup_free_ char *exe = NULL, *src = xstrdup(__FILE__);
        char buf[4096];
        ssize_t n;

        if (src[0] == '/')
                return xasprintf("%s/../data/%s", dirname(src), name);
        /* Meson compiles from the build root; the binary is in <build root>/tests/unit/. */
        n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
        ASSERT_TRUE(n > 0);
        buf[n] = '\0';
        exe = xstrdup(buf);
        return xasprintf("%s/../%s/../data/%s", dirname(dirname(exe)), dirname(src), name);
}

static int child_exec_shell(void *arg)
{
        (void)arg;
        /* Refused by the profile with its default errno. */
        EXPECT_ERRNO(syscall(SYS_unshare, 0), EPERM);
        EXPECT_ERRNO(syscall(SYS_keyctl, 0, 0, 0, 0, 0), EPERM);
        EXPECT_ERRNO(syscall(SYS_personality, 0x0040000), EPERM); /* not in the allowed values */
        EXPECT_ERRNO(syscall(SYS_clone3, NULL, 0), ENOSYS);       /* its errnoRet */
        EXPECT_ERRNO(socket(40 /* AF_VSOCK */, SOCK_STREAM, 0), EPERM);
        execl("/bin/sh", "sh", "-c",
              "set -e; echo hello | cat > /dev/null; ls / > /dev/null; "
              "x=$(cat /proc/self/status | wc -l); test \"$x\" -gt 10; sleep 0",
              (char *)NULL);
        return 90;
}

TEST(seccomp_default_like_profile_compiles_and_runs_a_program)
{
        _cleanup_free_ char *path = data_path("seccomp-default-like.json"), *buf = NULL;
        _cleanup_json_ tong_json *j = NULL;
        tong_seccomp s = { 0 };
        struct timespec t0, t1;
        size_t len, n_names = 0;
        double ms;

        ASSERT_OK(read_file_at(AT_FDCWD, path, 1 << 20, &buf, &len));
        ASSERT_OK(tong_json_parse(buf, len, &j, NULL));
        load_profile(j, &s);
        for (size_t i = 0; i < s.n_syscalls; i++)
                for (size_t k = 0; s.syscalls[i].names[k]; k++)
                        n_names++;
        ASSERT_TRUE(n_names >= 300);

        ASSERT_OK(clock_gettime(CLOCK_MONOTONIC, &t0));
        tong_seccomp_prog *p = compile_ok(&s);
        ASSERT_OK(clock_gettime(CLOCK_MONOTONIC, &t1));
        ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
        printf("# default-like profile: %zu names, compiled in %.2f ms to %zu instructions\n",
               n_names, ms, tong_seccomp_prog_len(p));
        fflush(stdout);

        ASSERT_EXITED_0(run_filtered(p, child_exec_shell, NULL));
        tong_seccomp_prog_free(p);
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Every string <-> value table of the OCI config.  Lookups are linear scans over short
 * constant tables: the longest (mount options) has ~70 entries, and a config names a
 * handful of options per mount, so a hash would cost more than it saves.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <linux/ioprio.h>
#include <linux/mempolicy.h>
#include <linux/sched.h>

#include "core/macro.h"
#include "core/missing.h"
#include "core/parse-util.h"
#include "spec/names.h"

/* ---------------------------------------------------------------- namespaces */

static const struct {
        const char *oci;
        const char *proc;
        int clone_flag;
} ns_table[_TONG_NS_MAX] = {
        [TONG_NS_PID] = { "pid", "pid", CLONE_NEWPID },
        [TONG_NS_NET] = { "network", "net", CLONE_NEWNET },
        [TONG_NS_MNT] = { "mount", "mnt", CLONE_NEWNS },
        [TONG_NS_IPC] = { "ipc", "ipc", CLONE_NEWIPC },
        [TONG_NS_UTS] = { "uts", "uts", CLONE_NEWUTS },
        [TONG_NS_USER] = { "user", "user", CLONE_NEWUSER },
        [TONG_NS_CGROUP] = { "cgroup", "cgroup", CLONE_NEWCGROUP },
        [TONG_NS_TIME] = { "time", "time", CLONE_NEWTIME },
};

tong_ns_type tong_ns_from_oci(const char *s)
{
        for (int t = 0; t < _TONG_NS_MAX; t++)
                if (streq(ns_table[t].oci, s))
                        return (tong_ns_type)t;
        return _TONG_NS_INVALID;
}

const char *tong_ns_to_oci(tong_ns_type t)
{
        return (unsigned)t < _TONG_NS_MAX ? ns_table[t].oci : NULL;
}

const char *tong_ns_proc_name(tong_ns_type t)
{
        return (unsigned)t < _TONG_NS_MAX ? ns_table[t].proc : NULL;
}

int tong_ns_clone_flag(tong_ns_type t)
{
        return (unsigned)t < _TONG_NS_MAX ? ns_table[t].clone_flag : 0;
}

/* ---------------------------------------------------------------- rlimits */

static const char *const rlimit_names[RLIMIT_NLIMITS] = {
        [RLIMIT_CPU] = "RLIMIT_CPU",           [RLIMIT_FSIZE] = "RLIMIT_FSIZE",
        [RLIMIT_DATA] = "RLIMIT_DATA",         [RLIMIT_STACK] = "RLIMIT_STACK",
        [RLIMIT_CORE] = "RLIMIT_CORE",         [RLIMIT_RSS] = "RLIMIT_RSS",
        [RLIMIT_NPROC] = "RLIMIT_NPROC",       [RLIMIT_NOFILE] = "RLIMIT_NOFILE",
        [RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",   [RLIMIT_AS] = "RLIMIT_AS",
        [RLIMIT_LOCKS] = "RLIMIT_LOCKS",       [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
        [RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE",
        [RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",     [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

int tong_rlimit_from_name(const char *s)
{
        for (int i = 0; i < RLIMIT_NLIMITS; i++)
                if (rlimit_names[i] && streq(rlimit_names[i], s))
                        return i;
        return -1;
}

const char *tong_rlimit_name(int resource)
{
        return resource >= 0 && resource < RLIMIT_NLIMITS ? rlimit_names[resource] : NULL;
}

/* ---------------------------------------------------------------- capabilities */

static const char *const cap_names[TONG_CAP_LAST + 1] = {
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_DAC_READ_SEARCH",
        "CAP_FOWNER",
        "CAP_FSETID",
        "CAP_KILL",
        "CAP_SETGID",
        "CAP_SETUID",
        "CAP_SETPCAP",
        "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST",
        "CAP_NET_ADMIN",
        "CAP_NET_RAW",
        "CAP_IPC_LOCK",
        "CAP_IPC_OWNER",
        "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO",
        "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN",
        "CAP_SYS_BOOT",
        "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG",
        "CAP_MKNOD",
        "CAP_LEASE",
        "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP",
        "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN",
        "CAP_SYSLOG",
        "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ",
        "CAP_PERFMON",
        "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
};

int tong_cap_from_name(const char *s)
{
        for (int i = 0; i <= TONG_CAP_LAST; i++)
                if (streq(cap_names[i], s))
                        return i;
        return -1;
}

const char *tong_cap_name(int cap)
{
        return cap >= 0 && cap <= TONG_CAP_LAST ? cap_names[cap] : NULL;
}

/* ---------------------------------------------------------------- signals */

static const struct {
        const char *name; /* without "SIG" */
        int sig;
} signal_table[] = {
        { "HUP", SIGHUP },
        { "INT", SIGINT },
        { "QUIT", SIGQUIT },
        { "ILL", SIGILL },
        { "TRAP", SIGTRAP },
        { "ABRT", SIGABRT },
        { "BUS", SIGBUS },
        { "FPE", SIGFPE },
        { "KILL", SIGKILL },
        { "USR1", SIGUSR1 },
        { "SEGV", SIGSEGV },
        { "USR2", SIGUSR2 },
        { "PIPE", SIGPIPE },
        { "ALRM", SIGALRM },
        { "TERM", SIGTERM },
        { "STKFLT", SIGSTKFLT },
        { "CHLD", SIGCHLD },
        { "CONT", SIGCONT },
        { "STOP", SIGSTOP },
        { "TSTP", SIGTSTP },
        { "TTIN", SIGTTIN },
        { "TTOU", SIGTTOU },
        { "URG", SIGURG },
        { "XCPU", SIGXCPU },
        { "XFSZ", SIGXFSZ },
        { "VTALRM", SIGVTALRM },
        { "PROF", SIGPROF },
        { "WINCH", SIGWINCH },
        { "IO", SIGIO },
        { "PWR", SIGPWR },
        { "SYS", SIGSYS },
        /* Aliases: accepted, never printed (the first match wins in tong_signal_name). */
        { "IOT", SIGIOT },
        { "POLL", SIGPOLL },
        { "CLD", SIGCHLD },
};

/* "RTMIN", "RTMIN+3", "RTMAX-2" (without "SIG"); -1 if not one of those. */
static int rt_signal_from_string(const char *s)
{
        bool min = strncasecmp(s, "RTMIN", 5) == 0, max = strncasecmp(s, "RTMAX", 5) == 0;
        int base, off = 0, sig;

        if (!min && !max)
                return -1;
        base = min ? SIGRTMIN : SIGRTMAX;
        s += 5;
        if (*s) {
                if ((min && *s != '+') || (max && *s != '-'))
                        return -1;
                if (parse_int(s + 1, &off) < 0 || off < 0 || off > SIGRTMAX - SIGRTMIN)
                        return -1;
        }
        sig = min ? base + off : base - off;
        return sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : -1;
}

int tong_signal_from_string(const char *s)
{
        int n;

        if (!s || !*s)
                return -1;
        if (*s >= '0' && *s <= '9') {
                if (parse_int(s, &n) < 0 || n < 1 || n > SIGRTMAX)
                        return -1;
                return n;
        }
        if (strncasecmp(s, "SIG", 3) == 0)
                s += 3;
        for (size_t i = 0; i < ELEMENTSOF(signal_table); i++)
                if (strcasecmp(signal_table[i].name, s) == 0)
                        return signal_table[i].sig;
        return rt_signal_from_string(s);
}

const char *tong_signal_name(int sig)
{
        static const char *const full[] = {
                "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",  "SIGTRAP",   "SIGABRT", "SIGBUS",
                "SIGFPE",  "SIGKILL",   "SIGUSR1", "SIGSEGV", "SIGUSR2",   "SIGPIPE", "SIGALRM",
                "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP",   "SIGTSTP", "SIGTTIN",
                "SIGTTOU", "SIGURG",    "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH",
                "SIGIO",   "SIGPWR",    "SIGSYS",
        };

        for (size_t i = 0; i < ELEMENTSOF(full); i++)
                if (signal_table[i].sig == sig)
                        return full[i];
        if (sig == SIGRTMIN)
                return "SIGRTMIN";
        if (sig == SIGRTMAX)
                return "SIGRTMAX";
        return NULL;
}

/* ---------------------------------------------------------------- seccomp */

static const char *const seccomp_action_names[_TONG_SCMP_ACT_MAX] = {
        [TONG_SCMP_ACT_KILL] = "SCMP_ACT_KILL",
        [TONG_SCMP_ACT_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
        [TONG_SCMP_ACT_KILL_THREAD] = "SCMP_ACT_KILL_THREAD",
        [TONG_SCMP_ACT_TRAP] = "SCMP_ACT_TRAP",
        [TONG_SCMP_ACT_ERRNO] = "SCMP_ACT_ERRNO",
        [TONG_SCMP_ACT_TRACE] = "SCMP_ACT_TRACE",
        [TONG_SCMP_ACT_ALLOW] = "SCMP_ACT_ALLOW",
        [TONG_SCMP_ACT_LOG] = "SCMP_ACT_LOG",
        [TONG_SCMP_ACT_NOTIFY] = "SCMP_ACT_NOTIFY",
};

int tong_seccomp_action_from_name(const char *s)
{
        for (int i = 0; i < _TONG_SCMP_ACT_MAX; i++)
                if (streq(seccomp_action_names[i], s))
                        return i;
        return -1;
}

const char *tong_seccomp_action_name(tong_seccomp_action a)
{
        return (unsigned)a < _TONG_SCMP_ACT_MAX ? seccomp_action_names[a] : NULL;
}

static const char *const seccomp_op_names[_TONG_SCMP_CMP_MAX] = {
        [TONG_SCMP_CMP_NE] = "SCMP_CMP_NE",
        [TONG_SCMP_CMP_LT] = "SCMP_CMP_LT",
        [TONG_SCMP_CMP_LE] = "SCMP_CMP_LE",
        [TONG_SCMP_CMP_EQ] = "SCMP_CMP_EQ",
        [TONG_SCMP_CMP_GE] = "SCMP_CMP_GE",
        [TONG_SCMP_CMP_GT] = "SCMP_CMP_GT",
        [TONG_SCMP_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

int tong_seccomp_op_from_name(const char *s)
{
        for (int i = 0; i < _TONG_SCMP_CMP_MAX; i++)
                if (streq(seccomp_op_names[i], s))
                        return i;
        return -1;
}

const char *tong_seccomp_op_name(tong_seccomp_op op)
{
        return (unsigned)op < _TONG_SCMP_CMP_MAX ? seccomp_op_names[op] : NULL;
}

static const struct {
        const char *name;
        unsigned flag;
} seccomp_flag_table[] = {
        { "SECCOMP_FILTER_FLAG_TSYNC", TONG_SECCOMP_FLAG_TSYNC },
        { "SECCOMP_FILTER_FLAG_LOG", TONG_SECCOMP_FLAG_LOG },
        { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", TONG_SECCOMP_FLAG_SPEC_ALLOW },
        { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", TONG_SECCOMP_FLAG_WAIT_KILLABLE_RECV },
};

int tong_seccomp_flag_from_name(const char *s)
{
        for (size_t i = 0; i < ELEMENTSOF(seccomp_flag_table); i++)
                if (streq(seccomp_flag_table[i].name, s))
                        return (int)seccomp_flag_table[i].flag;
        return -1;
}

const char *tong_seccomp_flag_name(unsigned flag)
{
        for (size_t i = 0; i < ELEMENTSOF(seccomp_flag_table); i++)
                if (seccomp_flag_table[i].flag == flag)
                        return seccomp_flag_table[i].name;
        return NULL;
}

/* The enum of defs-linux.json "SeccompArch". */
const char *const tong_seccomp_arch_names[] = {
        "SCMP_ARCH_X86",         "SCMP_ARCH_X86_64",      "SCMP_ARCH_X32",     "SCMP_ARCH_ARM",
        "SCMP_ARCH_AARCH64",     "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",    "SCMP_ARCH_MIPS",
        "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",   "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64",
        "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",         "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",
        "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",       "SCMP_ARCH_SH",      "SCMP_ARCH_SHEB",
        "SCMP_ARCH_PARISC",      "SCMP_ARCH_PARISC64",    "SCMP_ARCH_RISCV64", NULL,
};

bool tong_seccomp_arch_known(const char *s)
{
        for (size_t i = 0; tong_seccomp_arch_names[i]; i++)
                if (streq(tong_seccomp_arch_names[i], s))
                        return true;
        return false;
}

/* ---------------------------------------------------------------- scheduler, ioprio, NUMA */

typedef struct name_value {
        const char *name;
        long value;
} name_value;

static long lookup(const name_value *t, size_t n, const char *s)
{
        for (size_t i = 0; i < n; i++)
                if (streq(t[i].name, s))
                        return t[i].value;
        return -1;
}

int tong_sched_policy_from_name(const char *s)
{
        static const name_value t[] = {
                { "SCHED_OTHER", SCHED_OTHER },
                { "SCHED_FIFO", SCHED_FIFO },
                { "SCHED_RR", SCHED_RR },
                { "SCHED_BATCH", SCHED_BATCH },
                { "SCHED_ISO", TONG_SCHED_ISO },
                { "SCHED_IDLE", SCHED_IDLE },
                { "SCHED_DEADLINE", SCHED_DEADLINE },
        };

        return (int)lookup(t, ELEMENTSOF(t), s);
}

int tong_sched_flag_from_name(const char *s)
{
        static const name_value t[] = {
                { "SCHED_FLAG_RESET_ON_FORK", SCHED_FLAG_RESET_ON_FORK },
                { "SCHED_FLAG_RECLAIM", SCHED_FLAG_RECLAIM },
                { "SCHED_FLAG_DL_OVERRUN", SCHED_FLAG_DL_OVERRUN },
                { "SCHED_FLAG_KEEP_POLICY", SCHED_FLAG_KEEP_POLICY },
                { "SCHED_FLAG_KEEP_PARAMS", SCHED_FLAG_KEEP_PARAMS },
                { "SCHED_FLAG_UTIL_CLAMP_MIN", SCHED_FLAG_UTIL_CLAMP_MIN },
                { "SCHED_FLAG_UTIL_CLAMP_MAX", SCHED_FLAG_UTIL_CLAMP_MAX },
        };

        return (int)lookup(t, ELEMENTSOF(t), s);
}

int tong_ioprio_class_from_name(const char *s)
{
        static const name_value t[] = {
                { "IOPRIO_CLASS_RT", IOPRIO_CLASS_RT },
                { "IOPRIO_CLASS_BE", IOPRIO_CLASS_BE },
                { "IOPRIO_CLASS_IDLE", IOPRIO_CLASS_IDLE },
        };

        return (int)lookup(t, ELEMENTSOF(t), s);
}

static const name_value mpol_modes[] = {
        { "MPOL_DEFAULT", MPOL_DEFAULT },
        { "MPOL_BIND", MPOL_BIND },
        { "MPOL_INTERLEAVE", MPOL_INTERLEAVE },
        { "MPOL_WEIGHTED_INTERLEAVE", TONG_MPOL_WEIGHTED_INTERLEAVE },
        { "MPOL_PREFERRED", MPOL_PREFERRED },
        { "MPOL_PREFERRED_MANY", MPOL_PREFERRED_MANY },
        { "MPOL_LOCAL", MPOL_LOCAL },
};

int tong_mpol_mode_from_name(const char *s)
{
        return (int)lookup(mpol_modes, ELEMENTSOF(mpol_modes), s);
}

const char *tong_mpol_mode_name(int mode)
{
        for (size_t i = 0; i < ELEMENTSOF(mpol_modes); i++)
                if (mpol_modes[i].value == mode)
                        return mpol_modes[i].name;
        return NULL;
}

int tong_mpol_flag_from_name(const char *s)
{
        static const name_value t[] = {
                { "MPOL_F_NUMA_BALANCING", MPOL_F_NUMA_BALANCING },
                { "MPOL_F_RELATIVE_NODES", MPOL_F_RELATIVE_NODES },
                { "MPOL_F_STATIC_NODES", MPOL_F_STATIC_NODES },
        };

        return (int)lookup(t, ELEMENTSOF(t), s);
}

long tong_personality_domain_from_name(const char *s)
{
        static const name_value t[] = {
                { "LINUX", PER_LINUX },
                { "LINUX32", PER_LINUX32 },
        };

        return lookup(t, ELEMENTSOF(t), s);
}

/* ---------------------------------------------------------------- hooks */

const char *tong_hook_kind_name(tong_hook_kind k)
{
        static const char *const names[_TONG_HOOK_MAX] = {
                [TONG_HOOK_PRESTART] = "prestart",
                [TONG_HOOK_CREATE_RUNTIME] = "createRuntime",
                [TONG_HOOK_CREATE_CONTAINER] = "createContainer",
                [TONG_HOOK_START_CONTAINER] = "startContainer",
                [TONG_HOOK_POSTSTART] = "poststart",
                [TONG_HOOK_POSTSTOP] = "poststop",
        };

        return (unsigned)k < _TONG_HOOK_MAX ? names[k] : NULL;
}

/* ---------------------------------------------------------------- mount options */

#define FLAG(n, f)                          \
        {                                   \
                n, TONG_MOPT_FLAG, false, f \
        }
#define UNFLAG(n, f)                       \
        {                                  \
                n, TONG_MOPT_FLAG, true, f \
        }
#define PROP(n, f)                                 \
        {                                          \
                n, TONG_MOPT_PROPAGATION, false, f \
        }
#define RATTR(n, f)                             \
        {                                       \
                n, TONG_MOPT_REC_ATTR, false, f \
        }
#define RUNATTR(n, f)                          \
        {                                      \
                n, TONG_MOPT_REC_ATTR, true, f \
        }
#define RATIME(n, f)                             \
        {                                        \
                n, TONG_MOPT_REC_ATIME, false, f \
        }

const tong_mount_opt tong_mount_opts[] = {
        /* mount(8) filesystem-independent options: MS_* flags. */
        UNFLAG("async", MS_SYNCHRONOUS),
        UNFLAG("atime", MS_NOATIME),
        UNFLAG("dev", MS_NODEV),
        UNFLAG("diratime", MS_NODIRATIME),
        FLAG("dirsync", MS_DIRSYNC),
        UNFLAG("exec", MS_NOEXEC),
        FLAG("iversion", MS_I_VERSION),
        FLAG("lazytime", MS_LAZYTIME),
        UNFLAG("loud", MS_SILENT),
        FLAG("mand", MS_MANDLOCK),
        FLAG("noatime", MS_NOATIME),
        FLAG("nodev", MS_NODEV),
        FLAG("nodiratime", MS_NODIRATIME),
        FLAG("noexec", MS_NOEXEC),
        UNFLAG("noiversion", MS_I_VERSION),
        UNFLAG("nolazytime", MS_LAZYTIME),
        UNFLAG("nomand", MS_MANDLOCK),
        UNFLAG("norelatime", MS_RELATIME),
        UNFLAG("nostrictatime", MS_STRICTATIME),
        FLAG("nosuid", MS_NOSUID),
        FLAG("nosymfollow", MS_NOSYMFOLLOW),
        FLAG("relatime", MS_RELATIME),
        FLAG("remount", MS_REMOUNT),
        FLAG("ro", MS_RDONLY),
        UNFLAG("rw", MS_RDONLY),
        FLAG("silent", MS_SILENT),
        FLAG("strictatime", MS_STRICTATIME),
        UNFLAG("suid", MS_NOSUID),
        UNFLAG("symfollow", MS_NOSYMFOLLOW),
        FLAG("sync", MS_SYNCHRONOUS),

        /* Propagation. */
        PROP("private", MS_PRIVATE),
        PROP("rprivate", MS_PRIVATE | MS_REC),
        PROP("shared", MS_SHARED),
        PROP("rshared", MS_SHARED | MS_REC),
        PROP("slave", MS_SLAVE),
        PROP("rslave", MS_SLAVE | MS_REC),
        PROP("unbindable", MS_UNBINDABLE),
        PROP("runbindable", MS_UNBINDABLE | MS_REC),

        /* Bind mounts. */
        { "bind", TONG_MOPT_BIND, false, MS_BIND },
        { "rbind", TONG_MOPT_BIND, false, MS_BIND | MS_REC },

        /* Recursive attributes (mount_setattr with AT_RECURSIVE). */
        RATTR("rro", MOUNT_ATTR_RDONLY),
        RUNATTR("rrw", MOUNT_ATTR_RDONLY),
        RATTR("rnosuid", MOUNT_ATTR_NOSUID),
        RUNATTR("rsuid", MOUNT_ATTR_NOSUID),
        RATTR("rnodev", MOUNT_ATTR_NODEV),
        RUNATTR("rdev", MOUNT_ATTR_NODEV),
        RATTR("rnoexec", MOUNT_ATTR_NOEXEC),
        RUNATTR("rexec", MOUNT_ATTR_NOEXEC),
        RATTR("rnodiratime", MOUNT_ATTR_NODIRATIME),
        RUNATTR("rdiratime", MOUNT_ATTR_NODIRATIME),
        RATTR("rnosymfollow", MOUNT_ATTR_NOSYMFOLLOW),
        RUNATTR("rsymfollow", MOUNT_ATTR_NOSYMFOLLOW),
        /* The atime mode is one field: each option replaces it.  The "no" forms fall back to
         * what the kernel does when the flag is absent (relatime), except "rnorelatime",
         * which means "update atime always" (strictatime), as mount(8) documents. */
        RATIME("rrelatime", MOUNT_ATTR_RELATIME),
        RATIME("rnorelatime", MOUNT_ATTR_STRICTATIME),
        RATIME("rnoatime", MOUNT_ATTR_NOATIME),
        RATIME("ratime", MOUNT_ATTR_RELATIME),
        RATIME("rstrictatime", MOUNT_ATTR_STRICTATIME),
        RATIME("rnostrictatime", MOUNT_ATTR_RELATIME),

        /* Idmapped mounts. */
        { "idmap", TONG_MOPT_IDMAP, false, 0 },
        { "ridmap", TONG_MOPT_IDMAP, false, MS_REC },

        { "defaults", TONG_MOPT_SPECIAL, false, TONG_MOPT_SPECIAL_DEFAULTS },
        { "tmpcopyup", TONG_MOPT_SPECIAL, false, TONG_MOPT_SPECIAL_TMPCOPYUP },
        { NULL, TONG_MOPT_FLAG, false, 0 },
};

const tong_mount_opt *tong_mount_opt_lookup(const char *name)
{
        for (const tong_mount_opt *o = tong_mount_opts; o->name; o++)
                if (streq(o->name, name))
                        return o;
        return NULL;
}

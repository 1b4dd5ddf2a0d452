/* SPDX-License-Identifier: Apache-2.0 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>

#include "linux/seccomp-bpf.h" /* before <seccomp.h>: it brings the kernel's <linux/seccomp.h> */

#include <seccomp.h>

#include "config.h"
#include "tong/log.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "core/json.h"
#include "core/macro.h"

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef BPF_MAXINSNS
#define BPF_MAXINSNS 4096
#endif

#define SYSCALL_MAX_ARGS 6
#define MAX_ARCHS 32
#define X32_SYSCALL_BIT 0x40000000u
/* libseccomp's binary-tree layout pays off on long lists; <= 2.5.4 misbehaves on empty ones. */
#define OPTIMIZE_MIN_RULES 32

struct tong_seccomp_prog {
        struct sock_filter *insns;
        size_t n_insns;
        unsigned long flags; /* SECCOMP_FILTER_FLAG_* */
        bool notify;
};

static void seccomp_releasep(scmp_filter_ctx *ctx)
{
        if (*ctx)
                seccomp_release(*ctx);
        *ctx = NULL;
}

static const char *action_name(tong_seccomp_action a)
{
        static const char *const names[_TONG_SCMP_ACT_MAX] = {
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

        return (unsigned)a < _TONG_SCMP_ACT_MAX ? names[a] : "(invalid action)";
}

/* errno_field names the errnoRet field in messages ("errnoRet" or "defaultErrnoRet"). */
static int scmp_action(tong_seccomp_action a, bool has_errno, uint32_t errno_ret,
                       const char *errno_field, uint32_t *ret, tong_err **err)
{
        uint32_t data = EPERM;

        if (has_errno) {
                if (a != TONG_SCMP_ACT_ERRNO && a != TONG_SCMP_ACT_TRACE)
                        return tong_err_set(err, EINVAL, "%s: %s does not take an errno value",
                                            errno_field, action_name(a));
                if (errno_ret > SECCOMP_RET_DATA)
                        return tong_err_set(err, ERANGE, "%s: %u is out of range (0-%u)",
                                            errno_field, errno_ret, SECCOMP_RET_DATA);
                data = errno_ret;
        }
        switch (a) {
        case TONG_SCMP_ACT_KILL:
        case TONG_SCMP_ACT_KILL_THREAD:
                *ret = SCMP_ACT_KILL_THREAD;
                return 0;
        case TONG_SCMP_ACT_KILL_PROCESS:
                *ret = SCMP_ACT_KILL_PROCESS;
                return 0;
        case TONG_SCMP_ACT_TRAP:
                *ret = SCMP_ACT_TRAP;
                return 0;
        case TONG_SCMP_ACT_ERRNO:
                *ret = SCMP_ACT_ERRNO(data);
                return 0;
        case TONG_SCMP_ACT_TRACE:
                *ret = SCMP_ACT_TRACE(data);
                return 0;
        case TONG_SCMP_ACT_ALLOW:
                *ret = SCMP_ACT_ALLOW;
                return 0;
        case TONG_SCMP_ACT_LOG:
                *ret = SCMP_ACT_LOG;
                return 0;
        case TONG_SCMP_ACT_NOTIFY:
                *ret = SCMP_ACT_NOTIFY;
                return 0;
        case _TONG_SCMP_ACT_MAX:
        default:
                break;
        }
        return tong_err_set(err, EINVAL, "invalid action %d", (int)a);
}

static int scmp_op(tong_seccomp_op op, enum scmp_compare *ret)
{
        switch (op) {
        case TONG_SCMP_CMP_NE:
                *ret = SCMP_CMP_NE;
                return 0;
        case TONG_SCMP_CMP_LT:
                *ret = SCMP_CMP_LT;
                return 0;
        case TONG_SCMP_CMP_LE:
                *ret = SCMP_CMP_LE;
                return 0;
        case TONG_SCMP_CMP_EQ:
                *ret = SCMP_CMP_EQ;
                return 0;
        case TONG_SCMP_CMP_GE:
                *ret = SCMP_CMP_GE;
                return 0;
        case TONG_SCMP_CMP_GT:
                *ret = SCMP_CMP_GT;
                return 0;
        case TONG_SCMP_CMP_MASKED_EQ:
                *ret = SCMP_CMP_MASKED_EQ;
                return 0;
        case _TONG_SCMP_CMP_MAX:
        default:
                break;
        }
        return -EINVAL;
}

static void libseccomp_version(char *buf, size_t n)
{
        const struct scmp_version *v = seccomp_version();

        (void)snprintf(buf, n, "%u.%u.%u", v->major, v->minor, v->micro);
}

/* Native first, then each listed one libseccomp knows; archs[] gets every token in the filter. */
static int add_archs(scmp_filter_ctx ctx, const tong_seccomp *s, uint32_t *archs, size_t *n_archs,
                     tong_err **err)
{
        size_t n = 0;

        archs[n++] = seccomp_arch_native();
        for (size_t i = 0; s->architectures && s->architectures[i]; i++) {
                const char *name = s->architectures[i];
                char lower[32], ver[32];
                uint32_t arch = 0;
                size_t k;
                int r;

                if (strncmp(name, "SCMP_ARCH_", 10) == 0 && strlen(name + 10) < sizeof(lower)) {
                        for (k = 0; name[10 + k]; k++)
                                lower[k] = (char)tolower((unsigned char)name[10 + k]);
                        lower[k] = '\0';
                        arch = seccomp_arch_resolve_name(lower);
                }
                if (arch == 0) {
                        libseccomp_version(ver, sizeof(ver));
                        tong_warn("linux.seccomp.architectures[%zu]: %s is not known to libseccomp "
                                  "%s, ignored (its syscalls get the bad-architecture action)",
                                  i, name, ver);
                        continue;
                }
                r = seccomp_arch_add(ctx, arch);
                if (r == -EEXIST)
                        continue;
                if (r < 0)
                        return tong_err_sys(err, -r, "linux.seccomp.architectures[%zu]: add %s", i,
                                            name);
                if (n < MAX_ARCHS)
                        archs[n++] = arch;
        }
        *n_archs = n;
        return 0;
}

static int build_conds(const tong_seccomp_syscall *sc, size_t i, struct scmp_arg_cmp **ret,
                       bool *ret_split, tong_err **err)
{
        _cleanup_free_ struct scmp_arg_cmp *conds = NULL;
        unsigned count[SYSCALL_MAX_ARGS] = { 0 };
        bool split = false;

        if (sc->n_args > 0)
                conds = xcalloc(sc->n_args, sizeof(*conds));
        for (size_t j = 0; j < sc->n_args; j++) {
                const tong_seccomp_arg *a = &sc->args[j];
                enum scmp_compare op;

                if (a->index >= SYSCALL_MAX_ARGS)
                        return tong_err_set(err, EINVAL,
                                            "linux.seccomp.syscalls[%zu].args[%zu].index: %u is "
                                            "out of range (0-%d)",
                                            i, j, a->index, SYSCALL_MAX_ARGS - 1);
                if (scmp_op(a->op, &op) < 0)
                        return tong_err_set(err, EINVAL,
                                            "linux.seccomp.syscalls[%zu].args[%zu].op: invalid "
                                            "operator %d",
                                            i, j, (int)a->op);
                /* MASKED_EQ: datum_a is the mask (value), datum_b the expected (valueTwo). */
                conds[j] = (struct scmp_arg_cmp){
                        .arg = a->index, .op = op, .datum_a = a->value, .datum_b = a->value_two
                };
                if (++count[a->index] > 1)
                        split = true;
        }
        *ret = TAKE_PTR(conds);
        *ret_split = split;
        return 0;
}

/* Returns 1 if a rule was added, 0 if the name is unknown to libseccomp (skipped). */
static int add_name(scmp_filter_ctx ctx, const tong_seccomp_syscall *sc, size_t i, size_t j,
                    uint32_t act, const struct scmp_arg_cmp *conds, bool split, tong_err **err)
{
        const char *name = sc->names[j];
        int nr = seccomp_syscall_resolve_name(name), r = 0;
        char ver[32];

        if (nr == __NR_SCMP_ERROR) {
                libseccomp_version(ver, sizeof(ver));
                tong_warn("linux.seccomp.syscalls[%zu].names[%zu]: unknown syscall \"%s\" ignored "
                          "(not known to libseccomp %s)",
                          i, j, name, ver);
                return 0;
        }
        if (!split)
                r = seccomp_rule_add_array(ctx, act, nr, (unsigned)sc->n_args, conds);
        else
                for (size_t k = 0; k < sc->n_args && r >= 0; k++)
                        r = seccomp_rule_add_array(ctx, act, nr, 1, &conds[k]);
        if (r < 0)
                return tong_err_sys(err, -r,
                                    "linux.seccomp.syscalls[%zu].names[%zu]: add rule for %s", i, j,
                                    name);
        return 1;
}

static int add_syscall(scmp_filter_ctx ctx, const tong_seccomp_syscall *sc, size_t i,
                       uint32_t default_act, bool *notify, tong_err **err)
{
        _cleanup_free_ struct scmp_arg_cmp *conds = NULL;
        bool split = false;
        uint32_t act;
        int r;

        r = scmp_action(sc->action, sc->has_errno_ret, sc->errno_ret, "errnoRet", &act, err);
        if (r < 0)
                return tong_err_prefix(err, r, "linux.seccomp.syscalls[%zu]", i);
        if (!sc->names || !sc->names[0])
                return tong_err_set(err, EINVAL, "linux.seccomp.syscalls[%zu].names: is empty", i);
        r = build_conds(sc, i, &conds, &split, err);
        if (r < 0)
                return r;
        /* libseccomp refuses a rule with the default action; it would change nothing. */
        if (act == default_act)
                return 0;
        for (size_t j = 0; sc->names[j]; j++) {
                if (sc->action == TONG_SCMP_ACT_NOTIFY &&
                    (strcmp(sc->names[j], "write") == 0 || strcmp(sc->names[j], "sendmsg") == 0))
                        return tong_err_set(err, EINVAL,
                                            "linux.seccomp.syscalls[%zu].names[%zu]: "
                                            "SCMP_ACT_NOTIFY cannot be used for %s: the runtime "
                                            "needs it to hand the listener fd over",
                                            i, j, sc->names[j]);
                r = add_name(ctx, sc, i, j, act, conds, split, err);
                if (r < 0)
                        return r;
                if (r > 0 && sc->action == TONG_SCMP_ACT_NOTIFY)
                        *notify = true;
        }
        return 0;
}

static int filter_flags(unsigned flags, bool notify, unsigned long *ret, tong_err **err)
{
        unsigned long f = 0;

        if (flags &
            ~(unsigned)(TONG_SECCOMP_FLAG_TSYNC | TONG_SECCOMP_FLAG_LOG |
                        TONG_SECCOMP_FLAG_SPEC_ALLOW | TONG_SECCOMP_FLAG_WAIT_KILLABLE_RECV))
                return tong_err_set(err, EINVAL, "linux.seccomp.flags: unknown flag bits 0x%x",
                                    flags);
        if (flags & TONG_SECCOMP_FLAG_TSYNC)
                f |= SECCOMP_FILTER_FLAG_TSYNC;
        if (flags & TONG_SECCOMP_FLAG_LOG)
                f |= SECCOMP_FILTER_FLAG_LOG;
        if (flags & TONG_SECCOMP_FLAG_SPEC_ALLOW)
                f |= SECCOMP_FILTER_FLAG_SPEC_ALLOW;
        if (notify) {
                f |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
                /* The kernel refuses TSYNC with a listener unless failures report ESRCH. */
                if (f & SECCOMP_FILTER_FLAG_TSYNC)
                        f |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
                if (flags & TONG_SECCOMP_FLAG_WAIT_KILLABLE_RECV)
                        f |= SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
        } else if (flags & TONG_SECCOMP_FLAG_WAIT_KILLABLE_RECV) {
                tong_debug("linux.seccomp.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV dropped: "
                           "no SCMP_ACT_NOTIFY rule");
        }
        *ret = f;
        return 0;
}

static int export_bpf(scmp_filter_ctx ctx, struct sock_filter **ret, size_t *ret_n, tong_err **err)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r;

#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 6)
        r = seccomp_export_bpf_mem(ctx, NULL, &len);
        if (r < 0)
                return tong_err_sys(err, -r, "linux.seccomp: export the filter");
        buf = xmalloc(len ? len : 1);
        r = seccomp_export_bpf_mem(ctx, buf, &len);
        if (r < 0)
                return tong_err_sys(err, -r, "linux.seccomp: export the filter");
#else
        _cleanup_close_ int fd = memfd_create("tong-seccomp", MFD_CLOEXEC);

        if (fd < 0)
                return tong_err_sys(err, errno, "linux.seccomp: memfd_create");
        r = seccomp_export_bpf(ctx, fd);
        if (r < 0)
                return tong_err_sys(err, -r, "linux.seccomp: export the filter");
        if (lseek(fd, 0, SEEK_SET) < 0)
                return tong_err_sys(err, errno, "linux.seccomp: rewind the exported filter");
        r = read_fd_full(fd, (BPF_MAXINSNS + 1) * sizeof(struct sock_filter), &buf, &len);
        if (r == -EFBIG)
                return tong_err_set(err, E2BIG,
                                    "linux.seccomp: the filter has more than %d instructions, "
                                    "the kernel's limit",
                                    BPF_MAXINSNS);
        if (r < 0)
                return tong_err_sys(err, -r, "linux.seccomp: read the exported filter");
#endif
        if (len == 0 || len % sizeof(struct sock_filter) != 0)
                return tong_err_set(err, EIO,
                                    "linux.seccomp: libseccomp exported %zu bytes, not "
                                    "a whole BPF program",
                                    len);
        *ret_n = len / sizeof(struct sock_filter);
        *ret = (struct sock_filter *)TAKE_PTR(buf);
        return 0;
}

/* ---------------------------------------------------------------- ENOSYS stub */

/*
 * Jump targets while the stub is built: >= 0 is a literal skip, the rest are labels that
 * are resolved once the layout is known.
 */
enum { L_ENOSYS = -1, L_PROG = -2, L_NEXT = -3 };
#define STUB_MAX_GROUPS 16
#define STUB_MAX (8 * STUB_MAX_GROUPS + 3)

typedef struct stub_insn {
        uint16_t code;
        int jt, jf;
        uint32_t k;
} stub_insn;

typedef struct stub {
        stub_insn insns[STUB_MAX];
        size_t n;
} stub;

typedef struct arch_group {
        uint32_t audit;            /* what seccomp_data.arch holds */
        int64_t max_main, max_x32; /* largest syscall nr in the profile; -1: none */
} arch_group;

static void emit(stub *s, uint16_t code, int jt, int jf, uint32_t k)
{
        assert(s->n < STUB_MAX);
        s->insns[s->n++] = (stub_insn){ .code = code, .jt = jt, .jf = jf, .k = k };
}

static int64_t max_syscall(const tong_seccomp *s, uint32_t arch)
{
        int64_t max = -1;

        for (size_t i = 0; i < s->n_syscalls; i++)
                for (size_t j = 0; s->syscalls[i].names && s->syscalls[i].names[j]; j++) {
                        int nr = seccomp_syscall_resolve_name_arch(arch, s->syscalls[i].names[j]);

                        if (nr >= 0 && nr > max)
                                max = nr;
                }
        return max;
}

static size_t collect_groups(const tong_seccomp *s, const uint32_t *archs, size_t n_archs,
                             arch_group *groups)
{
        size_t n = 0;

        for (size_t i = 0; i < n_archs; i++) {
                /* x32 shares AUDIT_ARCH_X86_64 and marks its syscall numbers instead. */
                uint32_t audit = archs[i] == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : archs[i];
                arch_group *g = NULL;
                int64_t max = max_syscall(s, archs[i]);

                for (size_t k = 0; k < n; k++)
                        if (groups[k].audit == audit)
                                g = &groups[k];
                if (!g) {
                        if (n == STUB_MAX_GROUPS)
                                continue;
                        g = &groups[n++];
                        *g = (arch_group){ .audit = audit, .max_main = -1, .max_x32 = -1 };
                }
                if (archs[i] == SCMP_ARCH_X32)
                        g->max_x32 = max;
                else
                        g->max_main = max;
        }
        return n;
}

static void emit_group(stub *s, const arch_group *g)
{
        emit(s, BPF_JMP | BPF_JEQ | BPF_K, 0, L_NEXT, g->audit);
        emit(s, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr));
        /* s390: unknown syscall numbers arrive multiplexed through nr 0. */
        if (g->audit == AUDIT_ARCH_S390 || g->audit == AUDIT_ARCH_S390X)
                emit(s, BPF_JMP | BPF_JEQ | BPF_K, L_ENOSYS, 0, 0);
        if (g->audit != AUDIT_ARCH_X86_64) {
                emit(s, BPF_JMP | BPF_JGT | BPF_K, L_ENOSYS, L_PROG, (uint32_t)g->max_main);
        } else if (g->max_main >= 0 && g->max_x32 >= 0) {
                emit(s, BPF_JMP | BPF_JSET | BPF_K, 1, 0, X32_SYSCALL_BIT);
                emit(s, BPF_JMP | BPF_JGT | BPF_K, L_ENOSYS, L_PROG, (uint32_t)g->max_main);
                emit(s, BPF_JMP | BPF_JGT | BPF_K, L_ENOSYS, L_PROG, (uint32_t)g->max_x32);
        } else if (g->max_main >= 0) {
                emit(s, BPF_JMP | BPF_JSET | BPF_K, L_PROG, 0, X32_SYSCALL_BIT);
                emit(s, BPF_JMP | BPF_JGT | BPF_K, L_ENOSYS, L_PROG, (uint32_t)g->max_main);
        } else {
                emit(s, BPF_JMP | BPF_JSET | BPF_K, 0, L_PROG, X32_SYSCALL_BIT);
                emit(s, BPF_JMP | BPF_JGT | BPF_K, L_ENOSYS, L_PROG, (uint32_t)g->max_x32);
        }
}

static bool resolve_label(int label, size_t pc, size_t next, size_t enosys, size_t prog,
                          uint8_t *ret)
{
        size_t target;

        if (label >= 0) {
                *ret = (uint8_t)label;
                return true;
        }
        target = label == L_NEXT ? next : label == L_ENOSYS ? enosys : prog;
        if (target - (pc + 1) > 255)
                return false;
        *ret = (uint8_t)(target - (pc + 1));
        return true;
}

/*
 * The stub, in front of libseccomp's program:
 *   ld arch; per arch: jeq ARCH?; ld nr; jgt MAX -> ENOSYS : PROG; ...; ja PROG;
 *   ENOSYS: ret ERRNO(ENOSYS); PROG: libseccomp's program (it reloads what it needs).
 * Returns the number of instructions written to out (0: no stub).
 */
static size_t build_enosys_stub(const tong_seccomp *s, const uint32_t *archs, size_t n_archs,
                                struct sock_filter *out)
{
        arch_group groups[STUB_MAX_GROUPS];
        size_t n_groups = collect_groups(s, archs, n_archs, groups), enosys, prog;
        size_t group_start[STUB_MAX_GROUPS + 1], n_emitted = 0;
        stub st = { .n = 0 };

        emit(&st, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, arch));
        for (size_t i = 0; i < n_groups; i++) {
                if (groups[i].max_main < 0 && groups[i].max_x32 < 0)
                        continue;
                group_start[n_emitted++] = st.n;
                emit_group(&st, &groups[i]);
        }
        if (n_emitted == 0)
                return 0;
        group_start[n_emitted] = st.n;
        emit(&st, BPF_JMP | BPF_JA, 0, 0, 1);
        enosys = st.n;
        emit(&st, BPF_RET | BPF_K, 0, 0, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA));
        prog = st.n;

        for (size_t pc = 0, g = 0; pc < st.n; pc++) {
                const stub_insn *in = &st.insns[pc];

                while (g < n_emitted && pc >= group_start[g + 1])
                        g++;
                out[pc] = (struct sock_filter){ .code = in->code, .k = in->k };
                if (!resolve_label(in->jt, pc, group_start[g + 1], enosys, prog, &out[pc].jt) ||
                    !resolve_label(in->jf, pc, group_start[g + 1], enosys, prog, &out[pc].jf))
                        return 0; /* cannot happen with STUB_MAX < 255; run without a stub */
        }
        return st.n;
}

static bool default_denies(tong_seccomp_action a)
{
        switch (a) {
        case TONG_SCMP_ACT_KILL:
        case TONG_SCMP_ACT_KILL_PROCESS:
        case TONG_SCMP_ACT_KILL_THREAD:
        case TONG_SCMP_ACT_TRAP:
        case TONG_SCMP_ACT_ERRNO:
                return true;
        /* A tracer or agent handles unknown syscalls itself; ENOSYS would get in its way. */
        case TONG_SCMP_ACT_TRACE:
        case TONG_SCMP_ACT_ALLOW:
        case TONG_SCMP_ACT_LOG:
        case TONG_SCMP_ACT_NOTIFY:
        case _TONG_SCMP_ACT_MAX:
        default:
                return false;
        }
}

/* ---------------------------------------------------------------- compile */

static int assemble(const tong_seccomp *s, const uint32_t *archs, size_t n_archs,
                    struct sock_filter *body, size_t n_body, tong_seccomp_prog *p, tong_err **err)
{
        struct sock_filter stub_insns[STUB_MAX];
        size_t n_stub = 0;

        if (default_denies(s->default_action))
                n_stub = build_enosys_stub(s, archs, n_archs, stub_insns);
        if (n_stub + n_body > BPF_MAXINSNS)
                return tong_err_set(err, E2BIG,
                                    "linux.seccomp: the filter has %zu instructions, more than "
                                    "the kernel's limit of %d",
                                    n_stub + n_body, BPF_MAXINSNS);
        p->insns = xmalloc((n_stub + n_body) * sizeof(struct sock_filter));
        memcpy(p->insns, stub_insns, n_stub * sizeof(struct sock_filter));
        memcpy(p->insns + n_stub, body, n_body * sizeof(struct sock_filter));
        p->n_insns = n_stub + n_body;
        return 0;
}

int tong_seccomp_compile(const tong_seccomp *s, tong_seccomp_prog **ret, tong_err **err)
{
        _cleanup_(seccomp_releasep) scmp_filter_ctx ctx = NULL;
        _cleanup_(tong_seccomp_prog_freep) tong_seccomp_prog *p = NULL;
        _cleanup_free_ struct sock_filter *body = NULL;
        uint32_t default_act, archs[MAX_ARCHS];
        size_t n_archs = 0, n_body = 0;
        int r;

        r = scmp_action(s->default_action, s->has_default_errno_ret, s->default_errno_ret,
                        "defaultErrnoRet", &default_act, err);
        if (r < 0)
                return tong_err_prefix(err, r, "linux.seccomp");
        if (s->default_action == TONG_SCMP_ACT_NOTIFY)
                return tong_err_set(err, EINVAL,
                                    "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the "
                                    "default action: the runtime could not hand the listener "
                                    "fd over");
        ctx = seccomp_init(default_act);
        if (!ctx)
                return tong_err_set(err, EOPNOTSUPP,
                                    "linux.seccomp.defaultAction: %s is not supported by "
                                    "libseccomp or the kernel",
                                    action_name(s->default_action));
        r = add_archs(ctx, s, archs, &n_archs, err);
        if (r < 0)
                return r;
        if (s->n_syscalls > OPTIMIZE_MIN_RULES)
                (void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);

        p = xcalloc(1, sizeof(*p));
        for (size_t i = 0; i < s->n_syscalls; i++) {
                r = add_syscall(ctx, &s->syscalls[i], i, default_act, &p->notify, err);
                if (r < 0)
                        return r;
        }
        r = filter_flags(s->flags, p->notify, &p->flags, err);
        if (r < 0)
                return r;
        r = export_bpf(ctx, &body, &n_body, err);
        if (r < 0)
                return r;
        r = assemble(s, archs, n_archs, body, n_body, p, err);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}

tong_seccomp_prog *tong_seccomp_prog_free(tong_seccomp_prog *p)
{
        if (p) {
                free(p->insns);
                free(p);
        }
        return NULL;
}

size_t tong_seccomp_prog_len(const tong_seccomp_prog *p)
{
        return p->n_insns;
}

unsigned long tong_seccomp_prog_flags(const tong_seccomp_prog *p)
{
        return p->flags;
}

bool tong_seccomp_prog_uses_notify(const tong_seccomp_prog *p)
{
        return p->notify;
}

/* ---------------------------------------------------------------- install (in the child) */

int tong_seccomp_install(const tong_seccomp_prog *p, int *ret_notify_fd, tong_err **err)
{
        struct sock_fprog fprog = { .len = (unsigned short)p->n_insns, .filter = p->insns };
        long r;

        if (p->notify && !ret_notify_fd)
                return tong_err_set(err, EINVAL,
                                    "seccomp: the filter uses SCMP_ACT_NOTIFY but the caller "
                                    "takes no listener fd");
        r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, p->flags, &fprog);
        if (r < 0) {
                int e = errno;

                if (e == EACCES)
                        return tong_err_sys(err, e,
                                            "seccomp: install the filter (needs "
                                            "no_new_privs or CAP_SYS_ADMIN)");
                if (e == EINVAL)
                        return tong_err_sys(err, e,
                                            "seccomp: install the filter (flags 0x%lx: "
                                            "a flag or the program is not supported)",
                                            p->flags);
                return tong_err_sys(err, e, "seccomp: install the filter (flags 0x%lx)", p->flags);
        }
        /* Without a listener, TSYNC failure is reported as the id of the unsynced thread. */
        if (!p->notify && r > 0)
                return tong_err_set(err, EBUSY,
                                    "seccomp: thread %ld could not be synchronized "
                                    "(SECCOMP_FILTER_FLAG_TSYNC)",
                                    r);
        if (ret_notify_fd)
                *ret_notify_fd = p->notify ? (int)r : -EBADF;
        return 0;
}

/* ---------------------------------------------------------------- notify: to the agent */

static int connect_listener(const char *path, int *ret, tong_err **err)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -EBADF, dirfd = -EBADF;
        _cleanup_free_ char *via = NULL, *dir = NULL;
        const char *p = path, *slash;
        size_t len = strlen(path);

        if (len == 0)
                return tong_err_set(err, EINVAL, "linux.seccomp.listenerPath: is empty");
        if (len >= sizeof(sa.sun_path)) {
                /* Too long for sun_path: reach it through an O_PATH fd of its directory. */
                slash = strrchr(path, '/');
                if (!slash || slash[1] == '\0')
                        return tong_err_set(err, ENAMETOOLONG,
                                            "linux.seccomp.listenerPath: %s is too long", path);
                dir = slash == path ? xstrdup("/") : xstrndup(path, (size_t)(slash - path));
                dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (dirfd < 0)
                        return tong_err_sys(err, errno, "linux.seccomp.listenerPath: open %s", dir);
                via = xasprintf("/proc/self/fd/%d/%s", dirfd, slash + 1);
                if (strlen(via) >= sizeof(sa.sun_path))
                        return tong_err_set(err, ENAMETOOLONG,
                                            "linux.seccomp.listenerPath: %s: socket name too long",
                                            path);
                p = via;
        }
        memcpy(sa.sun_path, p, strlen(p) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return tong_err_sys(err, errno, "linux.seccomp.listenerPath: socket");
        if (connect(fd, (struct sockaddr *)&sa,
                    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(p) + 1)) < 0)
                return tong_err_sys(err, errno, "linux.seccomp.listenerPath: connect to %s", path);
        *ret = TAKE_FD(fd);
        return 0;
}

static int process_state(const char *state_json, const char *metadata, pid_t pid, char **ret,
                         tong_err **err)
{
        _cleanup_json_ tong_json *state = NULL, *root = NULL;
        tong_json *fds;
        int r;

        r = tong_json_parse(state_json, strlen(state_json), &state, err);
        if (r < 0)
                return tong_err_prefix(err, r, "seccomp notify: container state");
        if (tong_json_type_of(state) != TONG_JSON_OBJECT)
                return tong_err_set(err, EINVAL,
                                    "seccomp notify: container state is a %s, not an object",
                                    tong_json_type_name(tong_json_type_of(state)));
        root = tong_json_new_object();
        tong_json_set(root, "ociVersion", tong_json_new_string(TONG_OCI_VERSION));
        fds = tong_json_new_array();
        tong_json_append(fds, tong_json_new_string("seccompFd"));
        tong_json_set(root, "fds", fds);
        tong_json_set(root, "pid", tong_json_new_i64(pid));
        if (metadata)
                tong_json_set(root, "metadata", tong_json_new_string(metadata));
        tong_json_set(root, "state", TAKE_PTR(state));
        *ret = tong_json_to_string(root, TONG_JSON_PLAIN);
        return 0;
}

/* All of buf, with fd in SCM_RIGHTS on the first sendmsg (the spec allows several calls). */
static int send_with_fd(int sock, const char *buf, size_t len, int fd)
{
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } control;
        struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
        struct msghdr mh = { .msg_iov = &iov,
                             .msg_iovlen = 1,
                             .msg_control = &control,
                             .msg_controllen = sizeof(control) };
        struct cmsghdr *c;
        size_t done = 0;
        ssize_t n;

        memset(&control, 0, sizeof(control));
        c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
        do
                n = sendmsg(sock, &mh, MSG_NOSIGNAL);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        for (done = (size_t)n; done < len; done += (size_t)n) {
                n = send(sock, buf + done, len - done, MSG_NOSIGNAL);
                if (n < 0 && errno == EINTR) {
                        n = 0;
                        continue;
                }
                if (n <= 0)
                        return n < 0 ? -errno : -EIO;
        }
        return 0;
}

int tong_seccomp_send_notify_fd(const char *listener_path, int notify_fd, const char *state_json,
                                const char *metadata, pid_t pid, tong_err **err)
{
        _cleanup_free_ char *msg = NULL;
        _cleanup_close_ int sock = -EBADF;
        int r;

        if (!listener_path)
                return tong_err_set(err, EINVAL,
                                    "linux.seccomp.listenerPath: required by SCMP_ACT_NOTIFY");
        if (notify_fd < 0)
                return tong_err_set(err, EBADF, "seccomp notify: no listener fd to send");
        r = process_state(state_json, metadata, pid, &msg, err);
        if (r < 0)
                return r;
        r = connect_listener(listener_path, &sock, err);
        if (r < 0)
                return r;
        r = send_with_fd(sock, msg, strlen(msg), notify_fd);
        if (r < 0)
                return tong_err_sys(err, -r,
                                    "linux.seccomp.listenerPath: send the container "
                                    "process state to %s",
                                    listener_path);
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/bpf.h>

#include "cgroup/bpf-devices.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/macro.h"

/*
 * The program evaluates every rule in order and keeps one verdict per access bit, so
 * "the last rule that matches the device and names the bit wins, default deny" holds for
 * each of mknod/read/write separately, and a request is allowed only if every bit it asks
 * for is.
 *
 * The rules are branch-free: the device becomes one key, type << 32 | major << 20 | minor
 * (Linux device numbers have 12 major and 20 minor bits), a rule is a (mask, value) pair on
 * that key, and "matched" is computed arithmetically and folded into the verdicts.  The
 * verifier then walks one straight path however many rules there are; with a jump per
 * check it would give up after 8192 jumps on one path (~3000 rules).
 *
 * Registers: r2 the key, r3 the requested access (BPF_DEVCG_ACC_*), r6/r7/r8 the
 * mknod/read/write verdicts (0 deny, 1 allow), r0/r1 scratch.
 */

#define PROG_NAME "tong_dev"
#define LICENSE "Apache"
#define LOG_SIZE (256u * 1024u)
#define LOG_TAIL 2048 /* bytes of the verifier log kept in an error */
#define QUERY_MAX 4096
/* At most 15 instructions a rule, and a program holds at most 1M. */
#define MAX_RULES 65536
#define MAJOR_BITS 12
#define MINOR_BITS 20
#define KEY_TYPE_SHIFT 32

enum { R0, R1, R2, R3, R4, R5, R6, R7, R8 };

typedef struct prog {
        struct bpf_insn *insns;
        size_t n, cap;
} prog;

static void emit(prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
        if (p->n == p->cap) {
                p->cap = p->cap ? p->cap * 2 : 64;
                p->insns = xrealloc(p->insns, p->cap * sizeof(*p->insns));
        }
        p->insns[p->n++] = (struct bpf_insn){
                .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm
        };
}

static int sys_bpf(int cmd, union bpf_attr *attr)
{
        return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static uint64_t ptr_to_u64(const void *p)
{
        return (uint64_t)(uintptr_t)p;
}

/* ---------------------------------------------------------------- building the program */

/* Bits of BPF_DEVCG_ACC_* a rule grants or revokes ("" is rwm). */
static int rule_access(const tong_device_rule *r, size_t i, unsigned *ret, tong_err **err)
{
        unsigned acc = 0;

        for (const char *c = r->access; c < r->access + sizeof(r->access) && *c; c++)
                switch (*c) {
                case 'r':
                        acc |= BPF_DEVCG_ACC_READ;
                        break;
                case 'w':
                        acc |= BPF_DEVCG_ACC_WRITE;
                        break;
                case 'm':
                        acc |= BPF_DEVCG_ACC_MKNOD;
                        break;
                default:
                        return tong_err_set(err, EINVAL,
                                            "linux.resources.devices[%zu].access: invalid \"%.*s\"",
                                            i, (int)sizeof(r->access), r->access);
                }
        *ret = acc ? acc : BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
        return 0;
}

static int check_rule(const tong_device_rule *r, size_t i, tong_err **err)
{
        if (r->type != 'a' && r->type != 'b' && r->type != 'c')
                return tong_err_set(err, EINVAL, "linux.resources.devices[%zu].type: invalid '%c'",
                                    i, r->type);
        if (r->major < -1 || r->major > UINT32_MAX)
                return tong_err_set(err, ERANGE,
                                    "linux.resources.devices[%zu].major: %lld is out of range", i,
                                    (long long)r->major);
        if (r->minor < -1 || r->minor > UINT32_MAX)
                return tong_err_set(err, ERANGE,
                                    "linux.resources.devices[%zu].minor: %lld is out of range", i,
                                    (long long)r->minor);
        return 0;
}

static bool matches_everything(const tong_device_rule *r, unsigned acc)
{
        return r->type == 'a' && r->major == -1 && r->minor == -1 &&
               acc == (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD);
}

/* A rule naming a number no Linux device can have never matches and is left out. */
static bool can_match(const tong_device_rule *r)
{
        return r->major < (1 << MAJOR_BITS) && r->minor < (1 << MINOR_BITS);
}

static void emit_ld_imm64(prog *p, uint8_t dst, uint64_t v)
{
        emit(p, BPF_LD | BPF_DW | BPF_IMM, dst, 0, 0, (int32_t)(uint32_t)v);
        emit(p, 0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32));
}

static void emit_verdicts(prog *p, unsigned acc, bool allow, uint8_t src)
{
        static const struct {
                unsigned bit;
                uint8_t reg;
        } v[] = { { BPF_DEVCG_ACC_MKNOD, R6 },
                  { BPF_DEVCG_ACC_READ, R7 },
                  { BPF_DEVCG_ACC_WRITE, R8 } };

        for (size_t i = 0; i < ELEMENTSOF(v); i++)
                if (acc & v[i].bit)
                        emit(p, BPF_ALU64 | (allow ? BPF_OR : BPF_AND) | BPF_X, v[i].reg, src, 0,
                             0);
}

static void emit_rule(prog *p, const tong_device_rule *r, unsigned acc)
{
        uint64_t mask = 0, value = 0;

        if (r->type != 'a') {
                mask |= (uint64_t)0x3 << KEY_TYPE_SHIFT;
                value |= (uint64_t)(r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR)
                         << KEY_TYPE_SHIFT;
        }
        if (r->major >= 0) {
                mask |= (uint64_t)((1 << MAJOR_BITS) - 1) << MINOR_BITS;
                value |= (uint64_t)r->major << MINOR_BITS;
        }
        if (r->minor >= 0) {
                mask |= (1 << MINOR_BITS) - 1;
                value |= (uint64_t)r->minor;
        }
        if (mask == 0) {
                /* Every device: the verdicts are simply set. */
                for (unsigned bit = 1; bit <= BPF_DEVCG_ACC_WRITE; bit <<= 1)
                        if (acc & bit)
                                emit(p, BPF_ALU64 | BPF_MOV | BPF_K,
                                     bit == BPF_DEVCG_ACC_MKNOD  ? R6
                                     : bit == BPF_DEVCG_ACC_READ ? R7
                                                                 : R8,
                                     0, 0, r->allow);
                return;
        }
        /* r0 = (key & mask) ^ value: zero iff the rule matches. */
        emit_ld_imm64(p, R0, mask);
        emit(p, BPF_ALU64 | BPF_AND | BPF_X, R0, R2, 0, 0);
        emit_ld_imm64(p, R1, value);
        emit(p, BPF_ALU64 | BPF_XOR | BPF_X, R0, R1, 0, 0);
        /* r0 = (r0 | -r0) >> 63: 0 on a match, 1 otherwise (r0 < 2^63). */
        emit(p, BPF_ALU64 | BPF_MOV | BPF_X, R1, R0, 0, 0);
        emit(p, BPF_ALU64 | BPF_NEG, R1, 0, 0, 0);
        emit(p, BPF_ALU64 | BPF_OR | BPF_X, R0, R1, 0, 0);
        emit(p, BPF_ALU64 | BPF_RSH | BPF_K, R0, 0, 0, 63);
        if (r->allow) {
                /* verdict |= matched */
                emit(p, BPF_ALU64 | BPF_MOV | BPF_X, R1, R0, 0, 0);
                emit(p, BPF_ALU64 | BPF_XOR | BPF_K, R1, 0, 0, 1);
                emit_verdicts(p, acc, true, R1);
        } else {
                /* verdict &= !matched */
                emit_verdicts(p, acc, false, R0);
        }
}

static void emit_prologue(prog *p)
{
        emit(p, BPF_LDX | BPF_W | BPF_MEM, R2, R1, offsetof(struct bpf_cgroup_dev_ctx, access_type),
             0);
        emit(p, BPF_ALU | BPF_MOV | BPF_X, R3, R2, 0, 0);
        emit(p, BPF_ALU | BPF_RSH | BPF_K, R3, 0, 0, 16);
        emit(p, BPF_ALU64 | BPF_AND | BPF_K, R2, 0, 0, 0xffff);
        emit(p, BPF_ALU64 | BPF_LSH | BPF_K, R2, 0, 0, KEY_TYPE_SHIFT);
        emit(p, BPF_LDX | BPF_W | BPF_MEM, R0, R1, offsetof(struct bpf_cgroup_dev_ctx, major), 0);
        emit(p, BPF_ALU64 | BPF_LSH | BPF_K, R0, 0, 0, MINOR_BITS);
        emit(p, BPF_ALU64 | BPF_OR | BPF_X, R2, R0, 0, 0);
        emit(p, BPF_LDX | BPF_W | BPF_MEM, R0, R1, offsetof(struct bpf_cgroup_dev_ctx, minor), 0);
        emit(p, BPF_ALU64 | BPF_OR | BPF_X, R2, R0, 0, 0);
        emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R6, 0, 0, 0);
        emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R7, 0, 0, 0);
        emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R8, 0, 0, 0);
}

/* For each bit: if it is requested and its verdict is deny, return 0; else return 1. */
static void emit_epilogue(prog *p)
{
        static const struct {
                int32_t bit;
                uint8_t reg;
        } bits[] = {
                { BPF_DEVCG_ACC_MKNOD, R6 },
                { BPF_DEVCG_ACC_READ, R7 },
                { BPF_DEVCG_ACC_WRITE, R8 },
        };

        for (size_t i = 0; i < ELEMENTSOF(bits); i++) {
                /* Instructions left to the deny exit after this one: */
                int16_t to_deny = (int16_t)(3 * (ELEMENTSOF(bits) - 1 - i) + 2);

                emit(p, BPF_JMP | BPF_JSET | BPF_K, R3, 0, 1, bits[i].bit);
                emit(p, BPF_JMP | BPF_JA, 0, 0, 1, 0);
                emit(p, BPF_JMP | BPF_JEQ | BPF_K, bits[i].reg, 0, to_deny, 0);
        }
        emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 1);
        emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
        emit(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, 0);
        emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static int build_prog(const tong_device_rule *rules, size_t n, prog *p, tong_err **err)
{
        size_t start = 0;
        unsigned acc = 0;
        int r;

        if (n > MAX_RULES)
                return tong_err_set(err, E2BIG,
                                    "linux.resources.devices: %zu rules, more than the %d a device "
                                    "program can hold",
                                    n, MAX_RULES);
        for (size_t i = 0; i < n; i++) {
                r = check_rule(&rules[i], i, err);
                if (r < 0)
                        return r;
                r = rule_access(&rules[i], i, &acc, err);
                if (r < 0)
                        return r;
                /* Everything before a rule that sets every verdict for every device is moot. */
                if (matches_everything(&rules[i], acc))
                        start = i;
        }
        emit_prologue(p);
        for (size_t i = start; i < n; i++) {
                (void)rule_access(&rules[i], i, &acc, NULL);
                if (can_match(&rules[i]))
                        emit_rule(p, &rules[i], acc);
        }
        emit_epilogue(p);
        return 0;
}

/* ---------------------------------------------------------------- bpf(2) */

static int prog_load(const prog *p, char *log, size_t log_size)
{
        union bpf_attr attr;

        memset(&attr, 0, sizeof(attr));
        attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
        attr.insns = ptr_to_u64(p->insns);
        attr.insn_cnt = (uint32_t)p->n;
        attr.license = ptr_to_u64(LICENSE);
        if (log) {
                attr.log_buf = ptr_to_u64(log);
                attr.log_size = (uint32_t)log_size;
                attr.log_level = 1;
        }
        memcpy(attr.prog_name, PROG_NAME, sizeof(PROG_NAME));
        return sys_bpf(BPF_PROG_LOAD, &attr);
}

static int load(const prog *p, int *ret, tong_err **err)
{
        _cleanup_free_ char *log = NULL;
        size_t len;
        int fd, e;

        fd = prog_load(p, NULL, 0);
        if (fd >= 0) {
                *ret = fd;
                return 0;
        }
        e = errno;
        if (e == EPERM || e == ENOMEM || e == ENOSYS)
                return tong_err_sys(err, e, "load the cgroup device program");
        /* Refused by the verifier: load again with a log so the error can say why. */
        log = xcalloc(1, LOG_SIZE);
        fd = prog_load(p, log, LOG_SIZE);
        if (fd >= 0) {
                *ret = fd;
                return 0;
        }
        e = errno;
        len = strnlen(log, LOG_SIZE);
        return tong_err_sys(err, e,
                            "load the cgroup device program (%zu instructions), verifier: %s", p->n,
                            len > LOG_TAIL ? log + len - LOG_TAIL : log);
}

/* Ids of the programs attached to the cgroup for BPF_CGROUP_DEVICE. */
static int query(int cgroup_fd, uint32_t **ret, size_t *ret_n, tong_err **err)
{
        _cleanup_free_ uint32_t *ids = NULL;
        uint32_t cap = 16;
        union bpf_attr attr;

        for (;;) {
                ids = xrealloc(ids, cap * sizeof(*ids));
                memset(&attr, 0, sizeof(attr));
                attr.query.target_fd = (uint32_t)cgroup_fd;
                attr.query.attach_type = BPF_CGROUP_DEVICE;
                attr.query.prog_ids = ptr_to_u64(ids);
                attr.query.prog_cnt = cap;
                if (sys_bpf(BPF_PROG_QUERY, &attr) >= 0)
                        break;
                if (errno != ENOSPC || attr.query.prog_cnt <= cap ||
                    attr.query.prog_cnt > QUERY_MAX)
                        return tong_err_sys(err, errno, "query the cgroup's device programs");
                cap = attr.query.prog_cnt;
        }
        *ret_n = attr.query.prog_cnt;
        *ret = TAKE_PTR(ids);
        return 0;
}

/* fd of program id if it is one of tong's, -ENOENT if not tong's or gone. */
static int open_if_ours(uint32_t id)
{
        struct bpf_prog_info info;
        union bpf_attr attr;
        _cleanup_close_ int fd = -EBADF;

        memset(&attr, 0, sizeof(attr));
        attr.prog_id = id;
        fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &attr);
        if (fd < 0)
                return -errno;
        memset(&info, 0, sizeof(info));
        memset(&attr, 0, sizeof(attr));
        attr.info.bpf_fd = (uint32_t)fd;
        attr.info.info_len = sizeof(info);
        attr.info.info = ptr_to_u64(&info);
        if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) < 0)
                return -errno;
        if (info.type != BPF_PROG_TYPE_CGROUP_DEVICE ||
            strncmp(info.name, PROG_NAME, sizeof(info.name)) != 0)
                return -ENOENT;
        return TAKE_FD(fd);
}

static int attach(int cgroup_fd, int prog_fd)
{
        union bpf_attr attr;

        memset(&attr, 0, sizeof(attr));
        attr.target_fd = (uint32_t)cgroup_fd;
        attr.attach_bpf_fd = (uint32_t)prog_fd;
        attr.attach_type = BPF_CGROUP_DEVICE;
        attr.attach_flags = BPF_F_ALLOW_MULTI;
        return sys_bpf(BPF_PROG_ATTACH, &attr) < 0 ? -errno : 0;
}

static int detach(int cgroup_fd, int prog_fd)
{
        union bpf_attr attr;

        memset(&attr, 0, sizeof(attr));
        attr.target_fd = (uint32_t)cgroup_fd;
        attr.attach_bpf_fd = (uint32_t)prog_fd;
        attr.attach_type = BPF_CGROUP_DEVICE;
        return sys_bpf(BPF_PROG_DETACH, &attr) < 0 ? -errno : 0;
}

/* bpf(2) ignores O_PATH fds: reopen one as a real directory fd. */
static int usable_dirfd(int cgroup_fd, int *owned, tong_err **err)
{
        char path[64];
        int fl = fcntl(cgroup_fd, F_GETFL);

        if (fl < 0)
                return tong_err_sys(err, errno, "cgroup fd %d", cgroup_fd);
        if (!(fl & O_PATH))
                return cgroup_fd;
        (void)snprintf(path, sizeof(path), "/proc/self/fd/%d", cgroup_fd);
        *owned = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (*owned < 0)
                return tong_err_sys(err, errno, "reopen cgroup fd %d", cgroup_fd);
        return *owned;
}

/* Detach every tong program listed in ids (ENOENT: someone else already did). */
static int detach_ours(int cgroup_fd, const uint32_t *ids, size_t n, tong_err **err)
{
        for (size_t i = 0; i < n; i++) {
                _cleanup_close_ int fd = open_if_ours(ids[i]);
                int r;

                if (fd == -ENOENT)
                        continue;
                if (fd < 0)
                        return tong_err_sys(err, -fd, "open device program %u", ids[i]);
                r = detach(cgroup_fd, fd);
                if (r < 0 && r != -ENOENT)
                        return tong_err_sys(err, -r, "detach device program %u", ids[i]);
        }
        return 0;
}

int tong_bpf_devices_apply(int cgroup_fd, const tong_device_rule *rules, size_t n, tong_err **err)
{
        _cleanup_close_ int owned = -EBADF, prog_fd = -EBADF;
        _cleanup_free_ uint32_t *old = NULL;
        _cleanup_free_ struct bpf_insn *insns = NULL;
        prog p = { 0 };
        size_t n_old = 0;
        int r, fd;

        r = build_prog(rules, n, &p, err);
        insns = p.insns;
        if (r < 0)
                return r;
        fd = usable_dirfd(cgroup_fd, &owned, err);
        if (fd < 0)
                return fd;
        r = load(&p, &prog_fd, err);
        if (r < 0)
                return r;
        /* Listed before attaching, so the new program is never among them. */
        r = query(fd, &old, &n_old, err);
        if (r < 0)
                return r;
        /* Attach first, detach after: in between both filter (the stricter wins), no gap. */
        r = attach(fd, prog_fd);
        if (r == -EPERM)
                return tong_err_sys(err, EPERM,
                                    "attach the device program (a program attached "
                                    "without BPF_F_ALLOW_MULTI is in the way?)");
        if (r < 0)
                return tong_err_sys(err, -r, "attach the device program");
        return detach_ours(fd, old, n_old, err);
}

int tong_bpf_devices_detach(int cgroup_fd, tong_err **err)
{
        _cleanup_close_ int owned = -EBADF;
        _cleanup_free_ uint32_t *ids = NULL;
        size_t n = 0;
        int r, fd;

        fd = usable_dirfd(cgroup_fd, &owned, err);
        if (fd < 0)
                return fd;
        r = query(fd, &ids, &n, err);
        if (r < 0)
                return r;
        return detach_ours(fd, ids, n, err);
}

int tong_bpf_devices_count(int cgroup_fd, size_t *ret, tong_err **err)
{
        _cleanup_close_ int owned = -EBADF;
        _cleanup_free_ uint32_t *ids = NULL;
        size_t n = 0, ours = 0;
        int r, fd;

        fd = usable_dirfd(cgroup_fd, &owned, err);
        if (fd < 0)
                return fd;
        r = query(fd, &ids, &n, err);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                int pfd = open_if_ours(ids[i]);

                if (pfd >= 0) {
                        ours++;
                        safe_close(pfd);
                }
        }
        *ret = ours;
        return 0;
}

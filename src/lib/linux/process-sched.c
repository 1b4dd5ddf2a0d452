/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The scheduling side of the container process: personality, NUMA memory policy, I/O priority,
 * scheduler attributes and CPU affinity.  None of these has a glibc 2.36 wrapper with all the
 * fields the spec asks for, so they are raw syscalls.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/macro.h"
#include "linux/process.h"

/* Highest cpu or node number a list may name: the mask is allocated from the input. */
#define BITMASK_MAX_BIT 65535
#define BITS_PER_ULONG (CHAR_BIT * sizeof(unsigned long))

/* ------------------------------------------------------------------ cpu / node lists */

static int parse_list_number(const char **p, unsigned long *ret)
{
        unsigned long v = 0;
        const char *s = *p;

        if (*s < '0' || *s > '9')
                return -EINVAL;
        for (; *s >= '0' && *s <= '9'; s++) {
                v = v * 10 + (unsigned long)(*s - '0');
                if (v > BITMASK_MAX_BIT)
                        return -ERANGE;
        }
        *p = s;
        *ret = v;
        return 0;
}

int tong_parse_bitmask_list(const char *s, const char *what, unsigned long **ret, size_t *ret_nbits,
                            tong_err **err)
{
        _cleanup_free_ unsigned long *mask = NULL;
        size_t nbits = 0;
        const char *p = s;

        mask = xcalloc((BITMASK_MAX_BIT + 1) / BITS_PER_ULONG, sizeof(unsigned long));
        while (*p) {
                unsigned long lo, hi;
                int r;

                r = parse_list_number(&p, &lo);
                hi = lo;
                if (r == 0 && *p == '-') {
                        p++;
                        r = parse_list_number(&p, &hi);
                }
                if (r == -ERANGE)
                        return tong_err_set(err, ERANGE, "%s: \"%s\": numbers above %d", what, s,
                                            BITMASK_MAX_BIT);
                if (r < 0 || hi < lo || (*p != ',' && *p != '\0') || (*p == ',' && !p[1]))
                        return tong_err_set(err, EINVAL, "%s: invalid list \"%s\"", what, s);
                for (unsigned long b = lo; b <= hi; b++)
                        mask[b / BITS_PER_ULONG] |= 1UL << (b % BITS_PER_ULONG);
                nbits = MAX(nbits, (size_t)hi + 1);
                if (*p == ',')
                        p++;
        }
        *ret = TAKE_PTR(mask);
        *ret_nbits = nbits;
        return 0;
}

/* ------------------------------------------------------------------ affinity */

static int set_affinity(const char *list, const char *what, tong_err **err)
{
        _cleanup_free_ unsigned long *mask = NULL;
        size_t nbits, bytes;
        int r;

        if (!list || !*list)
                return 0;
        r = tong_parse_bitmask_list(list, what, &mask, &nbits, err);
        if (r < 0)
                return r;
        bytes = (nbits + BITS_PER_ULONG - 1) / BITS_PER_ULONG * sizeof(unsigned long);
        if (sched_setaffinity(0, bytes, (const cpu_set_t *)mask) < 0)
                return tong_err_sys(err, errno, "%s: set CPU affinity to \"%s\"", what, list);
        return 0;
}

int tong_process_set_cpu_affinity_initial(const tong_process *p, tong_err **err)
{
        return set_affinity(p->exec_cpu_affinity.initial, "process.execCPUAffinity.initial", err);
}

int tong_process_set_cpu_affinity_final(const tong_process *p, tong_err **err)
{
        return set_affinity(p->exec_cpu_affinity.final, "process.execCPUAffinity.final", err);
}

/* ------------------------------------------------------------------ personality, mempolicy */

int tong_process_set_personality(const tong_linux *l, tong_err **err)
{
        if (!l || !l->has_personality)
                return 0;
        if (personality(l->personality.domain) < 0)
                return tong_err_sys(err, errno, "linux.personality: personality(0x%lx)",
                                    l->personality.domain);
        return 0;
}

int tong_process_set_memory_policy(const tong_linux *l, tong_err **err)
{
        const tong_memory_policy *mp;
        _cleanup_free_ unsigned long *mask = NULL;
        size_t nbits = 0;
        int r;

        if (!l || !l->has_memory_policy)
                return 0;
        mp = &l->memory_policy;
        if (mp->nodes && *mp->nodes) {
                r = tong_parse_bitmask_list(mp->nodes, "linux.memoryPolicy.nodes", &mask, &nbits,
                                            err);
                if (r < 0)
                        return r;
        }
        /* The kernel reads maxnode - 1 bits (a historical off-by-one numactl also follows). */
        if (syscall(SYS_set_mempolicy, mp->mode | (int)mp->flags, nbits ? mask : NULL,
                    nbits ? nbits + 1 : 0) < 0)
                return tong_err_sys(err, errno,
                                    "linux.memoryPolicy: set_mempolicy(mode %d, flags 0x%x, "
                                    "nodes \"%s\")",
                                    mp->mode, mp->flags, mp->nodes ? mp->nodes : "");
        return 0;
}

/* ------------------------------------------------------------------ I/O priority, scheduler */

#define TONG_IOPRIO_WHO_PROCESS 1
#define TONG_IOPRIO_CLASS_SHIFT 13

int tong_process_set_io_priority(const tong_process *p, pid_t pid, tong_err **err)
{
        const tong_io_priority *io = &p->io_priority;
        int value;

        if (!io->has)
                return 0;
        value = io->klass << TONG_IOPRIO_CLASS_SHIFT | io->priority;
        if (syscall(SYS_ioprio_set, TONG_IOPRIO_WHO_PROCESS, pid, value) < 0)
                return tong_err_sys(err, errno,
                                    "process.ioPriority: ioprio_set(class %d, priority %d)%s",
                                    io->klass, io->priority,
                                    errno == EPERM ? " (the real-time class needs CAP_SYS_ADMIN "
                                                     "or CAP_SYS_NICE in the host)"
                                                   : "");
        return 0;
}

/* struct sched_attr, SCHED_ATTR_SIZE_VER1 (the uapi header clashes with glibc's sched.h). */
struct tong_sched_attr {
        uint32_t size;
        uint32_t sched_policy;
        uint64_t sched_flags;
        int32_t sched_nice;
        uint32_t sched_priority;
        uint64_t sched_runtime;
        uint64_t sched_deadline;
        uint64_t sched_period;
        uint32_t sched_util_min;
        uint32_t sched_util_max;
};

int tong_process_set_scheduler(const tong_process *p, pid_t pid, tong_err **err)
{
        const tong_scheduler *s = &p->scheduler;
        struct tong_sched_attr attr = {
                .size = sizeof(attr),
                .sched_policy = (uint32_t)s->policy,
                .sched_flags = s->flags,
                .sched_nice = s->has_nice ? s->nice : 0,
                .sched_priority = s->has_priority ? (uint32_t)s->priority : 0,
                .sched_runtime = s->has_runtime ? s->runtime : 0,
                .sched_deadline = s->has_deadline ? s->deadline : 0,
                .sched_period = s->has_period ? s->period : 0,
        };

        if (!s->has)
                return 0;
        if (syscall(SYS_sched_setattr, pid, &attr, 0) < 0)
                return tong_err_sys(err, errno,
                                    "process.scheduler: sched_setattr(policy %d, nice %d, "
                                    "priority %d, flags 0x%llx, runtime %llu, deadline %llu, "
                                    "period %llu)",
                                    s->policy, attr.sched_nice, (int)attr.sched_priority,
                                    (unsigned long long)s->flags,
                                    (unsigned long long)attr.sched_runtime,
                                    (unsigned long long)attr.sched_deadline,
                                    (unsigned long long)attr.sched_period);
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "tong/log.h"
#include "core/macro.h"
#include "core/strv.h"
#include "linux/caps.h"
#include "spec/names.h"

/* Capabilities live in 64-bit masks: the kernel is at 40, far from the end of it. */
#define CAP_MASK_BITS 64

static int cap_last_cached = -1;

static bool cap_exists(int cap)
{
        return prctl(PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0) >= 0 || errno != EINVAL;
}

/*
 * Probe with PR_CAPBSET_READ (EINVAL past the last capability) rather than reading
 * /proc/sys/kernel/cap_last_cap: it needs no procfs, which inside the container is not
 * trusted, and costs a handful of syscalls once per process.
 */
int tong_cap_last_cap(void)
{
        int last;

        if (cap_last_cached >= 0)
                return cap_last_cached;
        last = TONG_CAP_LAST;
        if (cap_exists(last)) {
                while (last + 1 < CAP_MASK_BITS && cap_exists(last + 1))
                        last++;
        } else {
                while (last > 0 && !cap_exists(last))
                        last--;
        }
        cap_last_cached = last;
        return last;
}

uint64_t tong_cap_known_mask(void)
{
        int last = tong_cap_last_cap();

        return last >= CAP_MASK_BITS - 1 ? UINT64_MAX : (UINT64_C(1) << (last + 1)) - 1;
}

const char *tong_cap_describe(int cap, char buf[static 32])
{
        const char *name = tong_cap_name(cap);

        if (name)
                return name;
        (void)snprintf(buf, 32, "capability %d", cap);
        return buf;
}

int tong_caps_get(tong_capset *ret, tong_err **err)
{
        struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = { 0 };

        if (syscall(SYS_capget, &hdr, data) < 0)
                return tong_err_sys(err, errno, "capget");
        ret->effective = data[0].effective | (uint64_t)data[1].effective << 32;
        ret->permitted = data[0].permitted | (uint64_t)data[1].permitted << 32;
        ret->inheritable = data[0].inheritable | (uint64_t)data[1].inheritable << 32;
        return 0;
}

int tong_caps_set(const tong_capset *c, tong_err **err)
{
        struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
        struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {
                { (uint32_t)c->effective, (uint32_t)c->permitted, (uint32_t)c->inheritable },
                { (uint32_t)(c->effective >> 32), (uint32_t)(c->permitted >> 32),
                  (uint32_t)(c->inheritable >> 32) },
        };

        if (syscall(SYS_capset, &hdr, data) < 0)
                return tong_err_sys(err, errno,
                                    "capset effective=%016llx permitted=%016llx "
                                    "inheritable=%016llx",
                                    (unsigned long long)c->effective,
                                    (unsigned long long)c->permitted,
                                    (unsigned long long)c->inheritable);
        return 0;
}

/*
 * The bounding set only shrinks, and only through tong_caps_bounding_drop: read it once per
 * process (keyed by pid: a child cloned into a new user namespace has a new, full one).
 */
static uint64_t bset_cached;
static pid_t bset_pid;
static bool bset_valid;

uint64_t tong_caps_bounding_get(void)
{
        uint64_t set = 0;
        int last = tong_cap_last_cap();

        if (bset_valid && bset_pid == getpid())
                return bset_cached;
        for (int cap = 0; cap <= last; cap++)
                if (prctl(PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0) > 0)
                        set |= UINT64_C(1) << cap;
        bset_cached = set;
        bset_pid = getpid();
        bset_valid = true;
        return set;
}

int tong_caps_bounding_drop(uint64_t keep, tong_err **err)
{
        uint64_t cur = tong_caps_bounding_get();
        int last = tong_cap_last_cap();
        char buf[32];

        for (int cap = 0; cap <= last; cap++) {
                uint64_t bit = UINT64_C(1) << cap;

                if (!(cur & bit) || (keep & bit))
                        continue;
                if (prctl(PR_CAPBSET_DROP, (unsigned long)cap, 0, 0, 0) < 0) {
                        bset_valid = false;
                        return tong_err_sys(err, errno, "drop %s from the bounding set",
                                            tong_cap_describe(cap, buf));
                }
        }
        bset_cached = cur & keep;
        return 0;
}

uint64_t tong_caps_ambient_get(void)
{
        uint64_t set = 0;
        int last = tong_cap_last_cap();

        for (int cap = 0; cap <= last; cap++)
                if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, (unsigned long)cap, 0, 0) > 0)
                        set |= UINT64_C(1) << cap;
        return set;
}

int tong_caps_ambient_set(uint64_t want, tong_err **err)
{
        int last = tong_cap_last_cap();
        char buf[32];

        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0) {
                /* Kernels before 4.3 have no ambient set: nothing to clear, nothing to raise. */
                if (errno == EINVAL && want == 0)
                        return 0;
                return tong_err_sys(err, errno, "clear the ambient capability set");
        }
        for (int cap = 0; cap <= last; cap++) {
                if (!(want & (UINT64_C(1) << cap)))
                        continue;
                if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)cap, 0, 0) < 0)
                        tong_warn("process.capabilities.ambient: cannot raise %s: %s",
                                  tong_cap_describe(cap, buf), strerror(errno));
        }
        return 0;
}

int tong_caps_set_keepcaps(bool on, tong_err **err)
{
        if (prctl(PR_SET_KEEPCAPS, on ? 1UL : 0UL, 0, 0, 0) < 0)
                return tong_err_sys(err, errno, "prctl(PR_SET_KEEPCAPS, %d)", on);
        return 0;
}

/* ------------------------------------------------------------------ planning */

enum { SET_BND, SET_EFF, SET_PRM, SET_INH, SET_AMB, _SET_MAX };
static const char *const set_names[_SET_MAX] = { "bounding", "effective", "permitted",
                                                 "inheritable", "ambient" };

/* Remove `drop` from every set and warn once per capability, naming the sets it was in. */
static void plan_drop(uint64_t *sets[_SET_MAX], const uint64_t drop[_SET_MAX], const char *why)
{
        uint64_t any = 0;
        char buf[32];

        for (int s = 0; s < _SET_MAX; s++)
                any |= drop[s];
        for (int cap = 0; cap < CAP_MASK_BITS; cap++) {
                uint64_t bit = UINT64_C(1) << cap;
                char list[64] = "";
                size_t len = 0;

                if (!(any & bit))
                        continue;
                for (int s = 0; s < _SET_MAX; s++) {
                        if (!(drop[s] & bit))
                                continue;
                        len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
                                                len ? ", " : "", set_names[s]);
                        *sets[s] &= ~bit;
                }
                tong_warn("process.capabilities: %s (in %s) cannot be granted: %s; ignored",
                          tong_cap_describe(cap, buf), list, why);
        }
}

void tong_caps_plan_make(const tong_capabilities *c, uint64_t cur_bounding, uint64_t cur_permitted,
                         tong_caps_plan *ret)
{
        tong_caps_plan p = { 0 };
        uint64_t *sets[_SET_MAX] = { &p.bounding, &p.effective, &p.permitted, &p.inheritable,
                                     &p.ambient };
        uint64_t drop[_SET_MAX];
        uint64_t known = tong_cap_known_mask();

        if (c) {
                p = (tong_caps_plan){ c->bounding, c->effective, c->permitted, c->inheritable,
                                      c->ambient };
                STRV_FOREACH (name, c->unknown)
                        tong_warn("process.capabilities: unknown capability \"%s\" ignored", *name);
        }

        for (int s = 0; s < _SET_MAX; s++)
                drop[s] = *sets[s] & ~known;
        plan_drop(sets, drop, "the running kernel does not support it");

        for (int s = 0; s < _SET_MAX; s++)
                drop[s] = *sets[s] & ~cur_bounding;
        plan_drop(sets, drop, "it is not in the runtime's bounding set");

        for (int s = 0; s < _SET_MAX; s++)
                drop[s] = s == SET_BND ? 0 : *sets[s] & ~cur_permitted;
        plan_drop(sets, drop, "it is not in the runtime's permitted set");

        /* What capset(2) and PR_CAP_AMBIENT_RAISE would refuse with EPERM. */
        for (int s = 0; s < _SET_MAX; s++)
                drop[s] = 0;
        drop[SET_EFF] = p.effective & ~p.permitted;
        drop[SET_INH] = p.inheritable & ~p.bounding;
        plan_drop(sets, drop, "effective needs permitted, inheritable needs bounding");
        drop[SET_EFF] = drop[SET_INH] = 0;
        drop[SET_AMB] = p.ambient & ~(p.permitted & p.inheritable);
        plan_drop(sets, drop, "ambient needs both permitted and inheritable");

        *ret = p;
}

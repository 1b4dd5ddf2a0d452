/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * Capability sets of the calling thread, with the raw syscalls (capget/capset v3, prctl
 * PR_CAPBSET_*, PR_CAP_AMBIENT_*): libcap is not a dependency.  A set is a uint64_t with bit
 * n = capability n; capabilities above tong_cap_last_cap() do not exist on the running kernel.
 *
 * tong_caps_plan() is the policy half: it turns the config's sets into the sets that can
 * really be applied, and reports each capability that cannot be granted with tong_warn()
 * (config.md: "MUST be logged as a warning ... SHOULD NOT fail").
 */
#include <stdbool.h>
#include <stdint.h>

#include "tong/error.h"
#include "spec/spec.h"

/* Highest capability number the running kernel knows (probed once, then cached). */
int tong_cap_last_cap(void);
/* Mask of every capability the running kernel knows. */
uint64_t tong_cap_known_mask(void);

typedef struct tong_capset {
        uint64_t effective;
        uint64_t permitted;
        uint64_t inheritable;
} tong_capset;

int tong_caps_get(tong_capset *ret, tong_err **err);
int tong_caps_set(const tong_capset *c, tong_err **err);

/* The bounding set, read with PR_CAPBSET_READ. */
uint64_t tong_caps_bounding_get(void);
/* Drop every capability not in keep from the bounding set (needs CAP_SETPCAP). */
int tong_caps_bounding_drop(uint64_t keep, tong_err **err);

/* The ambient set, read with PR_CAP_AMBIENT_IS_SET. */
uint64_t tong_caps_ambient_get(void);
/*
 * Clear the ambient set and raise exactly `want`.  A capability the kernel refuses to raise
 * (not permitted and inheritable, SECBIT_NO_CAP_AMBIENT_RAISE) is a warning, as in runc.
 */
int tong_caps_ambient_set(uint64_t want, tong_err **err);

int tong_caps_set_keepcaps(bool on, tong_err **err);

/* The sets that will be applied, after tong_caps_plan(). */
typedef struct tong_caps_plan {
        uint64_t bounding;
        uint64_t effective;
        uint64_t permitted;
        uint64_t inheritable;
        uint64_t ambient;
} tong_caps_plan;

/*
 * Compute what to apply for process.capabilities (`c`; NULL when the object is absent: like
 * runc, an absent object means every set is empty, so the process runs without capabilities).
 * Given the runtime's current bounding set `cur_bounding` and permitted set `cur_permitted`,
 * each capability that cannot be granted is removed from the plan with one tong_warn() naming
 * it and the sets it was asked for in:
 *   - unknown to this build (capabilities.unknown) or to the running kernel (> cap_last_cap);
 *   - not in the runtime's bounding set or permitted set (this host lacks CAP_SYS_RESOURCE);
 *   - effective but not permitted, inheritable but not bounding, ambient but not both
 *     permitted and inheritable (capset/prctl would refuse them).
 * Never fails.
 */
void tong_caps_plan_make(const tong_capabilities *c, uint64_t cur_bounding, uint64_t cur_permitted,
                         tong_caps_plan *ret);

/* "CAP_SYS_ADMIN", or "capability 45" for numbers this build has no name for. */
const char *tong_cap_describe(int cap, char buf[static 32]);

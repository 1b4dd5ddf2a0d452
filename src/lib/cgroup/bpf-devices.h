/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * cgroup v2 device control: v2 has no devices.allow/deny files; instead a
 * BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup decides every open/mknod.
 * tong builds that program from the ordered rule list (the same semantics as v1's
 * devices.allow/deny written in order: default deny, later rules override earlier ones),
 * loads it and attaches it with BPF_F_ALLOW_MULTI, replacing the program tong attached
 * before (so `update` does not stack programs).
 *
 * Precisely: for each access bit (m, r, w) separately, the last rule that matches the device
 * (type 'a' matches b and c; major/minor -1 match any) and names the bit decides; no match
 * denies.  A request (open O_RDWR asks for r and w at once) is allowed only if every bit it
 * asks for is.  Unlike v1 there is no "exact entry" rule: "allow c *:* rwm, deny c 1:3 w"
 * denies writes to 1:3.  tong's programs are recognised by their name, "tong_dev"; programs
 * attached by others are left alone.
 */
#include <stddef.h>

#include "tong/error.h"
#include "spec/spec.h"

/* cgroup_fd: an fd of the container's cgroup2 directory (O_DIRECTORY or O_PATH). */
int tong_bpf_devices_apply(int cgroup_fd, const tong_device_rule *rules, size_t n, tong_err **err);

/* Detach tong's program (if any) from the cgroup. */
int tong_bpf_devices_detach(int cgroup_fd, tong_err **err);

/* How many tong programs are attached to the cgroup (1 after apply, 0 after detach). */
int tong_bpf_devices_count(int cgroup_fd, size_t *ret, tong_err **err);

/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What the CLI needs from the config module (src/lib/spec/). */
#include <stdbool.h>
#include <sys/types.h>

/*
 * The config.json that `tong spec` writes, pretty-printed with a trailing newline, like
 * `runc spec`.  rootless: a user namespace mapping uid/gid to root, no network namespace,
 * no cgroup device rules, /sys bind-mounted: nothing an unprivileged user cannot do.
 * The caller frees the string.
 */
char *tong_spec_default_json(bool rootless, uid_t uid, gid_t gid);

/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * CVE-2019-5736 without re-executing tong: the container's process is started through a
 * ~1 KiB static program held in a sealed memfd (runtime/trampoline/trampoline.c), so that
 * /proc/self/exe at the moment of the user's execve is that memfd, never the host binary.
 */

/* A sealed, executable memfd holding the trampoline; -errno (-ENOTSUP: not on this arch). */
int tong_trampoline_open(void);

/* execve path with args/env through the trampoline in fd; returns -errno only on failure. */
int tong_trampoline_exec(int fd, const char *path, char *const *args, char *const *env);

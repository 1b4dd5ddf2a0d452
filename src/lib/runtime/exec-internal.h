/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "runtime/container.h"

/* exec.c: launch p in container c (loaded, running); *ret_pty for a foreground tty. */
int exec_run(container *c, const tong_exec_opts *o, const tong_process *p, int *ret_pty,
             tong_err **err);
/* exec.c: the parent's half of the exec protocol once the child exists. */
int exec_sync(container *c, const tong_process *p, int *ret_pty, tong_err **err);

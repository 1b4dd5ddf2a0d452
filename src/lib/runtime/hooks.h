/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include "tong/error.h"
#include "spec/spec.h"

/*
 * Run hooks[kind] in order, each with `state_json` on stdin, its own args and env (the
 * caller's environment when env is absent, like runc), and its timeout.  The first failure
 * stops the list and is returned; the message names the hook and carries its output.
 */
int tong_hooks_run(const tong_hooks *hooks, tong_hook_kind kind, const char *state_json,
                   tong_err **err);

/* Poststop: failures are warnings, and every hook runs. */
void tong_hooks_run_poststop(const tong_hooks *hooks, const char *state_json);

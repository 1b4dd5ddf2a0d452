/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "tong/tong.h"

/* 0: parsed; -1: help was printed (exit 0); >0: usage error already reported (exit code). */
int cli_parse_create_opts(const char *cmd, bool is_run, int argc, char **argv, tong_create_opts *o);

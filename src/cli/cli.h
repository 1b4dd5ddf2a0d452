/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The `tong` command line: global options, one file per command (cmd-<name>.c), and the
 * only code that prints or exits.  It sees the library through include/tong/ alone.
 */
#include <stdbool.h>

#include "tong/error.h"
#include "tong/tong.h"

typedef struct cli_globals {
        tong_ctx ctx;
        const char *log_path;
        bool log_json;
        bool debug;
} cli_globals;

typedef int (*cli_command_fn)(const cli_globals *g, int argc, char **argv);

/* One per command file. */
int cmd_create(const cli_globals *g, int argc, char **argv);
int cmd_delete(const cli_globals *g, int argc, char **argv);
int cmd_exec(const cli_globals *g, int argc, char **argv);
int cmd_features(const cli_globals *g, int argc, char **argv);
int cmd_kill(const cli_globals *g, int argc, char **argv);
int cmd_list(const cli_globals *g, int argc, char **argv);
int cmd_run(const cli_globals *g, int argc, char **argv);
int cmd_spec(const cli_globals *g, int argc, char **argv);
int cmd_start(const cli_globals *g, int argc, char **argv);
int cmd_state(const cli_globals *g, int argc, char **argv);
int cmd_pause(const cli_globals *g, int argc, char **argv);
int cmd_resume(const cli_globals *g, int argc, char **argv);
int cmd_update(const cli_globals *g, int argc, char **argv);
int cmd_events(const cli_globals *g, int argc, char **argv);
int cmd_ps(const cli_globals *g, int argc, char **argv);

/* Print err (stderr and the --log file), return the exit status for it (1). */
int cli_report(const tong_err *err);
/* A command-line mistake: message + "Run 'tong CMD --help'", exit status 1. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print a command's help: usage line and options text. */
int cli_help(const char *cmd, const char *usage, const char *options);

/* Help-text convention: every cmd_* handles -h/--help with cli_help(). */

/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] = "[--all] CONTAINER [SIGNAL]";
static const char options[] =
        "  -a, --all  send the signal to every process in the container's cgroup\n"
        "SIGNAL is a name (KILL, SIGKILL) or a number; the default is SIGTERM.\n";

int cmd_kill(const cli_globals *g, int argc, char **argv)
{
        static const struct option opts[] = {
                { "all", no_argument, NULL, 'a' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        tong_err *err = NULL;
        bool all = false;
        int sig = SIGTERM, c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+ah", opts, NULL)) != -1) {
                switch (c) {
                case 'a':
                        all = true;
                        break;
                case 'h':
                        return cli_help("kill", usage, options);
                default:
                        return cli_usage_error("kill", "unknown or incomplete option");
                }
        }
        if (argc - optind < 1 || argc - optind > 2)
                return cli_usage_error("kill", "expected a container ID and an optional signal");
        if (argc - optind == 2) {
                sig = tong_signal_parse(argv[optind + 1]);
                if (sig <= 0)
                        return cli_usage_error("kill", "unknown signal `%s`", argv[optind + 1]);
        }
        r = tong_container_kill(&g->ctx, argv[optind], sig, all, &err);
        if (r < 0) {
                r = cli_report(err);
                tong_err_free(err);
                return r;
        }
        return EXIT_SUCCESS;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static const char usage[] = "[--stats] [--interval DURATION] CONTAINER";
static const char options[] =
        "      --stats          print the container's statistics once, then exit\n"
        "      --interval D     statistics interval while streaming (default 5s; 500ms, 1m...)\n"
        "Without --stats: a stats event every interval and an oom event for every OOM kill, as\n"
        "JSON lines, until the container stops.\n";

static int print_event(const char *json, void *userdata)
{
        (void)userdata;
        if (puts(json) < 0 || fflush(stdout) != 0)
                return -(errno ? errno : EIO);
        return 0;
}

int cmd_events(const cli_globals *g, int argc, char **argv)
{
        static const struct option opts[] = {
                { "stats", no_argument, NULL, 's' },
                { "interval", required_argument, NULL, 'i' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        int64_t interval = 5000000000ll;
        tong_err *err = NULL;
        bool stats = false;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
                switch (c) {
                case 's':
                        stats = true;
                        break;
                case 'i':
                        if (tong_parse_duration(optarg, &interval) < 0)
                                return cli_usage_error("events",
                                                       "--interval: invalid duration `%s`", optarg);
                        if (interval <= 0)
                                return cli_usage_error("events",
                                                       "--interval: must be greater than 0");
                        break;
                case 'h':
                        return cli_help("events", usage, options);
                default:
                        return cli_usage_error("events", "unknown or incomplete option");
                }
        }
        if (argc - optind != 1)
                return cli_usage_error("events", "expected exactly one container ID");
        r = tong_container_events(&g->ctx, argv[optind], stats, interval, print_event, NULL, &err);
        if (r < 0) {
                r = cli_report(err);
                tong_err_free(err);
                return r;
        }
        return EXIT_SUCCESS;
}

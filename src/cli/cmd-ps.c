/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] = "[--format table|json] CONTAINER [--] [PS-OPTIONS...]";
static const char options[] =
        "  -f, --format F  table (default): ps(1)'s output for the container's processes;\n"
        "                  json: an array of their host pids\n"
        "PS-OPTIONS are passed to ps(1) (default -ef).\n";

static int print_json(const cli_globals *g, const char *id)
{
        tong_err *err = NULL;
        pid_t *pids = NULL;
        size_t n = 0;
        int r;

        r = tong_container_pids(&g->ctx, id, &pids, &n, &err);
        if (r < 0) {
                r = cli_report(err);
                tong_err_free(err);
                return r;
        }
        putchar('[');
        for (size_t i = 0; i < n; i++)
                printf("%s%d", i ? "," : "", (int)pids[i]);
        puts("]");
        free(pids);
        return EXIT_SUCCESS;
}

int cmd_ps(const cli_globals *g, int argc, char **argv)
{
        static const struct option opts[] = {
                { "format", required_argument, NULL, 'f' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *format = "table";
        tong_err *err = NULL;
        char *table = NULL;
        char **ps_args;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
                switch (c) {
                case 'f':
                        format = optarg;
                        break;
                case 'h':
                        return cli_help("ps", usage, options);
                default:
                        return cli_usage_error("ps", "unknown or incomplete option");
                }
        }
        if (argc - optind < 1)
                return cli_usage_error("ps", "expected a container ID");
        ps_args = argv + optind + 1;
        if (ps_args[0] && !strcmp(ps_args[0], "--"))
                ps_args++;
        if (!strcmp(format, "json"))
                return print_json(g, argv[optind]);
        if (strcmp(format, "table") != 0)
                return cli_usage_error("ps", "--format: `%s` is not table or json", format);
        r = tong_container_ps(&g->ctx, argv[optind], ps_args, &table, &err);
        if (r < 0) {
                r = cli_report(err);
                tong_err_free(err);
                return r;
        }
        fputs(table, stdout);
        free(table);
        return EXIT_SUCCESS;
}

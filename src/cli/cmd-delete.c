/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>
#include <stdlib.h>

#include "cli.h"

static const char usage[] = "[--force] CONTAINER";
static const char options[] = "  -f, --force  kill the container first if it is still running\n";

int cmd_delete(const cli_globals *g, int argc, char **argv)
{
        static const struct option opts[] = {
                { "force", no_argument, NULL, 'f' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        tong_err *err = NULL;
        bool force = false;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+fh", opts, NULL)) != -1) {
                switch (c) {
                case 'f':
                        force = true;
                        break;
                case 'h':
                        return cli_help("delete", usage, options);
                default:
                        return cli_usage_error("delete", "unknown or incomplete option");
                }
        }
        if (argc - optind != 1)
                return cli_usage_error("delete", "expected exactly one container ID");
        r = tong_container_delete(&g->ctx, argv[optind], force, &err);
        if (r < 0) {
                r = cli_report(err);
                tong_err_free(err);
                return r;
        }
        return EXIT_SUCCESS;
}

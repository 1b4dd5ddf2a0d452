/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_pause(const cli_globals *g, int argc, char **argv)
{
        tong_err *err = NULL;
        int r;

        if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
                return cli_help("pause", "CONTAINER",
                                "suspend every process of the container (cgroup freezer).\n");
        if (argc != 2)
                return cli_usage_error("pause", "expected exactly one container ID");
        r = tong_container_pause(&g->ctx, argv[1], &err);
        if (r < 0) {
                r = cli_report(err);
                tong_err_free(err);
                return r;
        }
        return EXIT_SUCCESS;
}

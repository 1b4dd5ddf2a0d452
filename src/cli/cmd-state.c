/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_state(const cli_globals *g, int argc, char **argv)
{
        tong_err *err = NULL;
        char *json = NULL;
        int r;

        if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
                return cli_help("state", "CONTAINER", NULL);
        if (argc != 2)
                return cli_usage_error("state", "expected exactly one container ID");
        r = tong_container_state(&g->ctx, argv[1], &json, &err);
        if (r < 0) {
                r = cli_report(err);
                tong_err_free(err);
                return r;
        }
        puts(json);
        free(json);
        return EXIT_SUCCESS;
}

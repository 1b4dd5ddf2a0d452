/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_resume(const cli_globals *g, int argc, char **argv)
{
        tong_err *err = NULL;
        int r;

        if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
                return cli_help("resume", "CONTAINER",
                                "resume the processes of a paused container.\n");
        if (argc != 2)
                return cli_usage_error("resume", "expected exactly one container ID");
        r = tong_container_resume(&g->ctx, argv[1], &err);
        if (r < 0) {
                r = cli_report(err);
                tong_err_free(err);
                return r;
        }
        return EXIT_SUCCESS;
}

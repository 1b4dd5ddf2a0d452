/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>

#include "cli.h"
#include "create-opts.h"

int cmd_run(const cli_globals *g, int argc, char **argv)
{
        tong_create_opts o = { 0 };
        tong_err *err = NULL;
        int status = 0, r;

        r = cli_parse_create_opts("run", true, argc, argv, &o);
        if (r != 0)
                return r < 0 ? EXIT_SUCCESS : r;
        r = tong_container_run(&g->ctx, &o, &status, &err);
        if (r < 0) {
                r = cli_report(err);
                tong_err_free(err);
                return r;
        }
        /* The container's own exit status, 128+N for a signal, as runc does. */
        return status;
}

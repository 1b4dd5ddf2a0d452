/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_features(const cli_globals *g, int argc, char **argv)
{
        char *json;

        (void)g;
        if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
                return cli_help("features", "", NULL);
        if (argc > 1)
                return cli_usage_error("features", "unexpected argument `%s`", argv[1]);
        json = tong_features_json();
        puts(json);
        free(json);
        return EXIT_SUCCESS;
}

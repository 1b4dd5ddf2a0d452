/* SPDX-License-Identifier: Apache-2.0 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] = "[--format table|json] [-q]";
static const char options[] = "  -f, --format FORMAT  table (default) or json\n"
                              "  -q, --quiet          print only the container IDs\n";

static void print_json_string(const char *s)
{
        putchar('"');
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;

                if (c == '"' || c == '\\')
                        printf("\\%c", c);
                else if (c < 0x20)
                        printf("\\u%04x", c);
                else
                        putchar(c);
        }
        putchar('"');
}

static void print_json(const tong_container_info *v, size_t n)
{
        printf("[");
        for (size_t i = 0; i < n; i++) {
                printf("%s{\"ociVersion\":\"1.3.0\",\"id\":", i ? "," : "");
                print_json_string(v[i].id);
                printf(",\"pid\":%d,\"status\":", (int)v[i].pid);
                print_json_string(v[i].status);
                printf(",\"bundle\":");
                print_json_string(v[i].bundle);
                printf(",\"created\":");
                print_json_string(v[i].created);
                printf(",\"owner\":");
                print_json_string(v[i].owner);
                printf("}");
        }
        printf("]\n");
}

static void print_table(const tong_container_info *v, size_t n)
{
        int w = 2;

        for (size_t i = 0; i < n; i++)
                if ((int)strlen(v[i].id) > w)
                        w = (int)strlen(v[i].id);
        printf("%-*s   %-8s %-10s %-40s %-31s %s\n", w, "ID", "PID", "STATUS", "BUNDLE", "CREATED",
               "OWNER");
        for (size_t i = 0; i < n; i++)
                printf("%-*s   %-8d %-10s %-40s %-31s %s\n", w, v[i].id, (int)v[i].pid, v[i].status,
                       v[i].bundle, v[i].created, v[i].owner);
}

int cmd_list(const cli_globals *g, int argc, char **argv)
{
        static const struct option opts[] = {
                { "format", required_argument, NULL, 'f' },
                { "quiet", no_argument, NULL, 'q' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        tong_container_info *v = NULL;
        tong_err *err = NULL;
        const char *format = "table";
        bool quiet = false;
        size_t n = 0;
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, "+f:qh", opts, NULL)) != -1) {
                switch (c) {
                case 'f':
                        format = optarg;
                        break;
                case 'q':
                        quiet = true;
                        break;
                case 'h':
                        return cli_help("list", usage, options);
                default:
                        return cli_usage_error("list", "unknown or incomplete option");
                }
        }
        if (optind != argc)
                return cli_usage_error("list", "unexpected argument `%s`", argv[optind]);
        if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
                return cli_usage_error("list", "--format: unknown format `%s` (table or json)",
                                       format);
        r = tong_container_list(&g->ctx, &v, &n, &err);
        if (r < 0) {
                r = cli_report(err);
                tong_err_free(err);
                return r;
        }
        if (quiet)
                for (size_t i = 0; i < n; i++)
                        puts(v[i].id);
        else if (strcmp(format, "json") == 0)
                print_json(v, n);
        else
                print_table(v, n);
        tong_container_info_free(v, n);
        return EXIT_SUCCESS;
}

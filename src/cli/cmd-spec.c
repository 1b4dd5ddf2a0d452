/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tong/spec.h"
#include "cli.h"

static const char usage[] = "[--bundle DIR] [--rootless]";
static const char options[] =
        "  -b, --bundle DIR  the bundle directory (default: the current one)\n"
        "  --rootless        a config for an unprivileged user\n";

static int write_config(const char *bundle, const char *json)
{
        int dirfd, fd;
        size_t n = strlen(json), off = 0;

        dirfd = open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dirfd < 0)
                return -errno;
        fd = openat(dirfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                    0644);
        close(dirfd);
        if (fd < 0)
                return -errno;
        while (off < n) {
                ssize_t k = write(fd, json + off, n - off);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        close(fd);
                        return -errno;
                }
                off += (size_t)k;
        }
        if (write(fd, "\n", 1) != 1 || close(fd) < 0)
                return -EIO;
        return 0;
}

int cmd_spec(const cli_globals *g, int argc, char **argv)
{
        static const struct option opts[] = {
                { "bundle", required_argument, NULL, 'b' },
                { "rootless", no_argument, NULL, 'r' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *bundle = ".";
        bool rootless = false;
        char *json;
        int c, r;

        (void)g;
        optind = 0;
        while ((c = getopt_long(argc, argv, "+b:h", opts, NULL)) != -1) {
                switch (c) {
                case 'b':
                        bundle = optarg;
                        break;
                case 'r':
                        rootless = true;
                        break;
                case 'h':
                        return cli_help("spec", usage, options);
                default:
                        return cli_usage_error("spec", "unknown or incomplete option");
                }
        }
        if (optind != argc)
                return cli_usage_error("spec", "unexpected argument `%s`", argv[optind]);

        json = tong_spec_default_json(rootless, getuid(), getgid());
        r = write_config(bundle, json);
        free(json);
        if (r == -EEXIST) {
                tong_err e = { EEXIST, (char *)"config.json already exists in the bundle; "
                                               "remove it first" };
                return cli_report(&e);
        }
        if (r < 0) {
                char msg[512];
                tong_err e = { -r, msg };

                snprintf(msg, sizeof(msg), "write %s/config.json: %s", bundle, strerror(-r));
                return cli_report(&e);
        }
        return EXIT_SUCCESS;
}

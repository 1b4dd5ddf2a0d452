/* SPDX-License-Identifier: Apache-2.0 */
/* The options `create` and `run` share (runc's names). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "create-opts.h"

static const char create_options[] =
        "  -b, --bundle DIR         the bundle (default: the current directory)\n"
        "  --console-socket PATH    send the pty master over this unix socket\n"
        "  --pid-file FILE          write the container init's pid to FILE\n"
        "  --preserve-fds N         pass fds 3..3+N-1 to the container\n"
        "  --no-pivot               do not use pivot_root (MS_MOVE + chroot instead)\n"
        "  --no-new-keyring         do not create a new session keyring\n";
static const char run_options[] = "  -d, --detach             return once the process has started\n"
                                  "  --keep                   do not delete the container after it "
                                  "exits\n";

enum { O_CONSOLE = 256, O_PIDFILE, O_PRESERVE, O_NOPIVOT, O_NOKEYRING, O_KEEP, O_NOSUBREAPER };

static int parse_preserve(const char *cmd, const char *s, unsigned *ret)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (!*s || *end || errno || s[0] == '-' || v > 65536)
                return cli_usage_error(cmd, "--preserve-fds: invalid count `%s`", s);
        *ret = (unsigned)v;
        return 0;
}

int cli_parse_create_opts(const char *cmd, bool is_run, int argc, char **argv, tong_create_opts *o)
{
        static const struct option opts[] = {
                { "bundle", required_argument, NULL, 'b' },
                { "console-socket", required_argument, NULL, O_CONSOLE },
                { "pid-file", required_argument, NULL, O_PIDFILE },
                { "preserve-fds", required_argument, NULL, O_PRESERVE },
                { "no-pivot", no_argument, NULL, O_NOPIVOT },
                { "no-new-keyring", no_argument, NULL, O_NOKEYRING },
                { "detach", no_argument, NULL, 'd' },
                { "keep", no_argument, NULL, O_KEEP },
                { "no-subreaper", no_argument, NULL, O_NOSUBREAPER },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        int c, r;

        optind = 0;
        while ((c = getopt_long(argc, argv, is_run ? "+b:dh" : "+b:h", opts, NULL)) != -1) {
                if (!is_run && (c == 'd' || c == O_KEEP || c == O_NOSUBREAPER))
                        return cli_usage_error(cmd, "unknown option `%s`", argv[optind - 1]);
                switch (c) {
                case 'b':
                        o->bundle = optarg;
                        break;
                case O_CONSOLE:
                        o->console_socket = optarg;
                        break;
                case O_PIDFILE:
                        o->pid_file = optarg;
                        break;
                case O_PRESERVE:
                        r = parse_preserve(cmd, optarg, &o->preserve_fds);
                        if (r)
                                return r;
                        break;
                case O_NOPIVOT:
                        o->no_pivot = true;
                        break;
                case O_NOKEYRING:
                        o->no_new_keyring = true;
                        break;
                case 'd':
                        o->detach = true;
                        break;
                case O_KEEP:
                        o->keep = true;
                        break;
                case O_NOSUBREAPER:
                        break;
                case 'h':
                        cli_help(cmd, "[options] CONTAINER", create_options);
                        if (is_run)
                                fputs(run_options, stdout);
                        return -1;
                default:
                        return cli_usage_error(cmd, "unknown or incomplete option `%s`",
                                               argv[optind - 1]);
                }
        }
        if (argc - optind != 1)
                return cli_usage_error(cmd, "expected exactly one container ID");
        o->id = argv[optind];
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] = "[options] CONTAINER COMMAND [ARG...]";
static const char options[] =
        "  -p, --process FILE       a process.json to run instead of COMMAND\n"
        "  -t, --tty                allocate a pseudo-terminal\n"
        "      --console-socket S   send the pty master over this unix socket\n"
        "  -d, --detach             return once the process has started\n"
        "      --pid-file FILE      write the process's pid to FILE\n"
        "  -e, --env KEY=VALUE      set an environment variable (repeatable)\n"
        "      --cwd DIR            working directory in the container\n"
        "  -u, --user UID[:GID]     numeric user and group\n"
        "  -g, --additional-gids G  additional group ids (repeatable, or comma-separated)\n"
        "  -c, --cap CAP            add a capability (repeatable)\n"
        "      --no-new-privs       set no_new_privs\n"
        "      --preserve-fds N     pass fds 3..3+N-1 to the process\n"
        "      --cgroup SUB         run in a sub-cgroup of the container's cgroup\n"
        "      --ignore-paused      exec even into a paused container\n"
        "      --apparmor PROFILE   (not supported)\n"
        "      --process-label L    (not supported)\n";

typedef struct list {
        char **v;
        size_t n;
} list;

static void list_add(list *l, char *s)
{
        char **v = realloc(l->v, (l->n + 2) * sizeof(char *));

        if (!v)
                abort();
        v[l->n++] = s;
        v[l->n] = NULL;
        l->v = v;
}

enum {
        O_CONSOLE = 256,
        O_PIDFILE,
        O_CWD,
        O_NNP,
        O_PRESERVE,
        O_CGROUP,
        O_IGNORE_PAUSED,
        O_APPARMOR,
        O_LABEL,
};

static const struct option opts[] = {
        { "process", required_argument, NULL, 'p' },
        { "tty", no_argument, NULL, 't' },
        { "console-socket", required_argument, NULL, O_CONSOLE },
        { "detach", no_argument, NULL, 'd' },
        { "pid-file", required_argument, NULL, O_PIDFILE },
        { "env", required_argument, NULL, 'e' },
        { "cwd", required_argument, NULL, O_CWD },
        { "user", required_argument, NULL, 'u' },
        { "additional-gids", required_argument, NULL, 'g' },
        { "cap", required_argument, NULL, 'c' },
        { "no-new-privs", no_argument, NULL, O_NNP },
        { "preserve-fds", required_argument, NULL, O_PRESERVE },
        { "cgroup", required_argument, NULL, O_CGROUP },
        { "ignore-paused", no_argument, NULL, O_IGNORE_PAUSED },
        { "apparmor", required_argument, NULL, O_APPARMOR },
        { "process-label", required_argument, NULL, O_LABEL },
        { "help", no_argument, NULL, 'h' },
        {},
};

static int parse_count(const char *s, unsigned *ret)
{
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(s, &end, 10);
        if (!*s || *end || errno || s[0] == '-' || v > 65536)
                return -1;
        *ret = (unsigned)v;
        return 0;
}

static int parse_opt(int c, tong_exec_opts *o, list *env, list *caps, list *gids)
{
        switch (c) {
        case 'p':
                o->process_file = optarg;
                break;
        case 't':
                o->tty = true;
                break;
        case O_CONSOLE:
                o->console_socket = optarg;
                break;
        case 'd':
                o->detach = true;
                break;
        case O_PIDFILE:
                o->pid_file = optarg;
                break;
        case 'e':
                list_add(env, optarg);
                break;
        case O_CWD:
                o->cwd = optarg;
                break;
        case 'u':
                o->user = optarg;
                break;
        case 'g':
                list_add(gids, optarg);
                break;
        case 'c':
                list_add(caps, optarg);
                break;
        case O_NNP:
                o->no_new_privs = true;
                break;
        case O_PRESERVE:
                if (parse_count(optarg, &o->preserve_fds) < 0)
                        return cli_usage_error("exec", "--preserve-fds: invalid count `%s`",
                                               optarg);
                break;
        case O_CGROUP:
                o->cgroup = optarg;
                break;
        case O_IGNORE_PAUSED:
                o->ignore_paused = true;
                break;
        case O_APPARMOR:
                o->apparmor = optarg;
                break;
        case O_LABEL:
                o->process_label = optarg;
                break;
        default:
                return cli_usage_error("exec", "unknown or incomplete option `%s`",
                                       optarg ? optarg : "");
        }
        return 0;
}

int cmd_exec(const cli_globals *g, int argc, char **argv)
{
        tong_exec_opts o = { 0 };
        list env = { 0 }, caps = { 0 }, gids = { 0 };
        tong_err *err = NULL;
        int c, r = 0, status = 0;

        optind = 0;
        while (r == 0 && (c = getopt_long(argc, argv, "+p:tde:u:g:c:h", opts, NULL)) != -1) {
                if (c == 'h')
                        return cli_help("exec", usage, options);
                r = parse_opt(c, &o, &env, &caps, &gids);
        }
        if (r == 0 && optind >= argc)
                r = cli_usage_error("exec", "expected a container ID");
        if (r == 0 && optind + 1 >= argc && !o.process_file)
                r = cli_usage_error("exec", "expected a command (or --process FILE)");
        if (r == 0) {
                o.id = argv[optind];
                o.args = argv + optind + 1;
                o.env = env.v;
                o.caps = caps.v;
                o.additional_gids = gids.v;
                if (tong_container_exec(&g->ctx, &o, &status, &err) < 0) {
                        r = cli_report(err);
                        tong_err_free(err);
                } else {
                        r = status;
                }
        }
        free(env.v);
        free(caps.v);
        free(gids.v);
        return r;
}

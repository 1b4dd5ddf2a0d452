/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "tong/log.h"
#include "cli.h"

/* The one command table: dispatch and `tong --help` both read it. */
static const struct command {
        const char *name;
        const char *summary;
        cli_command_fn run;
} commands[] = {
        { "create", "create a container from a bundle", cmd_create },
        { "start", "start the user process of a created container", cmd_start },
        { "run", "create and start a container, then wait for it", cmd_run },
        { "exec", "run another process in a running container", cmd_exec },
        { "state", "print the OCI state of a container", cmd_state },
        { "list", "list containers", cmd_list },
        { "kill", "send a signal to the container's init process", cmd_kill },
        { "delete", "delete a container and the resources it holds", cmd_delete },
        { "spec", "write a default config.json into a bundle", cmd_spec },
        { "features", "print the features this runtime supports, as JSON", cmd_features },
        { "pause", "suspend every process of a container", cmd_pause },
        { "resume", "resume the processes of a paused container", cmd_resume },
        { "update", "change a container's resource limits", cmd_update },
        { "events", "print a container's statistics and OOM events, as JSON", cmd_events },
        { "ps", "list the processes of a container", cmd_ps },
};

static FILE *log_file;
static bool log_json;

static void json_escape(FILE *f, const char *s)
{
        for (; *s; s++) {
                unsigned char c = (unsigned char)*s;

                if (c == '"' || c == '\\')
                        fprintf(f, "\\%c", c);
                else if (c == '\n')
                        fputs("\\n", f);
                else if (c == '\t')
                        fputs("\\t", f);
                else if (c < 0x20)
                        fprintf(f, "\\u%04x", c);
                else
                        fputc(c, f);
        }
}

static void log_line(tong_log_level level, const char *msg)
{
        static const char *const names[] = {
                [TONG_LOG_ERROR] = "error",
                [TONG_LOG_WARN] = "warning",
                [TONG_LOG_INFO] = "info",
                [TONG_LOG_DEBUG] = "debug",
        };
        char ts[64];
        struct timespec now;
        struct tm tm;

        if (!log_file)
                return;
        clock_gettime(CLOCK_REALTIME, &now);
        gmtime_r(&now.tv_sec, &tm);
        strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
        if (log_json) {
                fprintf(log_file, "{\"level\":\"%s\",\"msg\":\"", names[level]);
                json_escape(log_file, msg);
                fprintf(log_file, "\",\"time\":\"%s\"}\n", ts);
        } else {
                fprintf(log_file, "time=\"%s\" level=%s msg=\"", ts, names[level]);
                json_escape(log_file, msg);
                fputs("\"\n", log_file);
        }
        fflush(log_file);
}

static void log_sink(tong_log_level level, const char *msg, void *userdata)
{
        (void)userdata;
        log_line(level, msg);
        /* With --log (engines), warnings go to the log only, as runc does: our stderr may be
         * the container's.  Errors go to both (cli_report). */
        if (level == TONG_LOG_WARN && !log_file)
                fprintf(stderr, "tong: warning: %s\n", msg);
        else if (level == TONG_LOG_DEBUG && !log_file) {
                struct timespec t;

                /* Monotonic microseconds and the pid: enough to see where a start spends
                 * its time, across the parent and the container init. */
                clock_gettime(CLOCK_MONOTONIC, &t);
                fprintf(stderr, "tong: debug: [%lld.%06ld %d] %s\n", (long long)t.tv_sec,
                        t.tv_nsec / 1000, (int)getpid(), msg);
        }
}

int cli_report(const tong_err *err)
{
        const char *msg = err && err->msg ? err->msg : "unknown error";

        log_line(TONG_LOG_ERROR, msg);
        fprintf(stderr, "tong: %s\n", msg);
        return EXIT_FAILURE;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
        char msg[1024];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        log_line(TONG_LOG_ERROR, msg);
        fprintf(stderr, "tong%s%s: %s\nRun 'tong %s%s--help' for usage.\n", cmd ? " " : "",
                cmd ? cmd : "", msg, cmd ? cmd : "", cmd ? " " : "");
        return EXIT_FAILURE;
}

int cli_help(const char *cmd, const char *usage, const char *options)
{
        printf("Usage: tong %s %s\n", cmd, usage);
        if (options && *options)
                printf("\nOptions:\n%s", options);
        return EXIT_SUCCESS;
}

static void print_help(void)
{
        printf("tong - a Linux OCI container runtime\n\n"
               "Usage: tong [global options] COMMAND [command options] [arguments...]\n\n"
               "Commands:\n");
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                printf("  %-10s %s\n", commands[i].name, commands[i].summary);
        printf("\nGlobal options:\n"
               "  --root DIR           state directory (default /run/tong; "
               "$XDG_RUNTIME_DIR/tong when not root)\n"
               "  --log FILE           also write errors and warnings to FILE\n"
               "  --log-format FORMAT  text (default) or json\n"
               "  --debug              log debug messages\n"
               "  --systemd-cgroup     use the systemd cgroup driver (not available)\n"
               "  --rootless VALUE     accepted for runc compatibility (auto/true/false)\n"
               "  -v, --version        print the version\n"
               "  -h, --help           print this help\n\n"
               "Run 'tong COMMAND --help' for a command's options.\n");
}

static void print_version(void)
{
        printf("tong version %s\n", TONG_VERSION);
        if (*TONG_COMMIT)
                printf("commit: %s\n", TONG_COMMIT);
        printf("spec: %s\n", TONG_OCI_VERSION);
        printf("libseccomp: %s\n", tong_libseccomp_version());
}

static const char *default_root(char *buf, size_t n)
{
        const char *xdg;

        if (geteuid() == 0)
                return "/run/tong";
        xdg = getenv("XDG_RUNTIME_DIR");
        if (!xdg || xdg[0] != '/')
                return NULL;
        snprintf(buf, n, "%s/tong", xdg);
        return buf;
}

static int open_log(const char *path)
{
        int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);

        if (fd < 0)
                return -errno;
        log_file = fdopen(fd, "a");
        if (!log_file) {
                close(fd);
                return -ENOMEM;
        }
        return 0;
}

enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD, OPT_ROOTLESS, OPT_CRIU };

static int parse_globals(int argc, char **argv, cli_globals *g)
{
        static const struct option opts[] = {
                { "root", required_argument, NULL, OPT_ROOT },
                { "log", required_argument, NULL, OPT_LOG },
                { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
                { "debug", no_argument, NULL, OPT_DEBUG },
                { "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD },
                { "rootless", required_argument, NULL, OPT_ROOTLESS },
                { "criu", required_argument, NULL, OPT_CRIU },
                { "version", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *log_format = "text";
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
                switch (c) {
                case OPT_ROOT:
                        g->ctx.root = optarg;
                        break;
                case OPT_LOG:
                        g->log_path = optarg;
                        break;
                case OPT_LOG_FORMAT:
                        log_format = optarg;
                        break;
                case OPT_DEBUG:
                        g->debug = true;
                        break;
                case OPT_SYSTEMD:
                        g->ctx.systemd_cgroup = true;
                        break;
                case OPT_ROOTLESS:
                case OPT_CRIU:
                        break;
                case 'v':
                        print_version();
                        exit(EXIT_SUCCESS);
                case 'h':
                        print_help();
                        exit(EXIT_SUCCESS);
                case '?':
                default:
                        if (optopt)
                                return cli_usage_error(NULL, "unknown or incomplete option -%c",
                                                       optopt);
                        return cli_usage_error(NULL, "unknown or incomplete option `%s`",
                                               argv[optind - 1]);
                }
        }
        if (strcmp(log_format, "json") == 0)
                g->log_json = true;
        else if (strcmp(log_format, "text") != 0)
                return cli_usage_error(NULL, "--log-format: unknown format `%s` (text or json)",
                                       log_format);
        return 0;
}

int main(int argc, char **argv)
{
        cli_globals g = { 0 };
        char root_buf[4096];
        int r;

        r = parse_globals(argc, argv, &g);
        if (r != 0)
                return r;
        log_json = g.log_json;
        if (g.log_path && open_log(g.log_path) < 0) {
                fprintf(stderr, "tong: --log: cannot open `%s`: %s\n", g.log_path, strerror(errno));
                return EXIT_FAILURE;
        }
        tong_log_set_sink(log_sink, NULL, g.debug ? TONG_LOG_DEBUG : TONG_LOG_WARN);
        if (log_file)
                tong_log_set_file_fd(fileno(log_file));
        g.ctx.rootless = geteuid() != 0;
        if (!g.ctx.root)
                g.ctx.root = default_root(root_buf, sizeof(root_buf));

        if (optind >= argc) {
                print_help();
                return EXIT_FAILURE;
        }
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
                if (strcmp(argv[optind], commands[i].name) != 0)
                        continue;
                if (g.ctx.systemd_cgroup && strcmp(commands[i].name, "spec") != 0 &&
                    strcmp(commands[i].name, "features") != 0) {
                        tong_err e = { .errnum = ENOTSUP,
                                       .msg = (char *)"--systemd-cgroup: the systemd cgroup "
                                                      "driver is not available in tong (no "
                                                      "systemd on this host); use the default "
                                                      "cgroupfs driver" };
                        return cli_report(&e);
                }
                /* Commands see argv starting at their own name, like main(). */
                return commands[i].run(&g, argc - optind, argv + optind);
        }
        return cli_usage_error(NULL, "unknown command `%s`", argv[optind]);
}

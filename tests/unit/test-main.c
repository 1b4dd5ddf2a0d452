/* SPDX-License-Identifier: Apache-2.0 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

extern const test_case __start_tong_tests[];
extern const test_case __stop_tong_tests[];

void test_fail(const char *file, int line, const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "# %s:%d: ", file, line);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
        fflush(stderr);
        _exit(1);
}

static bool selected(const char *name, int argc, char **argv)
{
        if (argc < 2)
                return true;
        for (int i = 1; i < argc; i++)
                if (strstr(name, argv[i]))
                        return true;
        return false;
}

int main(int argc, char **argv)
{
        size_t n = (size_t)(__stop_tong_tests - __start_tong_tests), run = 0, failed = 0;

        for (size_t i = 0; i < n; i++)
                if (selected(__start_tong_tests[i].name, argc, argv))
                        run++;
        printf("1..%zu\n", run);
        fflush(stdout);

        run = 0;
        for (size_t i = 0; i < n; i++) {
                const test_case *t = &__start_tong_tests[i];
                int status = 0;
                pid_t pid;

                if (!selected(t->name, argc, argv))
                        continue;
                run++;
                pid = fork();
                if (pid < 0) {
                        perror("fork");
                        return 2;
                }
                if (pid == 0) {
                        t->fn();
                        fflush(NULL);
                        _exit(0);
                }
                while (waitpid(pid, &status, 0) < 0)
                        ;
                if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                        printf("ok %zu - %s\n", run, t->name);
                } else {
                        failed++;
                        if (WIFSIGNALED(status))
                                printf("not ok %zu - %s (signal %d)\n", run, t->name,
                                       WTERMSIG(status));
                        else
                                printf("not ok %zu - %s\n", run, t->name);
                }
                fflush(stdout);
        }
        printf("# %zu passed, %zu failed\n", run - failed, failed);
        return failed ? 1 : 0;
}

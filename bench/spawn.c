/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench helper: run argv, print "<wall ns> <peak RSS KiB> <exit code>".
 * A small static program so the peak RSS wait4() reports is the runtime's, not inherited
 * from a big parent (the kernel counts the forked child's pre-exec RSS too).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
        struct timespec a, b;
        struct rusage ru;
        int status;
        pid_t pid;

        if (argc < 2)
                return 2;
        clock_gettime(CLOCK_MONOTONIC, &a);
        pid = fork();
        if (pid == 0) {
                execv(argv[1], argv + 1);
                _exit(127);
        }
        if (pid < 0 || wait4(pid, &status, 0, &ru) < 0)
                return 2;
        clock_gettime(CLOCK_MONOTONIC, &b);
        printf("%lld %ld %d\n",
               (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec),
               ru.ru_maxrss, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
        return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The exec trampoline's runtime side: see trampoline/trampoline.c for why it exists. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tong/log.h"
#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "core/strv.h"
#include "runtime/trampoline.h"

#ifdef TONG_HAVE_TRAMPOLINE
#include "runtime/trampoline-blob.h"
#endif

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define MARKER "\001tong-exec:"

int tong_trampoline_open(void)
{
#ifdef TONG_HAVE_TRAMPOLINE
        int seals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
        _cleanup_close_ int fd = -EBADF;

        fd = memfd_create("tong-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
        if (fd < 0 && errno == EINVAL) /* before Linux 6.3: no MFD_EXEC, exec is allowed */
                fd = memfd_create("tong-exec", MFD_CLOEXEC | MFD_ALLOW_SEALING);
        if (fd < 0)
                return -errno;
        if (write_all(fd, trampoline_elf, sizeof(trampoline_elf)) < 0 || fchmod(fd, 0555) < 0 ||
            fcntl(fd, F_ADD_SEALS, seals) < 0)
                return -errno;
        return TAKE_FD(fd);
#else
        return -ENOTSUP;
#endif
}

int tong_trampoline_exec(int fd, const char *path, char *const *args, char *const *env)
{
        size_t n = strv_length(args);
        _cleanup_free_ char **argv = xcalloc(n + 2, sizeof(char *));
        _cleanup_free_ char *first = xasprintf(MARKER "%s", path);
        char proc_path[64];

        argv[0] = first;
        for (size_t i = 0; i < n; i++)
                argv[i + 1] = args[i];
        /* execve(2) through /proc, so a seccomp profile that allows only execve still works;
         * execveat(2) on the fd where the container has no /proc. */
        snprintf(proc_path, sizeof(proc_path), "/proc/self/fd/%d", fd);
        execve(proc_path, argv, env);
        syscall(SYS_execveat, fd, "", argv, env, AT_EMPTY_PATH);
        return -errno;
}

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's last hop before the user's program (CVE-2019-5736).
 *
 * If the runtime execve()d the user's program itself, a program (or script interpreter line)
 * naming /proc/self/exe would make the kernel run the host's tong binary inside the
 * container, where the container could open it through /proc/PID/exe and overwrite it after
 * it exits.  So the runtime execs this tiny static program from a sealed memfd instead, and
 * this program execs the user's: at that moment /proc/self/exe is the sealed, per-container
 * memfd, never the host binary.  It costs one execve of a ~2 KiB file, not a re-exec of tong.
 *
 * Freestanding: no libc, no relocations, x86_64 only (other architectures exec directly).
 * argv[0] must be the marker below followed by the program's path; argv[1..] are the
 * program's arguments.  Run any other way (as a #! interpreter, say) it refuses.
 */
#define MARKER "\001tong-exec:"

static long sys3(long nr, long a, long b, long c)
{
        long ret;

        __asm__ volatile("syscall"
                         : "=a"(ret)
                         : "a"(nr), "D"(a), "S"(b), "d"(c)
                         : "rcx", "r11", "memory");
        return ret;
}

static __attribute__((noreturn)) void die(const char *msg, unsigned long len, int code)
{
        sys3(1 /* write */, 2, (long)msg, (long)len);
        for (;;)
                sys3(231 /* exit_group */, code, 0, 0);
}

__attribute__((used)) void tong_trampoline_main(long *sp)
{
        long argc = sp[0];
        char **argv = (char **)(sp + 1);
        char **envp = argv + argc + 1;
        const char *m = MARKER, *a;
        static const char refuse[] = "tong: /proc/self/exe is not executable in a container\n";
        static const char failed[] = "tong: exec of the container process failed\n";

        if (argc < 2)
                die(refuse, sizeof(refuse) - 1, 126);
        for (a = argv[0]; *m; m++, a++)
                if (*a != *m)
                        die(refuse, sizeof(refuse) - 1, 126);
        sys3(59 /* execve */, (long)a, (long)(argv + 1), (long)envp);
        die(failed, sizeof(failed) - 1, 127);
}

__asm__(".globl _start\n"
        "_start:\n"
        "        mov %rsp, %rdi\n"
        "        and $-16, %rsp\n"
        "        call tong_trampoline_main\n"
        "        ud2\n");

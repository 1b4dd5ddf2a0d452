/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "test-rootfs-util.h"
#include "test.h"

char *trt_mkdtemp(const char *tag)
{
        char *p = xasprintf("/tmp/tong-test-%s.XXXXXX", tag);

        if (!mkdtemp(p))
                test_fail(__FILE__, __LINE__, "mkdtemp %s: %m", p);
        return p;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
        (void)st;
        (void)ftw;
        if (type == FTW_DP)
                (void)rmdir(path);
        else
                (void)unlink(path);
        return 0;
}

void trt_rm_rf(const char *path)
{
        (void)nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

void trt_mkdir_p(const char *path, mode_t mode)
{
        _cleanup_free_ char *p = xstrdup(path);

        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = '\0';
                (void)mkdir(p, mode);
                *s = '/';
        }
        if (mkdir(p, mode) < 0 && errno != EEXIST)
                test_fail(__FILE__, __LINE__, "mkdir %s: %m", p);
}

void trt_write(const char *path, const char *content)
{
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t)strlen(content))
                test_fail(__FILE__, __LINE__, "write %s: %m", path);
}

void trt_symlink(const char *target, const char *path)
{
        if (symlink(target, path) < 0)
                test_fail(__FILE__, __LINE__, "symlink %s: %m", path);
}

int trt_count_entries(const char *path)
{
        _cleanup_closedir_ DIR *d = opendir(path);
        struct dirent *de;
        int n = 0;

        if (!d)
                return -1;
        while ((de = readdir(d)))
                if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
                        n++;
        return n;
}

bool trt_exists(const char *path)
{
        struct stat st;

        return lstat(path, &st) == 0;
}

void trt_unshare_mnt(void)
{
        if (unshare(CLONE_NEWNS) < 0)
                test_fail(__FILE__, __LINE__, "unshare(CLONE_NEWNS): %m");
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                test_fail(__FILE__, __LINE__, "make / private: %m");
}

int trt_run_child(int (*fn)(void *), void *arg, unsigned long unshare_flags)
{
        pid_t pid;
        int status;

        fflush(NULL);
        pid = fork();
        if (pid < 0)
                test_fail(__FILE__, __LINE__, "fork: %m");
        if (pid == 0) {
                if (unshare_flags && unshare((int)unshare_flags) < 0)
                        _exit(100);
                _exit(fn(arg));
        }
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        test_fail(__FILE__, __LINE__, "waitpid: %m");
        if (WIFEXITED(status))
                return WEXITSTATUS(status);
        return 128 + WTERMSIG(status);
}

/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "linux/terminal.h"
#include "test.h"

/* Read from fd until `needle` shows up (or 5 s pass); the data read lands in buf. */
static bool read_until(int fd, const char *needle, char *buf, size_t size)
{
        size_t len = 0;

        buf[0] = '\0';
        while (len + 1 < size && !strstr(buf, needle)) {
                struct pollfd pfd = { .fd = fd, .events = POLLIN };
                ssize_t n;

                if (poll(&pfd, 1, 5000) <= 0)
                        return false;
                n = read(fd, buf + len, size - 1 - len);
                if (n <= 0)
                        return false;
                len += (size_t)n;
                buf[len] = '\0';
        }
        return strstr(buf, needle) != NULL;
}

TEST(terminal_host_ptmx_is_refused)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        tong_pty pty;
        struct stat st;

        /* The host's /dev/ptmx is a devtmpfs node: it would allocate from the host's devpts. */
        if (stat("/dev/ptmx", &st) < 0 || !S_ISCHR(st.st_mode))
                return;
        ASSERT_EQ(tong_terminal_open_pty("/dev/ptmx", &pty, &err), -EXDEV);
        ASSERT_STR_CONTAINS(err->msg, "/dev/ptmx is not on a devpts filesystem");
}

TEST(terminal_send_and_recv_fd)
{
        _cleanup_free_ char *name = NULL;
        int sv[2], p[2], fd = -1;
        char c = 0;

        ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
        ASSERT_OK(pipe2(p, O_CLOEXEC));
        ASSERT_OK(tong_terminal_send_fd(sv[0], p[1], "/dev/ptmx", NULL));
        ASSERT_OK(tong_terminal_recv_fd(sv[1], &fd, &name, NULL));
        ASSERT_STREQ(name, "/dev/ptmx");
        ASSERT_TRUE(fd >= 0 && fd != p[1]);
        ASSERT_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
        ASSERT_EQ(write(fd, "x", 1), 1);
        ASSERT_EQ(read(p[0], &c, 1), 1);
        ASSERT_EQ(c, 'x');
}

TEST(terminal_recv_refuses_message_without_fd)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        int sv[2], fd = -1;

        ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
        ASSERT_EQ(write(sv[0], "name", 4), 4);
        ASSERT_EQ(tong_terminal_recv_fd(sv[1], &fd, NULL, &err), -EBADMSG);
        ASSERT_EQ(tong_terminal_send_fd(sv[0], 0, "", NULL), -EINVAL);
}

/* ------------------------------------------------------------------ private devpts */

typedef int (*child_fn)(const char *root, int outfd);

static int run_child(child_fn fn, const char *root, char **out)
{
        int p[2], status;
        pid_t pid;

        ASSERT_OK(pipe2(p, O_CLOEXEC));
        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);

                if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
                        _exit(99);
                _exit(fn(root, p[1]));
        }
        (void)close(p[1]);
        ASSERT_OK(read_fd_full(p[0], 1 << 20, out, NULL));
        (void)close(p[0]);
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* A private mount namespace with a new devpts instance at <root>/dev/pts. */
static int private_devpts(const char *root)
{
        _cleanup_free_ char *pts = xasprintf("%s/dev/pts", root);

        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                return -errno;
        if (mount("devpts", pts, "devpts", MS_NOSUID | MS_NOEXEC,
                  "newinstance,ptmxmode=0666,mode=0620") < 0)
                return -errno;
        return 0;
}

static int pair_child(const char *root, int outfd)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        _cleanup_free_ char *ptmx = xasprintf("%s/dev/pts/ptmx", root);
        _cleanup_free_ char *name = NULL;
        tong_pty pty;
        struct winsize ws;
        char buf[256];
        int sv[2], master;

        if (private_devpts(root) < 0)
                return 10;
        if (tong_terminal_open_pty(ptmx, &pty, &err) < 0) {
                dprintf(outfd, "E: %s\n", err->msg);
                return 11;
        }
        /* A fresh instance: the first pty is number 0. */
        if (pty.index != 0)
                return 12;
        if (tong_terminal_set_size(pty.master, 40, 132, NULL) < 0 ||
            ioctl(pty.slave, TIOCGWINSZ, &ws) < 0 || ws.ws_row != 40 || ws.ws_col != 132)
                return 13;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
            tong_terminal_send_fd(sv[0], pty.master, "/dev/ptmx", NULL) < 0 ||
            tong_terminal_recv_fd(sv[1], &master, &name, NULL) < 0)
                return 14;
        (void)close(pty.master);
        /* Input typed on the master reaches the peer, output of the peer the master. */
        if (write(master, "hello\n", 6) != 6 || !read_until(pty.slave, "hello\n", buf, sizeof(buf)))
                return 15;
        if (write(pty.slave, "world\n", 6) != 6 || !read_until(master, "world", buf, sizeof(buf)))
                return 16;
        return 0;
}

static char *make_root(void)
{
        char tmpl[] = "/tmp/tong-test-pty-XXXXXX";
        char *root, *p;

        ASSERT_NOT_NULL(mkdtemp(tmpl));
        root = xstrdup(tmpl);
        p = xasprintf("%s/dev", root);
        ASSERT_OK(mkdir(p, 0755));
        free(p);
        p = xasprintf("%s/dev/pts", root);
        ASSERT_OK(mkdir(p, 0755));
        free(p);
        return root;
}

static void remove_root(char *root)
{
        const char *entries[] = { "dev/console", "dev/ptmx", "dev/pts", "dev", "target", "" };

        for (size_t i = 0; i < ELEMENTSOF(entries); i++) {
                _cleanup_free_ char *p = xasprintf("%s/%s", root, entries[i]);

                if (unlink(p) < 0)
                        (void)rmdir(p);
        }
        free(root);
}

TEST(terminal_pty_pair_in_private_devpts)
{
        _cleanup_free_ char *out = NULL;
        char *root = make_root();
        int r = run_child(pair_child, root, &out);

        remove_root(root);
        ASSERT_STREQ(out, "");
        ASSERT_EQ(r, 0);
}

static int chroot_with_devpts(const char *root)
{
        _cleanup_free_ char *ptmx = xasprintf("%s/dev/ptmx", root);

        if (private_devpts(root) < 0 || symlink("pts/ptmx", ptmx) < 0 || chroot(root) < 0 ||
            chdir("/") < 0 || setsid() < 0)
                return -1;
        return 0;
}

static int setup_child(const char *root, int outfd)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        tong_process p = { .terminal = true,
                           .has_console_size = true,
                           .console_height = 24,
                           .console_width = 80 };
        struct stat console, in;
        struct winsize ws;
        char buf[256];
        int master;

        if (chroot_with_devpts(root) < 0)
                return 10;
        if (tong_terminal_setup(&p, &master, &err) < 0) {
                dprintf(outfd, "E: %s\n", err->msg);
                return 11;
        }
        /* /dev/console is the pty itself, and it is our stdio and controlling terminal. */
        if (stat("/dev/console", &console) < 0 || fstat(0, &in) < 0 || !S_ISCHR(console.st_mode) ||
            console.st_rdev != in.st_rdev)
                return 12;
        if (!isatty(0) || !isatty(1) || !isatty(2) || tcgetsid(0) != getsid(0))
                return 13;
        if (ioctl(1, TIOCGWINSZ, &ws) < 0 || ws.ws_row != 24 || ws.ws_col != 80)
                return 14;
        if (write(master, "ping\n", 5) != 5 || !read_until(0, "ping\n", buf, sizeof(buf)))
                return 15;
        return 0;
}

TEST(terminal_setup_binds_console_and_stdio)
{
        _cleanup_free_ char *out = NULL;
        char *root = make_root();
        int r = run_child(setup_child, root, &out);

        remove_root(root);
        ASSERT_STREQ(out, "");
        ASSERT_EQ(r, 0);
}

static int symlink_console_child(const char *root, int outfd)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        _cleanup_free_ char *console = xasprintf("%s/dev/console", root);
        _cleanup_free_ char *target = xasprintf("%s/target", root);
        tong_process p = { .terminal = true };
        int master, fd;

        fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0 || symlink("/target", console) < 0)
                return 9;
        (void)close(fd);
        if (chroot_with_devpts(root) < 0)
                return 10;
        if (tong_terminal_setup(&p, &master, &err) != -ELOOP)
                return 11;
        dprintf(outfd, "%s\n", err->msg);
        return 0;
}

TEST(terminal_console_symlink_is_refused)
{
        _cleanup_free_ char *out = NULL;
        char *root = make_root();
        int r = run_child(symlink_console_child, root, &out);

        remove_root(root);
        ASSERT_EQ(r, 0);
        ASSERT_STR_CONTAINS(out, "/dev/console is a symbolic link");
}

/* ------------------------------------------------------------------ relay */

TEST(terminal_relay_until_hangup)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        _cleanup_free_ char *out = NULL;
        int in[2], outp[2], status;
        tong_pty pty;
        pid_t pid;

        ASSERT_OK(tong_terminal_open_pty("/dev/pts/ptmx", &pty, NULL));
        ASSERT_OK(pipe2(in, O_CLOEXEC));
        ASSERT_OK(pipe2(outp, O_CLOEXEC));
        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                /* The "container": read a line from the terminal, answer, exit. */
                char buf[64];

                (void)close(pty.master);
                if (!read_until(pty.slave, "ping", buf, sizeof(buf)))
                        _exit(1);
                _exit(write(pty.slave, "pong\n", 5) == 5 ? 0 : 2);
        }
        (void)close(pty.slave);
        ASSERT_EQ(write(in[1], "ping\n", 5), 5);
        (void)close(in[1]);
        ASSERT_OK(tong_terminal_relay(in[0], outp[1], pty.master, &err));
        (void)close(outp[1]);
        ASSERT_OK(read_fd_full(outp[0], 1 << 16, &out, NULL));
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        ASSERT_STR_CONTAINS(out, "pong");
        (void)close(pty.master);
}

static bool wait_size(int fd, unsigned short rows, unsigned short cols)
{
        for (int i = 0; i < 500; i++) {
                struct winsize ws;

                if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row == rows && ws.ws_col == cols)
                        return true;
                (void)usleep(10000);
        }
        return false;
}

TEST(terminal_relay_forwards_window_size)
{
        _cleanup_(tong_err_freep) tong_err *err = NULL;
        struct winsize ws = { .ws_row = 33, .ws_col = 99 };
        int outp[2], status;
        tong_pty ctr, caller;
        pid_t pid;

        ASSERT_OK(tong_terminal_open_pty("/dev/pts/ptmx", &ctr, NULL));
        ASSERT_OK(tong_terminal_open_pty("/dev/pts/ptmx", &caller, NULL));
        ASSERT_OK(ioctl(caller.master, TIOCSWINSZ, &ws));
        ASSERT_OK(pipe2(outp, O_CLOEXEC));
        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                struct winsize big = { .ws_row = 44, .ws_col = 111 };

                (void)close(ctr.master);
                /* The relay copies the caller's size at start, and again on SIGWINCH. */
                if (!wait_size(ctr.slave, 33, 99))
                        _exit(1);
                if (ioctl(caller.master, TIOCSWINSZ, &big) < 0 || kill(getppid(), SIGWINCH) < 0)
                        _exit(2);
                _exit(wait_size(ctr.slave, 44, 111) ? 0 : 3);
        }
        (void)close(ctr.slave);
        ASSERT_OK(tong_terminal_relay(caller.slave, outp[1], ctr.master, &err));
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFEXITED(status));
        ASSERT_EQ(WEXITSTATUS(status), 0);
        tong_pty_close(&ctr);
        tong_pty_close(&caller);
}

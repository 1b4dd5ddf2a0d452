/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/cleanup.h"
#include "core/fd-util.h"
#include "core/macro.h"
#include "core/missing.h"
#include "linux/terminal.h"

/* <linux/mount.h> clashes with glibc 2.36's <sys/mount.h>; these are uapi constants. */
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif
#ifndef MOVE_MOUNT_T_EMPTY_PATH
#define MOVE_MOUNT_T_EMPTY_PATH 0x00000040
#endif
#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

#define PTMX_MAJOR 5
#define PTMX_MINOR 2
#define RELAY_BUF 8192

/* ------------------------------------------------------------------ container side */

static int verify_devpts(int fd, const char *what, tong_err **err)
{
        struct statfs sfs;

        if (fstatfs(fd, &sfs) < 0)
                return tong_err_sys(err, errno, "fstatfs %s", what);
        if (sfs.f_type != DEVPTS_SUPER_MAGIC)
                return tong_err_set(err, EXDEV,
                                    "%s is not on a devpts filesystem (f_type 0x%llx): the "
                                    "container needs its own /dev/pts",
                                    what, (unsigned long long)sfs.f_type);
        return 0;
}

void tong_pty_close(tong_pty *pty)
{
        pty->master = safe_close(pty->master);
        pty->slave = safe_close(pty->slave);
}

static int open_ptmx(const char *path, tong_err **err)
{
        _cleanup_close_ int fd = -EBADF;
        struct stat st;
        int r;

        fd = tong_openat2(AT_FDCWD, path, O_RDWR | O_NOCTTY | O_CLOEXEC, 0, RESOLVE_NO_MAGICLINKS);
        if (fd < 0 && errno == ENOSYS)
                fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd < 0)
                return tong_err_sys(err, errno, "open %s", path);
        r = verify_devpts(fd, path, err);
        if (r < 0)
                return r;
        if (fstat(fd, &st) < 0)
                return tong_err_sys(err, errno, "fstat %s", path);
        if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != PTMX_MAJOR ||
            minor(st.st_rdev) != PTMX_MINOR)
                return tong_err_set(err, ENOTTY, "%s is not the ptmx device (5:2)", path);
        return TAKE_FD(fd);
}

int tong_terminal_open_pty(const char *ptmx_path, tong_pty *ret, tong_err **err)
{
        _cleanup_close_ int master = -EBADF, slave = -EBADF;
        const char *path = ptmx_path ? ptmx_path : "/dev/ptmx";
        unsigned int index;
        int unlock = 0, r;

        master = open_ptmx(path, err);
        if (master < 0)
                return master;
        if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
                return tong_err_sys(err, errno, "unlock the pty from %s", path);
        if (ioctl(master, TIOCGPTN, &index) < 0)
                return tong_err_sys(err, errno, "get the pty number from %s", path);
        /* The peer by fd: a /dev/pts/N path could have been swapped for a symlink. */
        slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (slave < 0)
                return tong_err_sys(err, errno, "open the peer of pty %u", index);
        r = verify_devpts(slave, "the pty peer", err);
        if (r < 0)
                return r;
        *ret = (tong_pty){ .master = TAKE_FD(master), .slave = TAKE_FD(slave), .index = index };
        return 0;
}

int tong_terminal_set_size(int fd, uint64_t rows, uint64_t cols, tong_err **err)
{
        struct winsize ws = { 0 };

        if (rows > USHRT_MAX || cols > USHRT_MAX)
                return tong_err_set(err, ERANGE,
                                    "process.consoleSize: %llux%llu is larger than 65535x65535",
                                    (unsigned long long)rows, (unsigned long long)cols);
        ws.ws_row = (unsigned short)rows;
        ws.ws_col = (unsigned short)cols;
        if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
                return tong_err_sys(err, errno, "process.consoleSize: set the window size");
        return 0;
}

/* An O_PATH fd of /dev/console that is a regular file or a device, never a symlink. */
static int open_console_target(tong_err **err)
{
        _cleanup_close_ int dev = -EBADF, fd = -EBADF;
        struct stat st;

        dev = tong_openat2(AT_FDCWD, "/dev", O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
                           RESOLVE_NO_SYMLINKS);
        if (dev < 0 && errno == ENOSYS)
                dev = open("/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dev < 0)
                return tong_err_sys(err, errno, "open /dev (it must be a directory)");
        fd = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) {
                /* O_EXCL: a symlink raced in between is not followed either. */
                _cleanup_close_ int c = openat(
                        dev, "console",
                        O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC, 0600);
                if (c < 0)
                        return tong_err_sys(err, errno, "create /dev/console");
                fd = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
        }
        if (fd < 0)
                return tong_err_sys(err, errno, "open /dev/console");
        if (fstat(fd, &st) < 0)
                return tong_err_sys(err, errno, "fstat /dev/console");
        if (S_ISLNK(st.st_mode))
                return tong_err_set(err, ELOOP, "/dev/console is a symbolic link; refusing it");
        if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
                return tong_err_set(err, EINVAL,
                                    "/dev/console is neither a file nor a device (mode 0%o)",
                                    st.st_mode);
        return TAKE_FD(fd);
}

static int bind_by_fd(int source, int target, tong_err **err)
{
        _cleanup_close_ int tree = -EBADF;
        char src[64], dst[64];

        tree = (int)syscall(SYS_open_tree, source, "", OPEN_TREE_CLONE | O_CLOEXEC | AT_EMPTY_PATH);
        if (tree >= 0) {
                if (syscall(SYS_move_mount, tree, "", target, "",
                            MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
                        return tong_err_sys(err, errno, "move_mount the pty onto /dev/console");
                return 0;
        }
        if (errno != ENOSYS)
                return tong_err_sys(err, errno, "open_tree the pty peer");
        (void)snprintf(src, sizeof(src), "/proc/self/fd/%d", source);
        (void)snprintf(dst, sizeof(dst), "/proc/self/fd/%d", target);
        if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
                return tong_err_sys(err, errno, "bind-mount the pty onto /dev/console");
        return 0;
}

int tong_terminal_mount_console(int slave, tong_err **err)
{
        _cleanup_close_ int target = open_console_target(err);

        if (target < 0)
                return target;
        return bind_by_fd(slave, target, err);
}

int tong_terminal_set_stdio(int slave, tong_err **err)
{
        if (ioctl(slave, TIOCSCTTY, 0) < 0)
                return tong_err_sys(err, errno, "make the pty the controlling terminal");
        for (int fd = 0; fd <= 2; fd++)
                if (slave != fd && dup2(slave, fd) < 0)
                        return tong_err_sys(err, errno, "dup the pty onto fd %d", fd);
        return 0;
}

static int terminal_setup(const tong_process *p, bool mount_console, int *ret_master,
                          tong_err **err)
{
        _cleanup_(tong_pty_close) tong_pty pty = { -EBADF, -EBADF, 0 };
        int r;

        r = tong_terminal_open_pty(NULL, &pty, err);
        if (r < 0)
                return tong_err_prefix(err, r, "process.terminal");
        if (p->has_console_size) {
                r = tong_terminal_set_size(pty.master, p->console_height, p->console_width, err);
                if (r < 0)
                        return r;
        }
        if (mount_console) {
                r = tong_terminal_mount_console(pty.slave, err);
                if (r < 0)
                        return tong_err_prefix(err, r, "process.terminal");
        }
        r = tong_terminal_set_stdio(pty.slave, err);
        if (r < 0)
                return tong_err_prefix(err, r, "process.terminal");
        *ret_master = TAKE_FD(pty.master);
        return 0;
}

int tong_terminal_setup(const tong_process *p, int *ret_master, tong_err **err)
{
        return terminal_setup(p, true, ret_master, err);
}

int tong_terminal_setup_exec(const tong_process *p, int *ret_master, tong_err **err)
{
        return terminal_setup(p, false, ret_master, err);
}

/* ------------------------------------------------------------------ console socket */

int tong_terminal_send_fd(int unix_sock, int fd, const char *name, tong_err **err)
{
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int))];
        } u = { 0 };
        size_t len = strlen(name);
        struct iovec iov = { .iov_base = (void *)name, .iov_len = len };
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = u.buf,
                .msg_controllen = sizeof(u.buf),
        };
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        ssize_t n;

        /* A stream socket drops the fd of an empty message: the name is not optional. */
        if (len == 0 || len >= TONG_TERMINAL_MAX_NAME)
                return tong_err_set(err, EINVAL, "console socket: bad name length %zu", len);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
        do {
                n = sendmsg(unix_sock, &msg, MSG_NOSIGNAL);
        } while (n < 0 && errno == EINTR);
        if (n < 0)
                return tong_err_sys(err, errno, "console socket: send the pty master");
        if ((size_t)n < len) {
                int r = write_all(unix_sock, name + n, len - (size_t)n);

                if (r < 0)
                        return tong_err_sys(err, -r, "console socket: send the pty name");
        }
        return 0;
}

static void close_received_fds(struct msghdr *msg)
{
        for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
                if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
                        continue;
                for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
                        int fd;

                        memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
                        (void)safe_close(fd);
                }
        }
}

int tong_terminal_recv_fd(int unix_sock, int *ret_fd, char **ret_name, tong_err **err)
{
        union {
                struct cmsghdr h;
                char buf[CMSG_SPACE(sizeof(int) * 4)];
        } u = { 0 };
        _cleanup_free_ char *name = xmalloc(TONG_TERMINAL_MAX_NAME);
        struct iovec iov = { .iov_base = name, .iov_len = TONG_TERMINAL_MAX_NAME };
        struct msghdr msg = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = u.buf,
                .msg_controllen = sizeof(u.buf),
        };
        struct cmsghdr *c;
        ssize_t n;
        int fd;

        do {
                n = recvmsg(unix_sock, &msg, MSG_CMSG_CLOEXEC);
        } while (n < 0 && errno == EINTR);
        if (n < 0)
                return tong_err_sys(err, errno, "console socket: receive");
        c = CMSG_FIRSTHDR(&msg);
        if (n == 0 || n >= TONG_TERMINAL_MAX_NAME || (msg.msg_flags & MSG_CTRUNC) || !c ||
            c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
            c->cmsg_len != CMSG_LEN(sizeof(int)) || CMSG_NXTHDR(&msg, c)) {
                close_received_fds(&msg);
                return tong_err_set(err, EBADMSG,
                                    "console socket: expected one fd and a name, got %zd bytes", n);
        }
        memcpy(&fd, CMSG_DATA(c), sizeof(int));
        *ret_fd = fd;
        if (ret_name)
                *ret_name = xstrndup(name, (size_t)n);
        return 0;
}

/* ------------------------------------------------------------------ caller side */

int tong_terminal_make_raw(int fd, struct termios *ret_saved, tong_err **err)
{
        struct termios saved, raw;

        if (tcgetattr(fd, &saved) < 0)
                return tong_err_sys(err, errno, "tcgetattr fd %d", fd);
        raw = saved;
        cfmakeraw(&raw);
        if (tcsetattr(fd, TCSANOW, &raw) < 0)
                return tong_err_sys(err, errno, "set fd %d to raw mode", fd);
        *ret_saved = saved;
        return 0;
}

int tong_terminal_restore(int fd, const struct termios *saved, tong_err **err)
{
        if (tcsetattr(fd, TCSANOW, saved) < 0)
                return tong_err_sys(err, errno, "restore the terminal settings of fd %d", fd);
        return 0;
}

int tong_terminal_copy_size(int from, int to, tong_err **err)
{
        struct winsize ws;

        if (ioctl(from, TIOCGWINSZ, &ws) < 0)
                return tong_err_sys(err, errno, "get the window size of fd %d", from);
        if (ioctl(to, TIOCSWINSZ, &ws) < 0)
                return tong_err_sys(err, errno, "set the window size of fd %d", to);
        return 0;
}

/* ------------------------------------------------------------------ relay */

typedef struct relay {
        int in_fd, out_fd, master;
        bool in_open;
        char inbuf[RELAY_BUF];
        char outbuf[RELAY_BUF];
} relay;

enum { PUMP_HANGUP = 0, PUMP_AGAIN = 1, PUMP_DATA = 2 };

/* One read from the master to out_fd: PUMP_DATA, PUMP_AGAIN, PUMP_HANGUP or -errno. */
static int pump_output(relay *rl, tong_err **err)
{
        ssize_t n;
        int r;

        do {
                n = read(rl->master, rl->outbuf, sizeof(rl->outbuf));
        } while (n < 0 && errno == EINTR);
        /* EIO: every peer is closed (and what they wrote has been read). */
        if (n == 0 || (n < 0 && errno == EIO))
                return PUMP_HANGUP;
        if (n < 0 && errno == EAGAIN)
                return PUMP_AGAIN;
        if (n < 0)
                return tong_err_sys(err, errno, "read from the pty master");
        r = write_all(rl->out_fd, rl->outbuf, (size_t)n);
        if (r < 0)
                return tong_err_sys(err, -r, "write the container's output to fd %d", rl->out_fd);
        return PUMP_DATA;
}

static int drain_output(relay *rl, tong_err **err)
{
        int r;

        while ((r = pump_output(rl, err)) == PUMP_DATA)
                ;
        return r < 0 ? r : 0;
}

/*
 * Write input to the master without deadlocking: while the pty's input queue is full, keep
 * moving its output, since the container may be blocked writing before it reads again.
 * Returns 1, or PUMP_HANGUP, or -errno.
 */
static int write_master(relay *rl, const char *p, size_t n, tong_err **err)
{
        while (n > 0) {
                struct pollfd pfd = { .fd = rl->master, .events = POLLIN | POLLOUT };
                ssize_t w = write(rl->master, p, n);
                int r;

                if (w > 0) {
                        p += w;
                        n -= (size_t)w;
                        continue;
                }
                if (w < 0 && errno == EIO)
                        return PUMP_HANGUP;
                if (w < 0 && errno != EAGAIN && errno != EINTR)
                        return tong_err_sys(err, errno, "write to the pty master");
                if (w < 0 && errno == EINTR)
                        continue;
                if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
                        return tong_err_sys(err, errno, "poll the pty master");
                if (pfd.revents & POLLIN) {
                        r = pump_output(rl, err);
                        if (r <= 0)
                                return r;
                } else if (pfd.revents & (POLLHUP | POLLERR)) {
                        return PUMP_HANGUP;
                }
        }
        return 1;
}

/* One chunk of input: 1 to go on, PUMP_HANGUP when the container is gone, -errno. */
static int pump_input(relay *rl, int ep, tong_err **err)
{
        ssize_t n;

        do {
                n = read(rl->in_fd, rl->inbuf, sizeof(rl->inbuf));
        } while (n < 0 && errno == EINTR);
        if (n < 0 && errno == EAGAIN)
                return 1;
        if (n <= 0) {
                /* End of input (or a dead input): only this direction stops. */
                rl->in_open = false;
                if (ep >= 0)
                        (void)epoll_ctl(ep, EPOLL_CTL_DEL, rl->in_fd, NULL);
                return 1;
        }
        return write_master(rl, rl->inbuf, (size_t)n, err);
}

static void forward_winch(relay *rl, int sigfd)
{
        struct signalfd_siginfo si;
        int from = isatty(rl->in_fd) ? rl->in_fd : rl->out_fd;

        while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
                ;
        (void)tong_terminal_copy_size(from, rl->master, NULL);
}

/* 1 to go on, 0 when the container side hung up, -errno. */
static int relay_event(relay *rl, const struct epoll_event *ev, int ep, int sigfd, tong_err **err)
{
        int r;

        if (ev->data.fd == sigfd) {
                forward_winch(rl, sigfd);
                return 1;
        }
        if (ev->data.fd == rl->master) {
                if (!(ev->events & EPOLLIN))
                        return PUMP_HANGUP;
                r = pump_output(rl, err);
                return r == PUMP_HANGUP || r < 0 ? r : 1;
        }
        return pump_input(rl, ep, err);
}

static int relay_loop(relay *rl, int ep, int sigfd, bool in_polled, tong_err **err)
{
        for (;;) {
                struct epoll_event evs[4];
                /* Input epoll cannot watch (a regular file) is read whenever we come by. */
                bool in_direct = rl->in_open && !in_polled;
                int n, r;

                n = epoll_wait(ep, evs, (int)ELEMENTSOF(evs), in_direct ? 0 : -1);
                if (n < 0 && errno != EINTR)
                        return tong_err_sys(err, errno, "epoll_wait");
                if (in_direct) {
                        r = pump_input(rl, -1, err);
                        if (r <= 0)
                                return r;
                }
                for (int i = 0; i < n; i++) {
                        r = relay_event(rl, &evs[i], ep, sigfd, err);
                        if (r <= 0)
                                return r;
                }
        }
}

static int epoll_add(int ep, int fd)
{
        struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

        return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static int relay_setup(relay *rl, int ep, int sigfd, bool *ret_in_polled, tong_err **err)
{
        int r;

        if (epoll_add(ep, rl->master) < 0 || epoll_add(ep, sigfd) < 0)
                return tong_err_sys(err, errno, "epoll_ctl");
        *ret_in_polled = false;
        if (rl->in_open) {
                r = epoll_add(ep, rl->in_fd);
                if (r == 0)
                        *ret_in_polled = true;
                else if (r != -EPERM)
                        return tong_err_sys(err, -r, "epoll_ctl fd %d", rl->in_fd);
        }
        if (isatty(rl->in_fd) || isatty(rl->out_fd))
                forward_winch(rl, sigfd);
        return 0;
}

int tong_terminal_relay(int in_fd, int out_fd, int master, tong_err **err)
{
        _cleanup_free_ relay *rl = xcalloc(1, sizeof(relay));
        _cleanup_close_ int ep = -EBADF, sigfd = -EBADF;
        sigset_t winch, old;
        int flags, r;
        bool in_polled;

        *rl = (relay){ .in_fd = in_fd, .out_fd = out_fd, .master = master, .in_open = in_fd >= 0 };
        flags = fcntl(master, F_GETFL);
        if (flags < 0 || fcntl(master, F_SETFL, flags | O_NONBLOCK) < 0)
                return tong_err_sys(err, errno, "make the pty master non-blocking");
        sigemptyset(&winch);
        sigaddset(&winch, SIGWINCH);
        (void)pthread_sigmask(SIG_BLOCK, &winch, &old);

        sigfd = signalfd(-1, &winch, SFD_CLOEXEC | SFD_NONBLOCK);
        ep = epoll_create1(EPOLL_CLOEXEC);
        if (sigfd < 0 || ep < 0)
                r = tong_err_sys(err, errno, "set up the terminal relay");
        else
                r = relay_setup(rl, ep, sigfd, &in_polled, err);
        if (r >= 0)
                r = relay_loop(rl, ep, sigfd, in_polled, err);
        if (r == PUMP_HANGUP)
                r = drain_output(rl, err);

        (void)pthread_sigmask(SIG_SETMASK, &old, NULL);
        (void)fcntl(master, F_SETFL, flags);
        return r < 0 ? r : 0;
}

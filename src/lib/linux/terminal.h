/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/*
 * The container's terminal (process.terminal = true) and the caller's side of it.
 *
 * Container side, after pivot_root, in the process that becomes the container process (the
 * runtime has done setsid()):  tong_terminal_setup() allocates a pty from the container's own
 * devpts, binds the peer onto /dev/console by fd, makes it the controlling terminal and stdio,
 * and returns the master, which the runtime sends over --console-socket with
 * tong_terminal_send_fd() and closes (security.md 3.15; CVE-2025-52565).
 *
 * Caller side (`tong run` in the foreground, tests): tong_terminal_recv_fd(), raw mode with
 * restore, window-size copy, and an epoll relay between the caller's stdio and the master.
 */
#include <stdbool.h>
#include <stdint.h>
#include <termios.h>

#include "tong/error.h"
#include "spec/spec.h"

/* runc's limit for the name sent along with the fd (libcontainer/utils/cmsg.go). */
#define TONG_TERMINAL_MAX_NAME 4096

typedef struct tong_pty {
        int master;         /* O_RDWR|O_NOCTTY|O_CLOEXEC */
        int slave;          /* the peer, from TIOCGPTPEER (never opened by path) */
        unsigned int index; /* N of /dev/pts/N */
} tong_pty;

/*
 * Open ptmx_path (NULL: "/dev/ptmx", normally a symlink to pts/ptmx), refuse it unless it is
 * the ptmx of a devpts instance (fstatfs == DEVPTS_SUPER_MAGIC, char 5:2: the host's
 * /dev/ptmx would allocate from the host's devpts), unlock it and open the peer with
 * TIOCGPTPEER.  On failure nothing stays open.
 */
int tong_terminal_open_pty(const char *ptmx_path, tong_pty *ret, tong_err **err);
void tong_pty_close(tong_pty *pty);

/* TIOCSWINSZ; rows/cols above 65535 are refused (process.consoleSize). */
int tong_terminal_set_size(int fd, uint64_t rows, uint64_t cols, tong_err **err);

/*
 * Bind-mount the pty peer onto /dev/console of the current root, using the peer's fd as the
 * source (open_tree + move_mount; /proc/self/fd/N on kernels without them).  /dev must be a
 * directory, not a symlink; /dev/console, if missing, is created as an empty regular file and
 * it is opened O_NOFOLLOW: a symlink there is refused, never followed.
 */
int tong_terminal_mount_console(int slave, tong_err **err);

/* TIOCSCTTY (the caller must be a session leader) and dup2 onto 0, 1 and 2. */
int tong_terminal_set_stdio(int slave, tong_err **err);

/*
 * All of the container side for the init process: open the pty, apply process.consoleSize,
 * bind it onto /dev/console, make it the controlling terminal and stdio.  *ret_master is the
 * master for the console socket.
 */
int tong_terminal_setup(const tong_process *p, int *ret_master, tong_err **err);
/* The same for `exec -t`: /dev/console stays the init's (runc does not mount it either). */
int tong_terminal_setup_exec(const tong_process *p, int *ret_master, tong_err **err);

/*
 * runc's console-socket protocol (utils.SendFile/SendRawFd): one sendmsg(2) carrying `name`
 * (non-empty, < 4096 bytes, no NUL) as the data and the fd as SCM_RIGHTS.  runc sends the
 * master's path name ("/dev/ptmx"); containerd and conmon use only the fd.
 */
int tong_terminal_send_fd(int unix_sock, int fd, const char *name, tong_err **err);
/* The receiving side: exactly one fd (O_CLOEXEC) and the name.  ret_name may be NULL. */
int tong_terminal_recv_fd(int unix_sock, int *ret_fd, char **ret_name, tong_err **err);

/* Put a tty in raw mode; *ret_saved gets the previous settings for tong_terminal_restore(). */
int tong_terminal_make_raw(int fd, struct termios *ret_saved, tong_err **err);
int tong_terminal_restore(int fd, const struct termios *saved, tong_err **err);
/* Copy the window size of tty `from` to `to` (TIOCGWINSZ/TIOCSWINSZ). */
int tong_terminal_copy_size(int from, int to, tong_err **err);

/*
 * Relay in_fd -> master and master -> out_fd until the container side hangs up (every peer
 * closed), then flush what the master still holds to out_fd and return 0.  End of input stops
 * the in_fd direction only.  SIGWINCH is blocked for the duration and read from a signalfd:
 * each one copies the size of in_fd (or out_fd) to the master.  in_fd may be -1.
 */
int tong_terminal_relay(int in_fd, int out_fd, int master, tong_err **err);

# SPDX-License-Identifier: Apache-2.0
"""process.terminal: the pty master over --console-socket as runc sends it, consoleSize,
/dev/console, and `run` in the foreground giving the container a terminal."""
import array
import os
import pty
import select
import socket
import stat
import subprocess
import threading
import time

from conftest import cid, leftovers, pid_alive, wait_for


class ConsoleReceiver:
    """A --console-socket listener like conmon's: accepts one connection, takes the fd."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(1)
        self.fd = None
        self.name = None
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        conn, _ = self.sock.accept()
        fds = array.array("i")
        msg, anc, _, _ = conn.recvmsg(4096, socket.CMSG_SPACE(fds.itemsize))
        for level, typ, data in anc:
            if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                fds.frombytes(data[:fds.itemsize])
        self.name = msg
        self.fd = fds[0] if fds else None
        conn.close()

    def wait(self, timeout=10):
        self.thread.join(timeout)
        return self.fd


def read_until(fd, needle, timeout=10):
    buf = b""
    end = time.monotonic() + timeout
    while needle not in buf and time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
    return buf


def test_console_socket_receives_the_pty_master(tong, bundle, tmp_path):
    bundle.config["process"]["terminal"] = True
    bundle.config["process"]["consoleSize"] = {"height": 33, "width": 111}
    bundle.set_args("sh", "-c", "stty size; tty; ls -l /dev/console; sleep 1; echo done")
    sock = str(tmp_path / "console.sock")
    rx = ConsoleReceiver(sock)
    c = cid()
    r = tong("create", "--bundle", bundle.path, "--console-socket", sock, c)
    assert r.rc == 0, r
    fd = rx.wait()
    assert fd is not None
    st = os.fstat(fd)
    assert stat.S_ISCHR(st.st_mode) and os.major(st.st_rdev) == 5  # /dev/ptmx
    assert tong("start", c).rc == 0
    out = read_until(fd, b"done").decode(errors="replace")
    os.close(fd)
    assert "33 111" in out, out
    assert "/dev/pts/0" in out, out
    assert ", " in out and "136" in out  # /dev/console is the pts device (major 136)
    wait_for(lambda: tong.state(c)["status"] == "stopped")
    assert tong("delete", c).rc == 0
    assert leftovers(tong, c, bundle) == []


def test_run_in_foreground_gets_a_terminal(tong, bundle):
    bundle.config["process"]["terminal"] = True
    bundle.set_args("sh", "-c", "tty; echo ready-for-input; read x; echo got-$x")
    master, slave = pty.openpty()
    p = subprocess.Popen(tong.argv("run", "--bundle", bundle.path, cid()),
                         stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    out = read_until(master, b"ready-for-input")
    assert b"/dev/pts/" in out, out
    os.write(master, b"hello\r")
    out += read_until(master, b"got-hello")
    assert b"got-hello" in out, out
    assert p.wait(timeout=20) == 0
    os.close(master)


def test_without_terminal_pipes_stay_pipes(tong, bundle):
    bundle.set_args("sh", "-c", "tty; readlink /proc/self/fd/1")
    r = tong("run", "--bundle", bundle.path, cid())
    assert "not a tty" in r.out
    assert r.out.strip().splitlines()[-1].startswith(("pipe:", "/"))

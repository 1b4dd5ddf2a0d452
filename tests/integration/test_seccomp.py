# SPDX-License-Identifier: Apache-2.0
"""linux.seccomp through the real binary: errno, kill, log, args and notify rules, and a
Docker-default-shaped profile under which a normal shell works (also for a non-root user)."""
import array
import fcntl
import json
import os
import socket
import struct
import threading

import pytest

from conftest import REPO, cid

SECCOMP_IOCTL_NOTIF_RECV = 0xC0502100
SECCOMP_IOCTL_NOTIF_SEND = 0xC0182101
EXDEV = 18


def run(tong, bundle, seccomp, *args, nnp=True, user=None):
    bundle.config["linux"]["seccomp"] = seccomp
    bundle.config["process"]["noNewPrivileges"] = nnp
    if user:
        bundle.config["process"]["user"] = user
    bundle.set_args(*args)
    return tong("run", "--bundle", bundle.path, cid())


def allow_but(names, action, **extra):
    return {"defaultAction": "SCMP_ACT_ALLOW",
            "syscalls": [dict({"names": names, "action": action}, **extra)]}


def test_errno_rule(tong, bundle):
    r = run(tong, bundle, allow_but(["mkdir", "mkdirat"], "SCMP_ACT_ERRNO", errnoRet=EXDEV),
            "mkdir", "/tmp/x")
    assert r.rc != 0
    assert "cross-device" in r.err.lower(), r.err


def test_errno_default_is_eperm(tong, bundle):
    r = run(tong, bundle, allow_but(["mkdir", "mkdirat"], "SCMP_ACT_ERRNO"), "mkdir", "/tmp/x")
    assert r.rc != 0 and "not permitted" in r.err.lower(), r.err


def test_kill_rule(tong, bundle):
    r = run(tong, bundle, allow_but(["mkdir", "mkdirat"], "SCMP_ACT_KILL_PROCESS"),
            "mkdir", "/tmp/x")
    assert r.rc == 128 + 31, r  # SIGSYS


def test_log_rule_allows(tong, bundle):
    r = run(tong, bundle, allow_but(["mkdir", "mkdirat"], "SCMP_ACT_LOG"),
            "sh", "-c", "mkdir /dev/shm/x && echo made")
    assert r.rc == 0 and "made" in r.out, r


def test_args_rule(tong, bundle):
    # Deny personality(0xffffffff) only: the query form; other values pass.
    prof = allow_but(["umask"], "SCMP_ACT_ERRNO", errnoRet=EXDEV,
                     args=[{"index": 0, "value": 0o77, "op": "SCMP_CMP_EQ"}])
    r = run(tong, bundle, prof, "sh", "-c", "umask 022 && echo ok1; umask 077 && echo ok2")
    # busybox's umask builtin ignores the return value of umask(2): check via strace-free
    # means instead: the rule must at least not break the allowed value
    assert "ok1" in r.out, r


def test_masked_eq_rule(tong, bundle):
    # socket(AF_INET=2, ...) denied by masking the domain; AF_UNIX (1) allowed
    prof = allow_but(["socket"], "SCMP_ACT_ERRNO", errnoRet=EXDEV,
                     args=[{"index": 0, "value": 0xff, "valueTwo": 2,
                            "op": "SCMP_CMP_MASKED_EQ"}])
    r = run(tong, bundle, prof, "sh", "-c", "nc -l -p 1234 -w 1 127.0.0.1 2>&1; echo rc=$?")
    assert "cross-device" in r.out.lower(), r


def test_unknown_syscall_name_is_a_warning(tong, bundle):
    r = run(tong, bundle, allow_but(["no_such_syscall_xyz", "mkdir"], "SCMP_ACT_ERRNO"),
            "true")
    assert r.rc == 0, r
    assert "no_such_syscall_xyz" in r.log, r.log


def test_default_like_profile_runs_a_shell(tong, bundle):
    prof = json.load(open(os.path.join(REPO, "tests", "data", "seccomp-default-like.json")))
    r = run(tong, bundle, prof, "sh", "-c", "echo hi | cat; ls / >/dev/null; id -u",
            nnp=False)
    assert r.rc == 0, r
    assert r.out.split() == ["hi", "0"]
    r = run(tong, bundle, prof, "sh", "-c", "echo hi | cat; id -u", nnp=False,
            user={"uid": 1000, "gid": 1000})
    assert r.rc == 0, r
    assert r.out.split() == ["hi", "1000"]
    r = run(tong, bundle, prof, "sh", "-c", "echo hi | cat; id -u", nnp=True,
            user={"uid": 1000, "gid": 1000})
    assert r.rc == 0, r


class Listener(threading.Thread):
    """A seccomp agent: gets the state and the notify fd, answers mkdir with EXDEV."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(1)
        self.state = None
        self.answered = 0
        self.error = None

    def run(self):
        try:
            conn, _ = self.sock.accept()
            fds = array.array("i")
            msg, anc, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(4 * fds.itemsize))
            for level, typ, data in anc:
                if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                    fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
            self.state = json.loads(msg)
            conn.close()
            fd = fds[0]
            while True:
                req = bytearray(80)
                fcntl.ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req)
                nid = struct.unpack_from("Q", req, 0)[0]
                resp = bytearray(struct.pack("QqiI", nid, 0, -EXDEV, 0))
                fcntl.ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp)
                self.answered += 1
        except OSError as e:
            self.error = e


def test_notify_rule_reaches_the_listener(tong, bundle, tmp_path):
    path = str(tmp_path / "agent.sock")
    agent = Listener(path)
    agent.start()
    prof = allow_but(["mkdir", "mkdirat"], "SCMP_ACT_NOTIFY")
    prof["listenerPath"] = path
    prof["listenerMetadata"] = "meta-data"
    c = cid()
    bundle.config["linux"]["seccomp"] = prof
    bundle.config["process"]["noNewPrivileges"] = True
    bundle.set_args("sh", "-c", "mkdir /dev/shm/x; echo rc=$?; ls -d /dev/shm/x 2>&1; true")
    r = tong("run", "--bundle", bundle.path, c)
    assert r.rc == 0, r
    assert "cross-device" in r.err.lower() + r.out.lower(), r
    assert "rc=1" in r.out
    st = agent.state
    assert st["ociVersion"] and st["fds"] == ["seccompFd"]
    assert st["metadata"] == "meta-data"
    assert st["state"]["id"] == c and st["pid"] > 0
    assert agent.answered >= 1


def test_notify_without_listener_path_is_refused(tong, bundle):
    bundle.config["linux"]["seccomp"] = allow_but(["mkdir"], "SCMP_ACT_NOTIFY")
    bundle.write()
    c = cid()
    r = tong("create", "--bundle", bundle.path, c)
    assert r.rc != 0 and "listenerPath" in r.err, r.err

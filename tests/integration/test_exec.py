# SPDX-License-Identifier: Apache-2.0
"""exec: runc's options, every namespace (user and time included), exit codes, refusals,
and what an exec'd process can see of the host."""
import json
import os
import subprocess
import time

import pytest

from conftest import cid, pid_alive, wait_for
from test_namespaces import with_userns, PROC
from test_terminal import ConsoleReceiver, read_until
from test_process import status_field


@pytest.fixture
def running(tong, bundle):
    """A running container with every namespace (user and time too)."""
    with_userns(bundle)
    bundle.config["linux"]["namespaces"].append({"type": "time"})
    bundle.config["linux"]["timeOffsets"] = {"boottime": {"secs": 3600 * 24 * 100}}
    bundle.config["process"]["env"] = ["PATH=/bin", "FROM=config"]
    bundle.set_args("sleep", "300")
    c = cid("ex")
    r = tong("run", "-d", "--bundle", bundle.path, c)
    assert r.rc == 0, r
    yield c, tong.state(c)["pid"]
    tong("delete", "-f", c)


def test_exec_joins_every_namespace(tong, running):
    c, pid = running
    r = tong("exec", "-d", c, "sleep", "30")
    assert r.rc == 0, r
    # find the exec'd sleep among the init's pid namespace members
    out = tong("exec", c, "sh", "-c", "for n in pid net mnt uts ipc cgroup user time; do "
               "readlink /proc/self/ns/$n; done")
    assert out.rc == 0, out
    inside = out.out.split()
    want = [os.readlink(f"/proc/{pid}/ns/{PROC[n] if n in PROC else n}") for n in
            ["pid", "network", "mount", "uts", "ipc", "cgroup", "user"]] + \
        [os.readlink(f"/proc/{pid}/ns/time")]
    assert inside == want


def test_exec_exit_code_and_stdio(tong, running):
    c, _ = running
    r = tong("exec", c, "sh", "-c", "echo out; echo err >&2; exit 7")
    assert r.rc == 7
    assert r.out == "out\n" and "err" in r.err


def test_exec_sees_time_offset_and_user_map(tong, running):
    c, _ = running
    r = tong("exec", c, "sh", "-c", "cat /proc/uptime /proc/self/uid_map; id -u")
    assert r.rc == 0, r
    lines = r.out.split("\n")
    assert float(lines[0].split()[0]) > 3600 * 24 * 99
    assert lines[1].split() == ["0", "100000", "65536"]
    assert lines[2] == "0"


def test_exec_env_cwd_user_gids(tong, running):
    c, _ = running
    r = tong("exec", "-e", "A=1", "--env", "FROM=cli", "--cwd", "/tmp", "-u", "1000:1001",
             "-g", "5", "--additional-gids", "6,7", c, "sh", "-c",
             'echo "$A $FROM $PATH"; pwd; cat /proc/self/status')
    assert r.rc == 0, r
    lines = r.out.splitlines()
    assert lines[0] == "1 cli /bin"
    assert lines[1] == "/tmp"
    assert status_field(r.out, "Uid") == ["1000"] * 4
    assert status_field(r.out, "Gid") == ["1001"] * 4
    assert status_field(r.out, "Groups") == ["5", "6", "7"]


@pytest.mark.parametrize("bad", ["1:", ":1", "", "1a", "-1", "4294967296", "root"])
def test_exec_user_parsing_is_strict(tong, running, bad):
    c, _ = running
    r = tong("exec", "-u", bad, c, "id", "-u")
    assert r.rc != 0 and "--user" in r.err, r


def test_exec_cap_never_inheritable(tong, running):
    c, _ = running
    r = tong("exec", "--cap", "CAP_NET_RAW", c, "cat", "/proc/self/status")
    assert r.rc == 0, r
    assert int(status_field(r.out, "CapEff")[0], 16) & (1 << 13)
    assert status_field(r.out, "CapInh") == ["0" * 16]
    assert status_field(r.out, "CapAmb") == ["0" * 16]
    r = tong("exec", "--cap", "CAP_BOGUS", c, "true")
    assert r.rc != 0 and "CAP_BOGUS" in r.err


def test_exec_no_new_privs(tong, running):
    c, _ = running
    r = tong("exec", "--no-new-privs", c, "cat", "/proc/self/status")
    assert status_field(r.out, "NoNewPrivs") == ["1"]


def test_exec_only_stdio_and_cwd_inside(tong, running):
    c, _ = running
    r = tong("exec", c, "sh", "-c", "ls /proc/self/fd | wc -l; readlink /proc/self/cwd; "
             "readlink /proc/self/root")
    assert r.rc == 0, r
    lines = r.out.split()
    assert lines[0] == "4"  # 0 1 2 and ls's own directory fd
    assert lines[1] == "/" and lines[2] == "/"


@pytest.mark.parametrize("n", [3, 4, 5, 8])
def test_exec_cwd_leaked_fd(tong, running, n):
    c, _ = running
    r = tong("exec", "--cwd", f"/proc/self/fd/{n}", c, "pwd")
    assert r.rc != 0 or r.out.strip().startswith("/"), r
    assert "(unreachable)" not in r.out


def test_exec_process_file(tong, running, tmp_path):
    c, _ = running
    p = {"args": ["sh", "-c", "echo from-file $X; id -u"], "cwd": "/", "env": ["X=y"],
         "user": {"uid": 2000, "gid": 2000}}
    f = tmp_path / "process.json"
    f.write_text(json.dumps(p))
    r = tong("exec", "--process", f, c)
    assert r.rc == 0, r
    assert r.out.split() == ["from-file", "y", "2000"]
    f.write_text(json.dumps({"args": [], "cwd": "/"}))
    r = tong("exec", "--process", f, c)
    assert r.rc != 0 and "process.json" in r.err and "args" in r.err


def test_exec_detach_and_pid_file(tong, running, tmp_path):
    c, pid = running
    pf = tmp_path / "pid"
    r = tong("exec", "-d", "--pid-file", pf, c, "sleep", "20")
    assert r.rc == 0, r
    epid = int(pf.read_text())
    time.sleep(0.3)  # a parent-death signal would have landed by now
    assert pid_alive(epid)
    assert os.readlink(f"/proc/{epid}/ns/mnt") == os.readlink(f"/proc/{pid}/ns/mnt")
    with open(f"/proc/{epid}/cgroup") as f1, open(f"/proc/{pid}/cgroup") as f2:
        assert f1.read() == f2.read()


def test_exec_missing_binary(tong, running):
    c, _ = running
    r = tong("exec", c, "no-such")
    assert r.rc != 0 and "executable file not found" in r.err


def test_exec_into_stopped_or_missing(tong, bundle):
    bundle.set_args("true")
    c = cid()
    assert tong("create", "--bundle", bundle.path, c).rc == 0
    assert tong("start", c).rc == 0
    assert wait_for(lambda: tong.state(c)["status"] == "stopped")
    r = tong("exec", c, "true")
    assert r.rc != 0 and "stopped" in r.err
    r = tong("exec", "nosuch", "true")
    assert r.rc != 0 and "does not exist" in r.err
    assert tong("delete", c).rc == 0


def test_exec_unsupported_lsm_options(tong, running):
    c, _ = running
    for opt in (["--apparmor", "p"], ["--process-label", "l"]):
        r = tong("exec", *opt, c, "true")
        assert r.rc != 0 and opt[0] in r.err


def test_exec_tty_console_socket(tong, running, tmp_path):
    c, _ = running
    sock = str(tmp_path / "c.sock")
    rx = ConsoleReceiver(sock)
    r = tong("exec", "-t", "-d", "--console-socket", sock, c, "sh", "-c", "tty; sleep 1")
    assert r.rc == 0, r
    fd = rx.wait()
    assert fd is not None
    out = read_until(fd, b"/dev/pts/")
    os.close(fd)
    assert b"/dev/pts/" in out


def test_exec_tty_foreground(tong, running):
    import pty
    c, _ = running
    master, slave = pty.openpty()
    p = subprocess.Popen(tong.argv("exec", "-t", c, "sh", "-c", "tty; exit 4"),
                         stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    out = read_until(master, b"/dev/pts/")
    assert b"/dev/pts/" in out
    assert p.wait(timeout=20) == 4
    os.close(master)


def test_exec_with_seccomp_from_config(tong, bundle):
    bundle.config["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO",
                      "errnoRet": 1}]}
    bundle.set_args("sleep", "60")
    c = cid()
    assert tong("run", "-d", "--bundle", bundle.path, c).rc == 0
    r = tong("exec", c, "mkdir", "/tmp/x")
    assert r.rc != 0 and "Operation not permitted" in r.err, r
    assert tong("delete", "-f", c).rc == 0

# SPDX-License-Identifier: Apache-2.0
"""containerd 1.6 drives tong: `ctr run --runc-binary /abs/tong` through containerd-shim-runc-v2.

The test starts its own containerd (root, state, sockets in a temp dir, no CRI plugin), uses a
namespace of its own (so cgroups land in /<namespace>/<id>) and a runc root of its own (so
tong's state is private).  The shim calls tong with `--root --log FILE --log-format json`
and reports the last error line of that log: the error tests check it reaches the user.
Teardown kills and deletes every task and container, stops containerd and its shims, and
removes cgroups, mounts and directories, even when tests fail.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid

import pytest

from conftest import REPO, TONG

sys.path.insert(0, os.path.join(REPO, "tests", "engines"))
import enginelib as E  # noqa: E402

pytestmark = pytest.mark.slow

# The engine sets the window size after the task starts: poll for it a little.
TTY_SCRIPT = ("tty; for i in $(seq 30); do s=$(stty size 2>/dev/null); "
              "[ \"$s\" = '33 101' ] && break; sleep 0.1; done; echo $s; exit 4")

CONFIG = """\
version = 2
root = "{d}/root"
state = "{d}/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = "{d}/c.sock"

[ttrpc]
  address = "{d}/c.sock.ttrpc"

[debug]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "{d}/opt"
"""

# The shim's sockets and ctr's default FIFO dir live under /run/containerd whatever the
# daemon's state dir is.
HOST_PATHS = ["/run/containerd", "/run/containerd/s", "/run/containerd/fifo",
              "/run/containerd/runc"]


class Containerd:
    def __init__(self, reaper, tmp, ns):
        self.reaper = reaper
        self.tmp = tmp
        self.ns = ns
        self.address = os.path.join(tmp, "c.sock")
        self.runc_root = os.path.join(tmp, "runc")
        self.daemon = None

    def ctr(self, *args, **kw):
        return E.run(self.reaper, ["ctr", "--address", self.address, "--namespace", self.ns,
                                   *args], **kw)

    def run_args(self, *args):
        return ["run", "--runc-binary", TONG, "--runc-root", self.runc_root, "--fifo-dir",
                os.path.join(self.tmp, "fifo"), *args]

    def run(self, *args, **kw):
        return self.ctr(*self.run_args(*args), **kw)

    def start(self):
        conf = os.path.join(self.tmp, "config.toml")
        with open(conf, "w") as f:
            f.write(CONFIG.format(d=self.tmp))
        self.log = open(os.path.join(self.tmp, "containerd.log"), "wb")
        self.daemon = self.reaper.popen(["containerd", "--config", conf], stdout=self.log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        ok = E.wait_for(lambda: self.daemon.poll() is not None
                        or self.ctr("version", timeout=10).rc == 0, timeout=30)
        if not ok or self.daemon.poll() is not None:
            raise RuntimeError(f"containerd did not start; see {self.log.name}")

    def tasks(self):
        r = self.ctr("task", "ls")
        return {line.split()[0]: line.split()[1:] for line in r.out.splitlines()[1:]}

    def task_pid(self, cid):
        return int(self.tasks()[cid][0])

    def task_status(self, cid):
        return self.tasks().get(cid, [None, None])[1]

    def tong_state(self, cid):
        return os.path.join(self.runc_root, self.ns, cid)

    def cleanup(self):
        if self.daemon and self.daemon.poll() is None:
            for cid in self.tasks():
                self.ctr("task", "kill", "-s", "SIGKILL", cid)
                self.ctr("task", "delete", "--force", cid, timeout=30)
            r = self.ctr("container", "ls", "-q")
            for cid in r.out.split():
                self.ctr("container", "delete", cid, timeout=30)
            self.daemon.send_signal(signal.SIGTERM)
            try:
                self.daemon.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()
        if self.daemon:
            self.reaper.forget(self.daemon)
            self.log.close()


@pytest.fixture(scope="module")
def cd():
    E.require("containerd", "ctr", "containerd-shim-runc-v2", TONG)
    tmp = tempfile.mkdtemp(prefix="tong-ctrd-", dir="/tmp")
    ns = f"tong-{uuid.uuid4().hex[:8]}"
    host_paths = E.HostPaths(HOST_PATHS)
    reaper = E.Reaper()
    reaper.start()
    c = Containerd(reaper, tmp, ns)
    try:
        c.start()
        _, image_tar = E.image(tmp)
        c.ctr("image", "import", image_tar, check=True, timeout=120)
        yield c
    finally:
        c.cleanup()
        reaper.kill_orphans()
        E.unmount_below(tmp)
        leaked = E.remove_cgroup_tree(f"/{ns}")
        reaper.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        host_paths.cleanup()
        assert not leaked, f"processes left in the test's cgroups: {leaked}"


def cid(prefix="t"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_run_echo(cd):
    r = cd.run("--rm", E.IMAGE, cid(), "echo", "hi")
    assert r.rc == 0 and r.out == "hi\n", r


def test_exit_code(cd):
    r = cd.run("--rm", E.IMAGE, cid(), "sh", "-c", "exit 3")
    assert r.rc == 3, r


def test_run_rm_is_clean(cd):
    """The shim's cleanup calls `delete --force` on a container already deleted: runc and
    crun answer 0, so containerd logs no "failed to remove runc container"."""
    c = cid("r")
    r = cd.run("--rm", E.IMAGE, c, "true")
    assert r.rc == 0, r
    cd.log.flush()
    with open(cd.log.name, errors="replace") as f:
        bad = [line for line in f if c in line and "failed to remove" in line]
    assert not bad, bad


def test_env_cwd_readonly(cd):
    r = cd.run("--rm", "--env", "FOO=bar", "--cwd", "/tmp", "--read-only", E.IMAGE, cid(),
               "sh", "-c", "echo $FOO; pwd; touch /x 2>/dev/null || echo ro")
    assert r.rc == 0 and r.out.split() == ["bar", "/tmp", "ro"], r


def test_detached_kill_delete(cd):
    c = cid("d")
    r = cd.run("-d", E.IMAGE, c, "sleep", "600")
    assert r.rc == 0, r
    assert cd.task_status(c) == "RUNNING"
    st = json.loads(E.run(cd.reaper, [TONG, "--root", os.path.join(cd.runc_root, cd.ns),
                                      "state", c], check=True).out)
    assert st["status"] == "running" and st["pid"] == cd.task_pid(c), st

    assert cd.ctr("task", "kill", "-s", "SIGKILL", c).rc == 0
    assert E.wait_for(lambda: cd.task_status(c) == "STOPPED"), cd.tasks()
    r = cd.ctr("task", "delete", c)
    assert r.rc == 0, r
    assert c not in cd.tasks()
    assert cd.ctr("container", "delete", c).rc == 0
    assert not os.path.exists(cd.tong_state(c)), "tong state left behind"
    assert not [d for d in E.cgroup_dirs(f"/{cd.ns}") if d.endswith("/" + c)], \
        "container cgroups left behind"


def test_limits_reach_host_cgroup(cd):
    c = cid("l")
    r = cd.run("-d", "--memory-limit", str(64 << 20), "--cpus", "0.5", E.IMAGE, c,
               "sleep", "600")
    assert r.rc == 0, r
    try:
        pid = cd.task_pid(c)
        assert E.host_cgroup_dir(pid, "memory").endswith(f"/{cd.ns}/{c}")
        assert E.host_cgroup_value(pid, "memory", "memory.limit_in_bytes",
                                   "memory.max") == str(64 << 20)
        quota = E.host_cgroup_value(pid, "cpu", "cpu.cfs_quota_us", "cpu.max")
        assert quota.split()[0] == "50000", quota
    finally:
        cd.ctr("task", "kill", "-s", "SIGKILL", c)
        cd.ctr("task", "delete", "--force", c)
        cd.ctr("container", "delete", c)


def test_tty(cd):
    rc, out = E.run_pty(cd.reaper, ["ctr", "--address", cd.address, "--namespace", cd.ns,
                                    *cd.run_args("--rm", "-t", E.IMAGE, cid(), "sh", "-c",
                                                 TTY_SCRIPT)],
                        rows=33, cols=101)
    assert rc == 4, out
    assert "/dev/pts/" in out and "33 101" in out, out


@pytest.mark.xfail(not E.tong_has("exec"), reason="tong has no exec", strict=False)
def test_exec(cd):
    c = cid("e")
    assert cd.run("-d", E.IMAGE, c, "sleep", "600").rc == 0
    try:
        r = cd.ctr("task", "exec", "--exec-id", "x1", c, "sh", "-c", "echo in-exec; exit 5")
        assert r.rc == 5 and r.out == "in-exec\n", r
        # A process that outlives `tong exec --detach` (it waits for its stdin).
        r = cd.ctr("task", "exec", "--exec-id", "x2", c, "sh", "-c",
                   "sleep 0.5; read x; echo got $x", input="abc\n")
        assert r.rc == 0 and r.out == "got abc\n", r
    finally:
        cd.ctr("task", "kill", "-s", "SIGKILL", c)
        cd.ctr("task", "delete", "--force", c)
        cd.ctr("container", "delete", c)


@pytest.mark.xfail(not (E.tong_has("pause") and E.tong_has("ps")),
                   reason="tong has no pause/ps", strict=False)
def test_pause_resume_ps(cd):
    c = cid("p")
    assert cd.run("-d", E.IMAGE, c, "sleep", "600").rc == 0
    try:
        pid = cd.task_pid(c)
        r = cd.ctr("task", "ps", c)
        assert r.rc == 0 and str(pid) in r.out.split(), r
        assert cd.ctr("task", "pause", c).rc == 0
        assert cd.task_status(c) == "PAUSED"
        assert E.host_cgroup_value(pid, "freezer", "freezer.state",
                                   "cgroup.freeze") in ("FROZEN", "1")
        assert cd.ctr("task", "resume", c).rc == 0
        assert cd.task_status(c) == "RUNNING"
    finally:
        cd.ctr("task", "kill", "-s", "SIGKILL", c)
        cd.ctr("task", "delete", "--force", c)
        cd.ctr("container", "delete", c)


def test_privileged(cd):
    r = cd.run("--rm", "--privileged", E.IMAGE, cid(), "sh", "-c",
               "test -c /dev/null && grep CapEff /proc/self/status")
    assert r.rc == 0, r


def test_missing_executable_fails_create(cd):
    """runc fails `create` ("OCI runtime create failed: ... no such file or directory"),
    which is what engines map to "command not found"; tong fails only at `start`."""
    r = cd.run("--rm", E.IMAGE, cid(), "/nonexistent")
    assert r.rc != 0
    assert "OCI runtime create failed" in r.err and "/nonexistent" in r.err, r


def test_create_error_reaches_user_through_json_log(cd):
    """The shim shows the last error of tong's --log (json): it must name the cause."""
    missing = os.path.join(cd.tmp, "no-such-netns")
    r = cd.run("--rm", "--with-ns", f"network:{missing}", E.IMAGE, cid(), "true")
    assert r.rc != 0
    assert "OCI runtime create failed" in r.err and missing in r.err, r


def test_create_error_names_memory_limit(cd):
    """A memory limit below what the init needs: runc says "unable to set memory limit to 1
    (current usage: ...)"; tong's error must point at the memory limit too."""
    r = cd.run("--rm", "--memory-limit", "1", E.IMAGE, cid(), "true")
    assert r.rc != 0
    assert "memory" in r.err, r


def test_no_leftovers(cd):
    assert not cd.tasks()
    state = os.path.join(cd.runc_root, cd.ns)
    assert not os.path.isdir(state) or not os.listdir(state), os.listdir(state)
    assert [d for d in E.cgroup_dirs(f"/{cd.ns}")
            if os.path.dirname(d).endswith(cd.ns)] == []

# SPDX-License-Identifier: Apache-2.0
"""Docker 20.10 drives tong: a private dockerd with `--add-runtime tong=/abs/tong`, then
`docker run --runtime tong ...` through dockerd's own containerd and containerd-shim-runc-v2.

docker.io is not installed on the host (its package would start a host-wide dockerd and
change the firewall): tests/engines/setup unpacks it into $TONG_ENGINES_DIR/docker.  The
daemon here gets its own data root, exec root, pidfile, socket and cgroup parent, no bridge,
no iptables/forwarding/masquerading changes.  Teardown removes the containers, stops dockerd
(and so its containerd), kills leftover shims, unmounts and deletes everything it made,
even when tests fail.
"""
import glob
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

DOCKER_DIR = os.path.join(E.ENGINES_DIR, "docker")
DOCKERD = os.path.join(DOCKER_DIR, "usr", "sbin", "dockerd")
DOCKER = os.path.join(DOCKER_DIR, "usr", "bin", "docker")
# The package's docker-init is a relative link to tini-static, which the tini package
# installs in /usr/bin (not in the unpacked tree).
DOCKER_INIT = "/usr/bin/tini-static"

# The engine sets the window size after the task starts: poll for it a little.
TTY_SCRIPT = ("tty; for i in $(seq 30); do s=$(stty size 2>/dev/null); "
              "[ \"$s\" = '33 101' ] && break; sleep 0.1; done; echo $s; exit 4")

# dockerd 20.10 writes /etc/docker/key.json whatever its roots are, and makes
# /run/docker/plugins.
HOST_PATHS = ["/etc/docker", "/etc/docker/key.json", "/run/docker", "/run/docker/plugins"]


class Docker:
    def __init__(self, reaper, tmp, tag):
        self.reaper = reaper
        self.tmp = tmp
        self.sock = os.path.join(tmp, "d.sock")
        self.cgroup_parent = f"/tong-docker-{tag}"
        bindirs = [os.path.join(DOCKER_DIR, "usr", "bin"), os.path.join(DOCKER_DIR, "usr", "sbin")]
        self.env = dict(os.environ, DOCKER_CONFIG=os.path.join(tmp, "client"),
                        PATH=":".join(bindirs + [os.environ.get("PATH", "/usr/bin:/bin")]))
        self.daemon = None

    def argv(self, *args):
        return [DOCKER, "--host", f"unix://{self.sock}", *args]

    def __call__(self, *args, **kw):
        return E.run(self.reaper, self.argv(*args), env=self.env, **kw)

    def run_args(self, *args):
        return ["run", "--runtime", "tong", "--network", "none", *args]

    def run(self, *args, **kw):
        return self(*self.run_args(*args), **kw)

    def start_detached(self, *args):
        r = self.run("-d", *args, check=True)
        return r.out.strip().splitlines()[-1]

    def inspect(self, cid, fmt):
        return self("inspect", "--format", fmt, cid, check=True).out.strip()

    def pid(self, cid):
        return int(self.inspect(cid, "{{.State.Pid}}"))

    def start(self):
        with open(os.path.join(self.tmp, "daemon.json"), "w") as f:
            f.write("{}\n")
        self.log = open(os.path.join(self.tmp, "dockerd.log"), "wb")
        t = self.tmp
        self.daemon = self.reaper.popen([
            DOCKERD, "--host", f"unix://{self.sock}", "--data-root", f"{t}/data",
            "--exec-root", f"{t}/exec", "--pidfile", f"{t}/docker.pid",
            "--config-file", f"{t}/daemon.json", "--iptables=false", "--ip6tables=false",
            "--ip-forward=false", "--ip-masq=false", "--bridge=none", "--userland-proxy=false",
            "--storage-driver", "overlay2", "--cgroup-parent", self.cgroup_parent,
            "--init-path", DOCKER_INIT, "--add-runtime", f"tong={TONG}",
            "--log-level", "warn"], stdout=self.log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, env=self.env)
        ok = E.wait_for(lambda: self.daemon.poll() is not None
                        or self("version", timeout=10).rc == 0, timeout=60, interval=0.2)
        if not ok or self.daemon.poll() is not None:
            raise RuntimeError(f"dockerd did not start; see {self.log.name}")

    def cleanup(self):
        if self.daemon and self.daemon.poll() is None:
            ids = self("ps", "-aq").out.split()
            if ids:
                self("rm", "-f", *ids, timeout=120)
            self.daemon.send_signal(signal.SIGTERM)
            try:
                self.daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()
        if self.daemon:
            self.reaper.forget(self.daemon)
            self.log.close()


@pytest.fixture(scope="module")
def docker():
    E.require(DOCKERD, DOCKER, DOCKER_INIT, "containerd", "containerd-shim-runc-v2", TONG)
    tmp = tempfile.mkdtemp(prefix="tong-dk-", dir="/tmp")
    host_paths = E.HostPaths(HOST_PATHS)
    reaper = E.Reaper()
    reaper.start()
    d = Docker(reaper, tmp, uuid.uuid4().hex[:8])
    try:
        d.start()
        _, image_tar = E.image(tmp)
        d("load", "-i", image_tar, check=True, timeout=120)
        yield d
    finally:
        d.cleanup()
        reaper.kill_orphans()
        E.unmount_below(tmp)
        leaked = E.remove_cgroup_tree(d.cgroup_parent)
        reaper.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        host_paths.cleanup()
        assert not leaked, f"processes left in the test's cgroups: {leaked}"


def test_run_echo(docker):
    r = docker.run("--rm", E.IMAGE, "echo", "hi")
    assert r.rc == 0 and r.out == "hi\n", r


def test_exit_code(docker):
    r = docker.run("--rm", E.IMAGE, "sh", "-c", "exit 3")
    assert r.rc == 3, r


def test_stdin(docker):
    r = docker.run("--rm", "-i", E.IMAGE, "sh", "-c", "read x; echo got $x", input="abc\n")
    assert r.rc == 0 and r.out == "got abc\n", r


def test_detached_ps_logs_stop_rm(docker):
    cid = docker.start_detached(E.IMAGE, "sh", "-c", "echo started; trap 'echo bye; exit 0' "
                                "TERM; while :; do sleep 0.1; done")
    ps = docker("ps", "--no-trunc", "--format", "{{.ID}} {{.Status}}", check=True)
    assert any(line.startswith(cid) and "Up" in line for line in ps.out.splitlines()), ps
    assert E.wait_for(lambda: "started" in docker("logs", cid).out), docker("logs", cid)
    r = docker("stop", "-t", "10", cid, timeout=30)
    assert r.rc == 0, r
    assert docker.inspect(cid, "{{.State.Status}} {{.State.ExitCode}}") == "exited 0"
    assert "bye" in docker("logs", cid).out
    assert docker("rm", cid).rc == 0
    assert cid not in docker("ps", "-aq", "--no-trunc").out


def test_restart(docker):
    cid = docker.start_detached(E.IMAGE, "sleep", "600")
    pid1 = docker.pid(cid)
    assert docker("restart", "-t", "0", cid, timeout=30).rc == 0
    assert docker.inspect(cid, "{{.State.Status}}") == "running"
    assert docker.pid(cid) != pid1
    assert docker("rm", "-f", cid).rc == 0


def test_tty_interactive_from_pty(docker):
    rc, out = E.run_pty(docker.reaper,
                        docker.argv(*docker.run_args("--rm", "-it", E.IMAGE, "sh", "-c",
                                                     TTY_SCRIPT)),
                        env=docker.env, rows=33, cols=101)
    assert rc == 4, out
    assert "/dev/pts/" in out and "33 101" in out, out


def test_limits_reach_host_cgroup(docker):
    cid = docker.start_detached("--memory", "64m", "--pids-limit", "77", "--cpus", "0.5",
                                E.IMAGE, "sleep", "600")
    try:
        pid = docker.pid(cid)
        assert E.host_cgroup_dir(pid, "memory").endswith(f"{docker.cgroup_parent}/{cid}")
        assert E.host_cgroup_value(pid, "memory", "memory.limit_in_bytes",
                                   "memory.max") == str(64 << 20)
        assert E.host_cgroup_value(pid, "pids", "pids.max", "pids.max") == "77"
        quota = E.host_cgroup_value(pid, "cpu", "cpu.cfs_quota_us", "cpu.max")
        assert quota.split()[0] == "50000", quota
    finally:
        docker("rm", "-f", cid)
    assert not [d for d in E.cgroup_dirs(docker.cgroup_parent) if d.endswith(cid)]


@pytest.mark.xfail(not E.tong_has("update"), reason="tong has no update", strict=False)
def test_update(docker):
    cid = docker.start_detached("--memory", "64m", E.IMAGE, "sleep", "600")
    try:
        r = docker("update", "--memory", "128m", "--memory-swap", "256m", "--pids-limit", "99",
                   cid)
        assert r.rc == 0, r
        pid = docker.pid(cid)
        assert E.host_cgroup_value(pid, "memory", "memory.limit_in_bytes",
                                   "memory.max") == str(128 << 20)
        assert E.host_cgroup_value(pid, "pids", "pids.max", "pids.max") == "99"
    finally:
        docker("rm", "-f", cid)


@pytest.mark.xfail(not E.tong_has("exec"), reason="tong has no exec", strict=False)
def test_exec(docker):
    cid = docker.start_detached(E.IMAGE, "sleep", "600")
    try:
        r = docker("exec", cid, "sh", "-c", "echo in-exec; exit 5")
        assert r.rc == 5 and r.out == "in-exec\n", r
        r = docker("exec", "-u", "65534", "-w", "/tmp", "-e", "X=1", cid, "sh", "-c",
                   "id -u; pwd; echo $X")
        assert r.rc == 0 and r.out.split() == ["65534", "/tmp", "1"], r
        # A process that outlives `tong exec --detach` (it waits for its stdin).
        r = docker("exec", "-i", cid, "sh", "-c", "sleep 0.5; read x; echo got $x",
                   input="abc\n")
        assert r.rc == 0 and r.out == "got abc\n", r
    finally:
        docker("rm", "-f", cid)


@pytest.mark.xfail(not (E.tong_has("pause") and E.tong_has("ps")),
                   reason="tong has no pause/ps", strict=False)
def test_pause_unpause_top(docker):
    cid = docker.start_detached(E.IMAGE, "sleep", "600")
    try:
        pid = docker.pid(cid)
        r = docker("top", cid)
        assert r.rc == 0 and "sleep 600" in r.out, r
        assert docker("pause", cid).rc == 0
        assert docker.inspect(cid, "{{.State.Status}}") == "paused"
        assert E.host_cgroup_value(pid, "freezer", "freezer.state",
                                   "cgroup.freeze") in ("FROZEN", "1")
        assert docker("unpause", cid).rc == 0
        assert docker.inspect(cid, "{{.State.Status}}") == "running"
    finally:
        docker("rm", "-f", cid)


def test_missing_executable_is_127(docker):
    """runc fails `create`, which docker maps to 127; tong fails at `start` (125)."""
    r = docker.run("--rm", E.IMAGE, "/nonexistent")
    assert r.rc == 127, r


def test_init(docker):
    r = docker.run("--rm", "--init", E.IMAGE, "cat", "/proc/1/cmdline")
    assert r.rc == 0 and r.out.split("\0")[0] == "/sbin/docker-init", r


def test_privileged_output_is_the_containers_only(docker):
    """--privileged asks for capabilities the host's bounding set lacks; tong may warn in
    its --log, but nothing of tong's may appear in the container's own stderr."""
    r = docker.run("--rm", "--privileged", E.IMAGE, "sh", "-c", "test -c /dev/null && echo ok")
    assert r.rc == 0 and r.out == "ok\n", r
    assert r.err == "", r


def test_user_readonly_tmpfs_volume(docker):
    vol = os.path.join(docker.tmp, "vol")
    os.makedirs(vol, exist_ok=True)
    r = docker.run("--rm", "--user", "65534:65534", "--read-only", "--tmpfs", "/scratch",
                   "-v", f"{vol}:/vol", E.IMAGE, "sh", "-c",
                   "id -u; touch /x 2>/dev/null || echo ro; touch /scratch/y && echo tmpfs; "
                   "touch /vol/z 2>/dev/null || echo vol-denied")
    assert r.rc == 0, r
    assert r.out.split() == ["65534", "ro", "tmpfs", "vol-denied"], r


def test_no_leftovers(docker):
    ids = docker("ps", "-aq").out.split()
    if ids:
        docker("rm", "-f", *ids, timeout=120)

    # dockerd 20.10 gives every runc-like runtime the root <exec-root>/runtime-runc/moby.
    def states():
        return [os.path.join(root, c)
                for root in glob.glob(os.path.join(docker.tmp, "exec", "runtime-*", "moby"))
                for c in os.listdir(root)]

    def cgroups():
        return [d for d in E.cgroup_dirs(docker.cgroup_parent)
                if os.path.dirname(d).endswith(docker.cgroup_parent)]

    E.wait_for(lambda: not states() and not cgroups(), timeout=5)
    assert not states(), states()
    assert not cgroups(), cgroups()

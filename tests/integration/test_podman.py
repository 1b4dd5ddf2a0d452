# SPDX-License-Identifier: Apache-2.0
"""podman 4.3 drives tong: `podman --runtime /abs/tong ...` through conmon.

Everything podman keeps is private to this module: containers.conf (cgroupfs, file events
and locks, nofile/nproc within the host's hard limits, no network by default),
storage.conf (graphroot/runroot in a temp dir), a network config dir and name of its own,
and a cgroup parent of its own for every container and pod.  The busybox image is
`podman import`ed from tests/engines/mkimage.py's rootfs tarball.  Teardown removes the
containers, pods, storage, cgroups and orphaned conmons even when tests fail.
"""
import json
import os
import shutil
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

CONTAINERS_CONF = """\
[containers]
netns = "none"
log_driver = "k8s-file"
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[engine]
# podman passes --log FILE --log-format=json only to runtimes it knows take them.
runtime_supports_json = ["crun", "runc", "tong"]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "{d}/events.log"
lock_type = "file"
tmp_dir = "{d}/tmp"
volume_path = "{d}/volumes"

[network]
network_backend = "netavark"
network_config_dir = "{d}/networks"
default_network = "{net}"
"""

STORAGE_CONF = """\
[storage]
driver = "overlay"
graphroot = "{d}/graph"
runroot = "{d}/run"
"""

# Created by podman outside the directories configured above.
HOST_PATHS = ["/run/containers", "/run/containers/networks", "/var/lib/containers",
              "/var/lib/containers/cache",
              "/var/lib/containers/cache/blob-info-cache-v1.boltdb"]


class Podman:
    def __init__(self, reaper, tmp, tag):
        self.reaper = reaper
        self.tmp = tmp
        self.cgroup_parent = f"/tong-podman-{tag}"
        self.env = dict(os.environ, CONTAINERS_CONF=os.path.join(tmp, "containers.conf"),
                        CONTAINERS_STORAGE_CONF=os.path.join(tmp, "storage.conf"))
        self.ids = set()

    def argv(self, *args):
        return ["podman", "--runtime", TONG, *args]

    def __call__(self, *args, **kw):
        return E.run(self.reaper, self.argv(*args), env=self.env, **kw)

    def run(self, *args, **kw):
        """`podman run` in our cgroup parent."""
        return self("run", "--cgroup-parent", self.cgroup_parent, *args, **kw)

    def start_detached(self, *args):
        r = self.run("-d", *args, check=True)
        cid = r.out.strip().splitlines()[-1]
        self.ids.add(cid)
        return cid

    def inspect(self, cid):
        return json.loads(self("inspect", cid, check=True).out)[0]

    def pid(self, cid):
        return self.inspect(cid)["State"]["Pid"]


@pytest.fixture(scope="module")
def podman(tmp_path_factory):
    E.require("podman", "conmon", TONG)
    tmp = tempfile.mkdtemp(prefix="tong-podman-", dir="/tmp")
    tag = uuid.uuid4().hex[:8]
    host_paths = E.HostPaths(HOST_PATHS)
    reaper = E.Reaper()
    reaper.start()
    p = Podman(reaper, tmp, tag)
    try:
        with open(os.path.join(tmp, "containers.conf"), "w") as f:
            f.write(CONTAINERS_CONF.format(d=tmp, net=f"tong{tag}"))
        with open(os.path.join(tmp, "storage.conf"), "w") as f:
            f.write(STORAGE_CONF.format(d=tmp))
        rootfs, _ = E.image(tmp)
        p("import", rootfs, E.IMAGE, check=True)
        yield p
    finally:
        p("pod", "rm", "-af", "-t", "0", timeout=120)
        p("rm", "-af", "-t", "0", timeout=120)
        p("system", "reset", "-f", timeout=120)
        reaper.kill_orphans()
        E.unmount_below(tmp)
        leaked = E.remove_cgroup_tree(p.cgroup_parent)
        reaper.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        host_paths.cleanup()
        for cid in p.ids:
            shutil.rmtree(os.path.join("/run/tong", cid), ignore_errors=True)
        assert not leaked, f"processes left in the test's cgroups: {leaked}"


def test_run_echo(podman):
    r = podman.run("--rm", E.IMAGE, "echo", "hi")
    assert r.rc == 0, r
    assert r.out == "hi\n", r


def test_exit_code(podman):
    r = podman.run("--rm", E.IMAGE, "sh", "-c", "exit 3")
    assert r.rc == 3, r


def test_stdin(podman):
    r = podman.run("--rm", "-i", E.IMAGE, "sh", "-c", "read x; echo got $x", input="abc\n")
    assert r.rc == 0 and r.out == "got abc\n", r


def test_missing_executable_is_127(podman):
    """runc fails `create` on a missing executable, podman maps that to 127 like a shell.
    tong reports it only at `start`, which podman maps to 126."""
    r = podman.run("--rm", E.IMAGE, "/nonexistent")
    assert r.rc == 127, r
    assert "/nonexistent" in r.err, r


def test_detached_ps_logs_stop_rm(podman):
    cid = podman.start_detached(E.IMAGE, "sh", "-c",
                                "echo started; trap 'echo bye; exit 0' TERM; "
                                "while :; do sleep 0.1; done")
    ps = podman("ps", "--no-trunc", "--format", "{{.ID}} {{.Status}}", check=True)
    assert any(line.startswith(cid) and "Up" in line for line in ps.out.splitlines()), ps
    assert E.wait_for(lambda: "started" in podman("logs", cid).out), podman("logs", cid)
    state = E.run(podman.reaper, [TONG, "state", cid], check=True)
    assert json.loads(state.out)["status"] == "running", state

    r = podman("stop", "-t", "10", cid, timeout=30)
    assert r.rc == 0, r
    st = podman.inspect(cid)["State"]
    assert st["Status"] == "exited" and st["ExitCode"] == 0, st
    assert "bye" in podman("logs", cid).out

    assert podman("rm", cid).rc == 0
    ps = podman("ps", "-a", "--no-trunc", "--format", "{{.ID}}", check=True)
    assert cid not in ps.out
    assert not os.path.exists(os.path.join("/run/tong", cid)), "tong state left behind"


def test_kill_and_wait(podman):
    cid = podman.start_detached(E.IMAGE, "sh", "-c",
                                "trap 'exit 9' USR1; while :; do sleep 0.1; done")
    assert podman("kill", "-s", "USR1", cid).rc == 0
    r = podman("wait", cid, timeout=30)
    assert r.rc == 0 and r.out.strip() == "9", r
    assert podman("rm", cid).rc == 0


def test_tty(podman):
    r = podman.run("--rm", "-t", E.IMAGE, "tty")
    assert r.rc == 0, r
    assert r.out.strip().startswith("/dev/pts/"), r


def test_tty_interactive_from_pty(podman):
    """-it from a real terminal: the container gets a pty with the caller's window size."""
    rc, out = E.run_pty(podman.reaper,
                        podman.argv("run", "--cgroup-parent", podman.cgroup_parent, "--rm",
                                    "-it", E.IMAGE, "sh", "-c", TTY_SCRIPT),
                        env=podman.env, rows=33, cols=101)
    assert rc == 4, out
    assert "/dev/pts/" in out, out
    assert "33 101" in out, out


def test_limits_reach_host_cgroup(podman):
    cid = podman.start_detached("--memory", "64m", "--pids-limit", "77", "--cpus", "0.5",
                                E.IMAGE, "sleep", "600")
    pid = podman.pid(cid)
    assert E.host_cgroup_value(pid, "memory", "memory.limit_in_bytes",
                               "memory.max") == str(64 << 20)
    assert E.host_cgroup_value(pid, "pids", "pids.max", "pids.max") == "77"
    quota = E.host_cgroup_value(pid, "cpu", "cpu.cfs_quota_us", "cpu.max")
    assert quota.split()[0] == "50000", quota
    assert podman.cgroup_parent in E.host_cgroup_dir(pid, "memory")
    assert podman("rm", "-f", "-t", "0", cid).rc == 0
    assert not [d for d in E.cgroup_dirs(podman.cgroup_parent) if cid in d], \
        "container cgroups left behind"


@pytest.mark.xfail(not E.tong_has("exec"), reason="tong has no exec", strict=False)
def test_exec(podman):
    cid = podman.start_detached(E.IMAGE, "sleep", "600")
    r = podman("exec", cid, "sh", "-c", "echo in-exec; exit 5")
    assert r.rc == 5 and r.out == "in-exec\n", r
    r = podman("exec", "-u", "65534", "-w", "/tmp", "-e", "X=1", cid, "sh", "-c",
               "id -u; pwd; echo $X")
    assert r.rc == 0 and r.out.split() == ["65534", "/tmp", "1"], r
    r = podman("exec", "-i", cid, "cat", input="piped\n")
    assert r.rc == 0 and r.out == "piped\n", r
    r = podman("exec", "-t", cid, "tty")
    assert r.rc == 0 and r.out.strip().startswith("/dev/pts/"), r
    assert podman("rm", "-f", "-t", "0", cid).rc == 0


@pytest.mark.xfail(not E.tong_has("pause"), reason="tong has no pause", strict=False)
def test_pause_unpause(podman):
    cid = podman.start_detached(E.IMAGE, "sleep", "600")
    assert podman("pause", cid).rc == 0
    assert podman.inspect(cid)["State"]["Status"] == "paused"
    freezer = E.host_cgroup_value(podman.pid(cid), "freezer", "freezer.state", "cgroup.freeze")
    assert freezer in ("FROZEN", "1"), freezer
    assert podman("unpause", cid).rc == 0
    assert podman.inspect(cid)["State"]["Status"] == "running"
    assert podman("rm", "-f", "-t", "0", cid).rc == 0


@pytest.mark.xfail(not E.tong_has("update"), reason="tong has no update", strict=False)
def test_update(podman):
    cid = podman.start_detached("--memory", "64m", E.IMAGE, "sleep", "600")
    r = podman("update", "--memory", "100m", cid)
    assert r.rc == 0, r
    assert E.host_cgroup_value(podman.pid(cid), "memory", "memory.limit_in_bytes",
                               "memory.max") == str(100 << 20)
    assert podman("rm", "-f", "-t", "0", cid).rc == 0


def test_join_another_containers_namespaces(podman):
    """--pid/--ipc/--network container:X: tong joins X's namespaces by /proc/PID/ns path."""
    first = podman.start_detached(E.IMAGE, "sleep", "600")
    second = podman.start_detached("--pid", f"container:{first}", "--ipc",
                                   f"container:{first}", "--network", f"container:{first}",
                                   E.IMAGE, "sleep", "601")
    try:
        r = podman("exec", first, "ps", "-o", "args")
        assert r.rc == 0 and "sleep 601" in r.out, r
        for ns in ("pid", "ipc", "net"):
            a = os.readlink(f"/proc/{podman.pid(first)}/ns/{ns}")
            b = os.readlink(f"/proc/{podman.pid(second)}/ns/{ns}")
            assert a == b, (ns, a, b)
    finally:
        podman("rm", "-f", "-t", "0", second)
        podman("rm", "-f", "-t", "0", first)


def test_restart(podman):
    cid = podman.start_detached(E.IMAGE, "sleep", "600")
    pid1 = podman.pid(cid)
    assert podman("restart", "-t", "0", cid, timeout=30).rc == 0
    st = podman.inspect(cid)["State"]
    assert st["Status"] == "running" and st["Pid"] != pid1, st
    assert podman("rm", "-f", "-t", "0", cid).rc == 0


def test_privileged(podman):
    """podman passes every host device with fileMode = st_mode (type bits included);
    runc accepts that."""
    r = podman.run("--rm", "--privileged", E.IMAGE, "sh", "-c", "test -c /dev/null && "
                   "grep CapEff /proc/self/status")
    assert r.rc == 0, r


def test_device(podman):
    """--device: podman sets fileMode to the host node's st_mode (type bits included)."""
    r = podman.run("--rm", "--device", "/dev/null:/dev/mynull", E.IMAGE, "sh", "-c",
                   "test -c /dev/mynull && echo x > /dev/mynull && echo ok")
    assert r.rc == 0 and r.out == "ok\n", r


def test_hooks_dir(podman):
    """OCI hooks from --hooks-dir reach tong through config.json and run at their stage."""
    hooks = os.path.join(podman.tmp, "hooks.d")
    out = os.path.join(podman.tmp, "hooks.out")
    script = os.path.join(podman.tmp, "hook.sh")
    os.makedirs(hooks, exist_ok=True)
    with open(script, "w") as f:
        f.write(f"#!/bin/sh\nread state\necho \"$1 $state\" >> {out}\n")
    os.chmod(script, 0o755)
    stages = ["prestart", "createRuntime", "createContainer", "poststart"]
    for stage in stages:
        with open(os.path.join(hooks, f"{stage}.json"), "w") as f:
            json.dump({"version": "1.0.0", "hook": {"path": script, "args": ["hook", stage]},
                       "when": {"always": True}, "stages": [stage]}, f)
    r = podman("--hooks-dir", hooks, "run", "--cgroup-parent", podman.cgroup_parent, "--rm",
               E.IMAGE, "true")
    assert r.rc == 0, r
    with open(out) as f:
        seen = {line.split(" ", 1)[0]: json.loads(line.split(" ", 1)[1]) for line in f}
    assert sorted(seen) == sorted(stages), seen
    assert seen["createRuntime"]["status"] == "creating", seen
    assert seen["poststart"]["status"] == "running", seen


def test_user_workdir_env_readonly(podman):
    r = podman.run("--rm", "--user", "65534:65534", "-w", "/tmp", "-e", "FOO=bar",
                   "--read-only", E.IMAGE, "sh", "-c",
                   "id -u; id -g; pwd; echo $FOO; touch /x 2>/dev/null || echo ro")
    assert r.rc == 0, r
    assert r.out.split() == ["65534", "65534", "/tmp", "bar", "ro"], r


def test_bind_volume(podman):
    vol = os.path.join(podman.tmp, "vol")
    os.makedirs(vol, exist_ok=True)
    with open(os.path.join(vol, "f"), "w") as f:
        f.write("from-host\n")
    r = podman.run("--rm", "-v", f"{vol}:/vol", E.IMAGE, "sh", "-c",
                   "cat /vol/f; echo from-ctr > /vol/g")
    assert r.rc == 0 and r.out == "from-host\n", r
    with open(os.path.join(vol, "g")) as f:
        assert f.read() == "from-ctr\n"
    r = podman.run("--rm", "-v", f"{vol}:/vol:ro", E.IMAGE, "touch", "/vol/h")
    assert r.rc != 0 and "Read-only" in r.err, r


def test_init_process(podman):
    """--init bind-mounts catatonit as pid 1."""
    r = podman.run("--rm", "--init", E.IMAGE, "cat", "/proc/1/cmdline")
    assert r.rc == 0, r
    assert r.out.split("\0")[0] == "/run/podman-init", r


def test_caps(podman):
    r = podman.run("--rm", "--cap-drop", "ALL", "--cap-add", "NET_ADMIN", E.IMAGE,
                   "grep", "CapEff", "/proc/self/status")
    assert r.rc == 0 and r.out.split()[1] == "0000000000001000", r


def test_uidmap(podman):
    r = podman.run("--rm", "--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536",
                   E.IMAGE, "sh", "-c", "cat /proc/self/uid_map; id -u; stat -c %u /bin")
    assert r.rc == 0, r
    assert r.out.split() == ["0", "100000", "65536", "0", "0"], r


def test_pod_shares_namespaces(podman):
    """A pod's infra container (catatonit) holds uts/ipc; members join them by path."""
    pod = f"tongpod{uuid.uuid4().hex[:6]}"
    r = podman("pod", "create", "--name", pod, "--cgroup-parent", podman.cgroup_parent,
               "--share", "ipc,uts")
    assert r.rc == 0, r
    try:
        a = podman("run", "--rm", "--pod", pod, E.IMAGE, "sh", "-c",
                   "hostname; readlink /proc/self/ns/ipc")
        b = podman("run", "--rm", "--pod", pod, E.IMAGE, "readlink", "/proc/self/ns/ipc")
        assert a.rc == 0 and b.rc == 0, (a, b)
        host, ipc = a.out.split()
        assert host == pod, a
        assert b.out.strip() == ipc and ipc != os.readlink("/proc/self/ns/ipc"), (a, b)
    finally:
        podman("pod", "rm", "-f", "-t", "0", pod)


def test_joins_network_namespace_by_path(podman):
    """--network ns:PATH: tong joins a netns the test made (marked by an address on lo)."""
    ns = os.path.join(podman.tmp, "netns")
    open(ns, "w").close()
    try:
        E.run(podman.reaper, ["unshare", f"--net={ns}", "true"], check=True)
        E.run(podman.reaper, ["nsenter", f"--net={ns}", "ip", "addr", "add", "10.231.7.9/32",
                              "dev", "lo"], check=True)
        r = podman.run("--rm", "--network", f"ns:{ns}", E.IMAGE, "ip", "-4", "addr", "show",
                       "lo")
        assert r.rc == 0 and "10.231.7.9" in r.out, r
    finally:
        E.unmount_below(ns)


def test_no_leftovers(podman):
    """After the containers above are gone: no tong state, no container cgroups."""
    podman("rm", "-af", "-t", "0", timeout=120)
    for cid in podman.ids:
        assert not os.path.exists(os.path.join("/run/tong", cid)), cid
    leftover = [d for d in E.cgroup_dirs(podman.cgroup_parent)
                if os.path.basename(d).startswith("libpod-")]
    assert not leftover, leftover

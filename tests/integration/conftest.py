# SPDX-License-Identifier: Apache-2.0
"""Integration-test helpers: real `tong` binary, real busybox-static bundles, run as root.

Every test gets its own state root (--root) and bundle; `Tong` wraps the binary, `Bundle`
builds a busybox rootfs and a config.json (starting from `tong spec`), and `leftovers()`
lists what a container may have left on the host (state dir, cgroups, mounts, processes).
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TONG = os.environ.get("TONG", os.path.join(REPO, "build", "src", "cli", "tong"))
BUSYBOX = shutil.which("busybox") or "/bin/busybox"
MUST_RUN = os.environ.get("TONG_TESTS_MUST_RUN") == "1"


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


def require_root():
    if os.geteuid() != 0:
        if MUST_RUN:
            pytest.fail("integration tests must run as root (TONG_TESTS_MUST_RUN=1)")
        pytest.skip("needs root")


class Result:
    def __init__(self, cp, log=""):
        self.rc = cp.returncode
        self.out = cp.stdout
        self.err = cp.stderr
        self.log = log  # what this call added to the --log file (warnings go only there)

    def __repr__(self):
        return f"Result(rc={self.rc}, out={self.out!r}, err={self.err!r})"


class Tong:
    """The binary with a private state root."""

    def __init__(self, root, log=None):
        self.root = root
        self.log = log

    def argv(self, *args, log_format=None):
        a = [TONG, "--root", self.root]
        if self.log:
            a += ["--log", self.log]
        if log_format:
            a += ["--log-format", log_format]
        return a + [str(x) for x in args]

    def _log_size(self):
        try:
            return os.path.getsize(self.log) if self.log else 0
        except OSError:
            return 0

    def __call__(self, *args, timeout=60, input=None, check=False, log_format=None, **kw):
        before = self._log_size()
        # Files, not pipes: a created container's init inherits our stdio and keeps it open,
        # so waiting for EOF on a pipe would wait for the container.
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            cp = subprocess.run(self.argv(*args, log_format=log_format), stdout=out,
                                stderr=err, timeout=timeout, input=input,
                                stdin=None if input is not None else subprocess.DEVNULL,
                                **kw)
            out.seek(0)
            err.seek(0)
            cp.stdout = out.read().decode(errors="replace")
            cp.stderr = err.read().decode(errors="replace")
        log = ""
        if self.log and os.path.exists(self.log):
            with open(self.log, errors="replace") as f:
                f.seek(before)
                log = f.read()
        res = Result(cp, log)
        if check and res.rc != 0:
            raise AssertionError(f"tong {' '.join(map(str, args))} failed: {res}")
        return res

    def state(self, cid):
        r = self(("state"), cid, check=True)
        return json.loads(r.out)

    def cleanup(self):
        ids = []
        if os.path.isdir(self.root):
            ids = [d for d in os.listdir(self.root) if not d.startswith(".")]
        for cid in ids:
            self("delete", "--force", cid, timeout=30)


_ROOTFS_CACHE = {}


def busybox_rootfs_template(tmp_root):
    """A busybox-static rootfs with hard-linked applets, built once per session."""
    if "path" in _ROOTFS_CACHE:
        return _ROOTFS_CACHE["path"]
    path = os.path.join(tmp_root, "rootfs-template")
    os.makedirs(path)
    for d in ["bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "tmp", "etc", "root",
              "var", "run", "home"]:
        os.makedirs(os.path.join(path, d), exist_ok=True)
    os.chmod(os.path.join(path, "tmp"), 0o1777)
    bb = os.path.join(path, "bin", "busybox")
    shutil.copy2(BUSYBOX, bb)
    applets = subprocess.run([BUSYBOX, "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    for a in applets:
        if a == "busybox":
            continue
        os.link(bb, os.path.join(path, "bin", a))
    with open(os.path.join(path, "etc", "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")
    with open(os.path.join(path, "etc", "group"), "w") as f:
        f.write("root:x:0:\nnogroup:x:65534:\n")
    _ROOTFS_CACHE["path"] = path
    return path


class Bundle:
    def __init__(self, path, template):
        self.path = path
        self.rootfs = os.path.join(path, "rootfs")
        os.makedirs(path)
        subprocess.run(["cp", "-a", template, self.rootfs], check=True)
        subprocess.run([TONG, "spec", "--bundle", path], check=True)
        with open(self.config_path) as f:
            self.config = json.load(f)
        self.config["process"]["terminal"] = False
        self.config["process"]["args"] = ["true"]

    @property
    def config_path(self):
        return os.path.join(self.path, "config.json")

    def write(self):
        with open(self.config_path, "w") as f:
            json.dump(self.config, f, indent=2)
        return self

    def set_args(self, *args):
        self.config["process"]["args"] = list(args)
        return self.write()


@pytest.fixture(scope="session")
def session_tmp(tmp_path_factory):
    return str(tmp_path_factory.mktemp("tong"))


@pytest.fixture
def tong(tmp_path):
    require_root()
    if not os.access(TONG, os.X_OK):
        pytest.fail(f"tong binary not found at {TONG} (build it first, or set TONG)")
    t = Tong(str(tmp_path / "state"), log=str(tmp_path / "tong.log"))
    yield t
    t.cleanup()


@pytest.fixture
def bundle(tmp_path, session_tmp):
    require_root()
    return Bundle(str(tmp_path / "bundle"), busybox_rootfs_template(session_tmp)).write()


@pytest.fixture
def make_bundle(tmp_path, session_tmp):
    """For tests that need several bundles."""
    n = [0]

    def make():
        n[0] += 1
        return Bundle(str(tmp_path / f"bundle{n[0]}"),
                      busybox_rootfs_template(session_tmp)).write()
    return make


def cid(prefix="t"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def cgroup_dirs(container_id):
    """Every cgroup directory on the host whose last component is the container ID."""
    found = []
    for base, dirs, _ in os.walk("/sys/fs/cgroup"):
        if container_id in dirs:
            found.append(os.path.join(base, container_id))
        # cgroup trees can be deep; prune what cannot hold ours
        dirs[:] = [d for d in dirs if d in ("tong",) or base.count("/") < 6]
    return found


def mounts_mentioning(s):
    with open("/proc/self/mountinfo") as f:
        return [l for l in f if s in l]


def processes_mentioning(s):
    pids = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/cmdline", "rb") as f:
                if s.encode() in f.read():
                    pids.append(int(p))
        except OSError:
            pass
    return pids


def leftovers(tong, container_id, bundle=None):
    """What a deleted or never-created container must not leave behind."""
    left = []
    if os.path.exists(os.path.join(tong.root, container_id)):
        left.append(f"state dir {tong.root}/{container_id}")
    left += [f"cgroup {d}" for d in cgroup_dirs(container_id)]
    if bundle is not None:
        left += [f"mount {m.strip()}" for m in mounts_mentioning(bundle.path)]
    return left


def wait_for(pred, timeout=10.0, interval=0.02):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    return pred()


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


__all__ = ["Tong", "Bundle", "cid", "leftovers", "wait_for", "pid_alive", "signal",
           "cgroup_dirs", "mounts_mentioning", "processes_mentioning", "TONG", "REPO"]

# SPDX-License-Identifier: Apache-2.0
"""Helpers shared by the engine tests (tests/integration/test_{podman,containerd,docker}.py).

- `Reaper`: makes the test process a child subreaper and reaps the orphans engines leave
  behind (conmon, containerd shims double-fork away from their parent).  PID 1 on the test
  machines reaps orphans only after many seconds, and podman polls whether conmon's pid is
  still alive (a zombie is), so without this every `podman run` waits ~20 s.
- `run()`: runs a command to completion with files (not pipes) as stdout/stderr.
- `require()`: skip (or fail under TONG_TESTS_MUST_RUN=1) when an engine is not installed.
- `image()`: the busybox image archives built by mkimage.py.
- `host_cgroup_value()`: reads a container's cgroup file from the host side, v1 or v2.
"""
import ctypes
import os
import shutil
import subprocess
import tempfile
import threading
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
MUST_RUN = os.environ.get("TONG_TESTS_MUST_RUN") == "1"
ENGINES_DIR = os.environ.get("TONG_ENGINES_DIR", "/var/cache/tong-engines")
IMAGE = "localhost/busybox:latest"
PR_SET_CHILD_SUBREAPER = 36
MNT_DETACH = 2


def skip_or_fail(reason):
    if MUST_RUN:
        pytest.fail(f"{reason} (TONG_TESTS_MUST_RUN=1; install with tests/engines/setup)")
    pytest.skip(f"{reason} (install with tests/engines/setup)")


def require(*paths):
    """Each entry is a command name (looked up on PATH) or an absolute path."""
    if os.geteuid() != 0:
        skip_or_fail("engine tests need root")
    for p in paths:
        found = p if os.path.isabs(p) else shutil.which(p)
        if not found or not os.access(found, os.X_OK):
            skip_or_fail(f"{p} is not installed")


class Reaper:
    """Child subreaper for the duration of a test module; reaps orphans, never our own
    subprocesses (those are waited for by whoever started them: `track()` them)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._ours = set()
        self._stop = False
        self._thread = None

    def start(self):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
        self._thread = threading.Thread(target=self._loop, name="reaper", daemon=True)
        self._thread.start()

    def stop(self):
        """Stop adopting orphans; reap what is left (the caller has stopped the daemons)."""
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
        self._stop = True
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and self._reap_orphans():
            time.sleep(0.05)

    def popen(self, argv, **kw):
        with self._lock:
            p = subprocess.Popen(argv, **kw)
            self._ours.add(p.pid)
        return p

    def forget(self, p):
        with self._lock:
            self._ours.discard(p.pid)

    def _reap_orphans(self):
        """Reap exited children we did not start; True while non-zombie orphans remain."""
        me = str(os.getpid())
        alive = False
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[1] != me:
                continue
            pid = int(d)
            with self._lock:
                if pid in self._ours:
                    continue
                if fields[0] == "Z":
                    try:
                        os.waitpid(pid, os.WNOHANG)
                    except ChildProcessError:
                        pass
                else:
                    alive = True
        return alive

    def kill_orphans(self):
        """SIGKILL the running processes reparented to us that we did not start: what the
        engine left behind (conmon, shims) once it has been stopped."""
        me = str(os.getpid())
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            with self._lock:
                if fields[1] == me and fields[0] != "Z" and int(d) not in self._ours:
                    try:
                        os.kill(int(d), 9)
                    except ProcessLookupError:
                        pass

    def _loop(self):
        while not self._stop:
            try:
                # Sleep until some child has exited (without reaping it), then sweep.
                os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOWAIT)
            except ChildProcessError:
                time.sleep(0.05)
                continue
            if self._stop:  # the children are someone else's again
                break
            self._reap_orphans()
            time.sleep(0.01)  # one of ours may stay a zombie until its owner waits


class Result:
    def __init__(self, argv, rc, out, err):
        self.argv, self.rc, self.out, self.err = argv, rc, out, err

    def __repr__(self):
        return f"Result({' '.join(self.argv)!r}: rc={self.rc}, out={self.out!r}, err={self.err!r})"


def run(reaper, argv, env=None, timeout=60, input=None, check=False):
    """Run argv to completion; stdout/stderr go through files so that a daemon forked by the
    command holding them open does not make us wait.  While a Reaper runs, every child must
    be started through it (here or reaper.popen): it reaps any child it does not know."""
    argv = [str(a) for a in argv]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = reaper.popen(argv, stdout=out, stderr=err, env=env,
                         stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL)
        try:
            p.communicate(input=input.encode() if isinstance(input, str) else input,
                          timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            raise
        finally:
            reaper.forget(p)
        out.seek(0)
        err.seek(0)
        res = Result(argv, p.returncode, out.read().decode(errors="replace"),
                     err.read().decode(errors="replace"))
    if check and res.rc != 0:
        raise AssertionError(f"command failed: {res}")
    return res


def image(tmpdir):
    """(rootfs.tar, image.tar) for IMAGE: the setup script's copy, else built into tmpdir."""
    import sys
    sys.path.insert(0, HERE)
    import mkimage
    cached = os.path.join(ENGINES_DIR, "image")
    try:
        return mkimage.build(cached)
    except OSError:
        return mkimage.build(os.path.join(tmpdir, "image"))


def wait_for(pred, timeout=10.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(interval)


def _mountinfo():
    with open("/proc/self/mountinfo") as f:
        for line in f:
            pre, post = line.split(" - ", 1)
            pre, post = pre.split(), post.split()
            yield pre[4], pre[3], post[0], post[2].split(",")


def host_cgroup_dir(pid, controller):
    """The host path of pid's cgroup for controller (v1 hierarchy owning it, else cgroup2)."""
    with open(f"/proc/{pid}/cgroup") as f:
        entries = [line.rstrip("\n").split(":", 2) for line in f]
    for hid, ctrls, path in entries:
        if controller in ctrls.split(","):
            for mnt, root, fstype, opts in _mountinfo():
                if fstype == "cgroup" and controller in opts:
                    return os.path.normpath(os.path.join(mnt, os.path.relpath(path, root)))
    for hid, ctrls, path in entries:
        if hid == "0":
            for mnt, root, fstype, opts in _mountinfo():
                if fstype == "cgroup2":
                    return os.path.normpath(os.path.join(mnt, os.path.relpath(path, root)))
    raise LookupError(f"no cgroup for {controller} in /proc/{pid}/cgroup")


def host_cgroup_value(pid, controller, v1_file, v2_file):
    """Reads v1_file or v2_file (whichever the hierarchy has) of pid's cgroup."""
    d = host_cgroup_dir(pid, controller)
    for name in (v1_file, v2_file):
        p = os.path.join(d, name)
        if os.path.exists(p):
            with open(p) as f:
                return f.read().strip()
    raise LookupError(f"neither {v1_file} nor {v2_file} in {d}")


def run_pty(reaper, argv, env=None, timeout=30, rows=33, cols=101):
    """Run argv with a new pty (window rows x cols) as stdin/stdout/stderr; (rc, output)."""
    import fcntl
    import pty
    import select
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    try:
        p = reaper.popen([str(a) for a in argv], stdin=slave, stdout=slave, stderr=slave,
                         env=env, start_new_session=True)
    finally:
        os.close(slave)
    out = b""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            r, _, _ = select.select([master], [], [], 0.1)
            if r:
                try:
                    chunk = os.read(master, 4096)
                except OSError:  # EIO: every slave fd is closed
                    break
                if not chunk:
                    break
                out += chunk
            elif p.poll() is not None:
                break
        else:
            p.kill()
        rc = p.wait(timeout=10)
    finally:
        reaper.forget(p)
        os.close(master)
    return rc, out.decode(errors="replace")


def cgroup_mounts():
    """Mount points of every cgroup hierarchy (v1 ones and the cgroup2 one), host side."""
    return sorted({mnt for mnt, root, fstype, opts in _mountinfo()
                   if fstype in ("cgroup", "cgroup2") and root == "/"})


def cgroup_dirs(relpath):
    """Existing directories at and below /relpath in every hierarchy, deepest first."""
    found = []
    for mnt in cgroup_mounts():
        top = os.path.join(mnt, relpath.strip("/"))
        for dirpath, dirnames, _ in os.walk(top):
            found.append(dirpath)
    return sorted(found, key=lambda d: d.count("/"), reverse=True)


def cgroup_procs(d):
    try:
        with open(os.path.join(d, "cgroup.procs")) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def remove_cgroup_tree(relpath):
    """rmdir /relpath and everything below it in every hierarchy.  Processes still inside
    (the tree is the test's own) are SIGKILLed first.  Returns the dirs that held processes."""
    busy = []
    for attempt in range(50):
        dirs = cgroup_dirs(relpath)
        if not dirs:
            break
        for d in dirs:
            pids = cgroup_procs(d)
            if pids and attempt == 0:
                busy.append(f"{d}: {pids}")
            for pid in pids:
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass
            try:
                os.rmdir(d)
            except OSError:
                pass
        time.sleep(0.05)
    return busy


def unmount_below(path):
    """Lazily unmount every mount at or below path (deepest first)."""
    libc = ctypes.CDLL(None, use_errno=True)
    path = os.path.realpath(path)
    mnts = [m for m, _, _, _ in _mountinfo() if m == path or m.startswith(path + "/")]
    for m in sorted(set(mnts), key=len, reverse=True):
        libc.umount2(m.encode(), MNT_DETACH)  # no child process: the reaper may be running


class HostPaths:
    """Host paths an engine creates outside the directories we give it.  Those absent when
    the test started are removed at teardown: files always, directories only when empty
    (another run may be using them)."""

    def __init__(self, paths):
        self.created = [p for p in paths if not os.path.lexists(p)]

    def cleanup(self):
        for p in sorted(self.created, key=len, reverse=True):
            try:
                if os.path.isdir(p) and not os.path.islink(p):
                    os.rmdir(p)
                else:
                    os.unlink(p)
            except OSError:
                pass


def tong_has(command):
    """Whether the tong under test implements COMMAND (for xfail marks)."""
    from conftest import TONG
    r = subprocess.run([TONG, command, "--help"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
    return r.returncode == 0

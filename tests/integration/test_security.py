# SPDX-License-Identifier: Apache-2.0
"""Black-box tests for known runtime escapes (../shared/docs/security.md) that concern the
runtime's process handling; the rootfs/mount cases are in test_rootfs.py."""
import hashlib
import os
import stat
import subprocess
import time

import pytest

from conftest import TONG, cid, pid_alive, wait_for


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def write_script(bundle, name, text):
    bundle.config["root"]["readonly"] = True
    path = os.path.join(bundle.rootfs, name)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o755)


@pytest.mark.parametrize("args", [["/evil"], ["/proc/self/exe"], ["/proc/self/exe", "--help"]])
def test_cve_2019_5736_proc_self_exe_never_runs_tong(tong, bundle, args):
    before = sha(TONG)
    write_script(bundle, "evil", "#!/proc/self/exe\n")
    bundle.set_args(*args)
    r = tong("run", "--bundle", bundle.path, cid())
    assert r.rc == 126, r
    assert "Usage: tong" not in r.out + r.err
    assert "not executable in a container" in r.err
    assert sha(TONG) == before


def test_cve_2019_5736_via_exec(tong, bundle):
    before = sha(TONG)
    write_script(bundle, "evil", "#!/proc/self/exe\n")
    bundle.set_args("sleep", "30")
    c = cid()
    assert tong("run", "-d", "--bundle", bundle.path, c).rc == 0
    r = tong("exec", c, "/evil")
    assert r.rc == 126, r
    r = tong("exec", c, "sh", "-c", "readlink /proc/self/exe; readlink /proc/1/exe")
    assert r.rc == 0 and "tong" not in r.out, r
    assert sha(TONG) == before


def test_cve_2024_21626_no_host_fd_in_the_created_init(tong, bundle):
    bundle.set_args("sleep", "30")
    c = cid()
    assert tong("create", "--bundle", bundle.path, c).rc == 0
    pid = tong.state(c)["pid"]
    fds = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        fds[int(fd)] = os.readlink(f"/proc/{pid}/fd/{fd}")
    # stdio (our temp files / devnull), the start socket, the trampoline memfd, and the
    # --log file (close-on-exec, a regular file); nothing that is a directory
    for fd, target in fds.items():
        if fd <= 2:
            continue
        if target == tong.log:
            assert os.path.isfile(target)
            continue
        assert target.startswith(("socket:", "anon_inode:", "/memfd:")), (fd, target)
    assert tong("delete", c).rc == 0


def test_init_is_not_dumpable_while_waiting(tong, bundle):
    bundle.set_args("sleep", "30")
    c = cid()
    assert tong("create", "--bundle", bundle.path, c).rc == 0
    pid = tong.state(c)["pid"]
    # a non-dumpable process's /proc files belong to root; ptrace_may_access refuses others
    st = os.stat(f"/proc/{pid}/exe", follow_symlinks=False)
    status = open(f"/proc/{pid}/status").read()
    assert st.st_uid == 0
    assert tong("delete", c).rc == 0


def test_container_id_cannot_traverse(tong, bundle, tmp_path):
    victim = tmp_path / "victim"
    victim.mkdir()
    r = tong("create", "--bundle", bundle.path, f"../../{victim.name}")
    assert r.rc != 0 and "container ID" in r.err
    assert os.listdir(victim) == []


def test_state_directory_is_private(tong, bundle):
    bundle.set_args("sleep", "30")
    c = cid()
    assert tong("create", "--bundle", bundle.path, c).rc == 0
    assert stat.S_IMODE(os.stat(os.path.join(tong.root, c)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(tong.root).st_mode) & 0o077 == 0
    assert tong("delete", c).rc == 0


def test_reused_pid_is_never_signalled(tong, bundle):
    bundle.set_args("true")
    c = cid()
    assert tong("create", "--bundle", bundle.path, c).rc == 0
    state_file = os.path.join(tong.root, c, "state.json")
    import json
    st = json.load(open(state_file))
    # Point the record at a live process of ours with a different start time (start times
    # are in clock ticks: make sure a tick has passed).
    time.sleep(0.1)
    victim = subprocess.Popen(["sleep", "30"])
    try:
        pid = tong.state(c)["pid"]
        assert tong("delete", c).rc == 0
        st["pid"] = victim.pid
        os.makedirs(os.path.join(tong.root, c), exist_ok=True)
        with open(state_file, "w") as f:
            json.dump(st, f)
        assert tong("kill", c, "KILL").rc != 0
        assert victim.poll() is None
        assert tong("delete", "-f", c).rc == 0
        assert victim.poll() is None
    finally:
        victim.kill()
        victim.wait()

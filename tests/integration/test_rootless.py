# SPDX-License-Identifier: Apache-2.0
"""Rootless: an unprivileged user runs `tong spec --rootless` and `tong run`."""
import json
import os
import pwd
import shutil
import subprocess
import tempfile

import pytest

from conftest import TONG, busybox_rootfs_template, cid, require_root

USER = "tongtest"
UID = 23456


@pytest.fixture(scope="module")
def user():
    require_root()
    try:
        pw = pwd.getpwnam(USER)
    except KeyError:
        subprocess.run(["useradd", "-M", "-u", str(UID), "-s", "/bin/sh", USER], check=True)
        pw = pwd.getpwnam(USER)
    xdg = f"/run/user/{pw.pw_uid}"
    os.makedirs(xdg, exist_ok=True)
    os.chown(xdg, pw.pw_uid, pw.pw_gid)
    os.chmod(xdg, 0o700)
    yield pw
    shutil.rmtree(os.path.join(xdg, "tong"), ignore_errors=True)


def as_user(pw, *args, env=None, cwd=None, timeout=60):
    e = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/",
         # LeakSanitizer's exit-time tracer cannot stop a process that has joined the
         # container's user namespace (rootless exec does): it would hang, not report.
         "ASAN_OPTIONS": "detect_leaks=0"}
    if env is None:
        e["XDG_RUNTIME_DIR"] = f"/run/user/{pw.pw_uid}"
    else:
        e.update(env)
    # Files, not pipes: a detached container keeps its inherited stdio open.
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        cp = subprocess.run(["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}",
                             "--clear-groups", "--", TONG, *map(str, args)],
                            stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=e, cwd=cwd,
                            timeout=timeout)
        out.seek(0)
        err.seek(0)
        cp.stdout, cp.stderr = out.read().decode(), err.read().decode()
    return cp


@pytest.fixture
def rbundle(user, tmp_path, session_tmp):
    d = tmp_path / "rootless"
    d.mkdir()
    subprocess.run(["cp", "-a", busybox_rootfs_template(session_tmp), str(d / "rootfs")],
                   check=True)
    subprocess.run(["chown", "-R", f"{user.pw_uid}:{user.pw_gid}", str(d)], check=True)
    p = tmp_path
    while str(p) != "/":
        os.chmod(p, os.stat(p).st_mode | 0o755)
        p = p.parent
    r = as_user(user, "spec", "--rootless", "--bundle", d)
    assert r.returncode == 0, r
    cfg = json.load(open(d / "config.json"))
    cfg["process"]["terminal"] = False

    class B:
        path = str(d)
        config = cfg

        def set_args(self, *args):
            self.config["process"]["args"] = list(args)
            with open(d / "config.json", "w") as f:
                json.dump(self.config, f)
            os.chown(d / "config.json", user.pw_uid, user.pw_gid)
    return B()


def test_rootless_run(user, rbundle):
    rbundle.set_args("sh", "-c", "id -u; cat /proc/self/uid_map; hostname; touch /x || true")
    c = cid("rl")
    r = as_user(user, "run", "--bundle", rbundle.path, c)
    assert r.returncode == 0, r
    lines = r.stdout.split("\n")
    assert lines[0] == "0"
    assert lines[1].split() == ["0", str(user.pw_uid), "1"]
    # state went to $XDG_RUNTIME_DIR/tong and is gone again
    assert not os.path.exists(f"/run/user/{user.pw_uid}/tong/{c}")


def test_rootless_lifecycle_and_exec(user, rbundle):
    rbundle.set_args("sleep", "30")
    c = cid("rl")
    assert as_user(user, "run", "-d", "--bundle", rbundle.path, c).returncode == 0
    st = json.loads(as_user(user, "state", c).stdout)
    assert st["status"] == "running"
    assert os.path.isdir(f"/run/user/{user.pw_uid}/tong/{c}")
    status = open(f"/proc/{st['pid']}/status").read()
    assert f"Uid:\t{user.pw_uid}" in status
    r = as_user(user, "exec", c, "id", "-u")
    assert r.returncode == 0 and r.stdout.strip() == "0", r
    assert as_user(user, "delete", "-f", c).returncode == 0
    assert not os.path.exists(f"/run/user/{user.pw_uid}/tong/{c}")


def test_rootless_cgroupfs_is_not_writable(user, rbundle):
    rbundle.set_args("sh", "-c", "mkdir /sys/fs/cgroup/x 2>&1; touch /sys/fs/cgroup/y 2>&1; "
                     "true")
    r = as_user(user, "run", "--bundle", rbundle.path, cid("rl"))
    assert r.returncode == 0, r
    assert r.stdout.count("Read-only file system") == 2 or \
        r.stdout.count("Permission denied") == 2, r.stdout


def test_rootless_limits_without_delegation_are_an_error(user, rbundle):
    rbundle.config["linux"]["resources"] = {"memory": {"limit": 1 << 26}}
    rbundle.set_args("true")
    c = cid("rl")
    r = as_user(user, "run", "--bundle", rbundle.path, c)
    assert r.returncode != 0
    assert "linux.resources" in r.stderr and "unprivileged" in r.stderr, r.stderr
    assert not os.path.exists(f"/run/user/{user.pw_uid}/tong/{c}")


def test_rootless_needs_xdg_runtime_dir_or_root(user, rbundle):
    r = as_user(user, "list", env={})
    assert r.returncode != 0 and "XDG_RUNTIME_DIR" in r.stderr, r


def test_rootless_needs_a_user_namespace(user, rbundle):
    rbundle.config["linux"]["namespaces"] = [n for n in rbundle.config["linux"]["namespaces"]
                                             if n["type"] != "user"]
    rbundle.config["linux"].pop("uidMappings", None)
    rbundle.config["linux"].pop("gidMappings", None)
    rbundle.set_args("true")
    c = cid("rl")
    r = as_user(user, "run", "--bundle", rbundle.path, c)
    assert r.returncode != 0 and "user namespace" in r.stderr, r.stderr
    assert not os.path.exists(f"/run/user/{user.pw_uid}/tong/{c}")

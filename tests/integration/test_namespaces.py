# SPDX-License-Identifier: Apache-2.0
"""All eight namespaces: created new, joined by path, checked from inside and from the host."""
import os
import subprocess
import time

import pytest

from conftest import cid, leftovers, pid_alive, wait_for

ALL = ["pid", "network", "ipc", "uts", "mount", "cgroup", "user", "time"]
PROC = {"pid": "pid", "network": "net", "ipc": "ipc", "uts": "uts", "mount": "mnt",
        "cgroup": "cgroup", "user": "user", "time": "time"}


def ns_inode(pid, name):
    return os.readlink(f"/proc/{pid}/ns/{name}")


_USERNS = {}


def userns_available():
    """False inside a chroot (the cgroup v2 test VM): the kernel refuses new user namespaces
    to chrooted processes."""
    if "ok" not in _USERNS:
        _USERNS["ok"] = subprocess.run(["unshare", "-U", "true"],
                                       capture_output=True).returncode == 0
    return _USERNS["ok"]


def with_userns(bundle, host_id=100000, size=65536):
    if not userns_available():
        pytest.skip("cannot create user namespaces here (a chroot, e.g. the test VM)")
    ns = bundle.config["linux"]["namespaces"]
    if not any(n["type"] == "user" for n in ns):
        ns.append({"type": "user"})
    bundle.config["linux"]["uidMappings"] = [{"containerID": 0, "hostID": host_id,
                                              "size": size}]
    bundle.config["linux"]["gidMappings"] = [{"containerID": 0, "hostID": host_id,
                                              "size": size}]
    # The container's root is host uid 100000: it must be able to reach the rootfs (as with
    # runc); pytest's temporary directories are 0700.
    d = bundle.path
    while d != "/":
        st = os.stat(d)
        os.chmod(d, st.st_mode | 0o111)
        d = os.path.dirname(d)
    return bundle


def run_detached(tong, bundle, *args):
    bundle.set_args(*args)
    c = cid()
    r = tong("run", "-d", "--bundle", bundle.path, c)
    assert r.rc == 0, r
    return c, tong.state(c)["pid"]


def test_every_new_namespace_differs_from_the_host(tong, bundle):
    with_userns(bundle)
    bundle.config["linux"]["namespaces"].append({"type": "time"})
    c, pid = run_detached(tong, bundle, "sleep", "30")
    for t in ALL:
        name = PROC[t]
        assert ns_inode(pid, name) != os.readlink(f"/proc/self/ns/{name}"), t
    assert tong("delete", "-f", c).rc == 0
    assert leftovers(tong, c, bundle) == []


def test_absent_namespaces_are_shared_with_the_runtime(tong, bundle):
    bundle.config["linux"]["namespaces"] = [{"type": "mount"}]
    bundle.config["hostname"] = None
    del bundle.config["hostname"]
    c, pid = run_detached(tong, bundle, "sleep", "30")
    for name in ["net", "ipc", "uts", "pid", "cgroup", "user"]:
        assert ns_inode(pid, name) == os.readlink(f"/proc/self/ns/{name}"), name
    assert ns_inode(pid, "mnt") != os.readlink("/proc/self/ns/mnt")
    assert tong("delete", "-f", c).rc == 0


def test_inside_view(tong, bundle):
    bundle.set_args("sh", "-c", "echo pid=$$; hostname; ls /sys/class/net; "
                    "cat /proc/self/cgroup | head -1")
    r = tong("run", "--bundle", bundle.path, cid())
    assert r.rc == 0, r
    out = r.out.split()
    assert "pid=1" in out
    assert "tong" in out
    assert "lo" in out and "eth0" not in out


def test_join_namespaces_by_path(tong, make_bundle):
    b1 = make_bundle()
    c1, pid1 = run_detached(tong, b1, "sleep", "30")
    b2 = make_bundle()
    ns = b2.config["linux"]["namespaces"]
    for n in ns:
        if n["type"] in ("network", "ipc", "uts", "pid"):
            n["path"] = f"/proc/{pid1}/ns/{PROC[n['type']]}"
    b2.config.pop("hostname", None)
    c2, pid2 = run_detached(tong, b2, "sleep", "30")
    for name in ["net", "ipc", "uts", "pid"]:
        assert ns_inode(pid2, name) == ns_inode(pid1, name), name
    assert ns_inode(pid2, "mnt") != ns_inode(pid1, "mnt")
    assert tong("delete", "-f", c2).rc == 0
    assert tong("delete", "-f", c1).rc == 0


def test_join_checks_the_namespace_type(tong, bundle):
    for n in bundle.config["linux"]["namespaces"]:
        if n["type"] == "network":
            n["path"] = "/proc/self/ns/ipc"
    bundle.write()
    c = cid()
    r = tong("create", "--bundle", bundle.path, c)
    assert r.rc != 0
    assert "is not a network namespace" in r.err, r.err
    assert "linux.namespaces[" in r.err
    assert leftovers(tong, c, bundle) == []


def test_join_missing_namespace_path(tong, bundle):
    for n in bundle.config["linux"]["namespaces"]:
        if n["type"] == "ipc":
            n["path"] = "/proc/999999999/ns/ipc"
    bundle.write()
    c = cid()
    r = tong("create", "--bundle", bundle.path, c)
    assert r.rc != 0 and "/proc/999999999/ns/ipc" in r.err
    assert leftovers(tong, c, bundle) == []


def test_user_namespace_maps(tong, bundle):
    with_userns(bundle)
    bundle.set_args("sh", "-c", "cat /proc/self/uid_map /proc/self/gid_map; id -u")
    r = tong("run", "--bundle", bundle.path, cid())
    assert r.rc == 0, r
    lines = [l.split() for l in r.out.strip().splitlines()]
    assert lines[0] == ["0", "100000", "65536"]
    assert lines[1] == ["0", "100000", "65536"]
    assert lines[2] == ["0"]


def test_user_namespace_host_view(tong, bundle):
    with_userns(bundle)
    c, pid = run_detached(tong, bundle, "sleep", "30")
    status = open(f"/proc/{pid}/status").read()
    uid_line = [l for l in status.splitlines() if l.startswith("Uid:")][0].split()
    assert uid_line[1:] == ["100000"] * 4
    assert open(f"/proc/{pid}/uid_map").read().split() == ["0", "100000", "65536"]
    assert tong("delete", "-f", c).rc == 0


def test_time_namespace_offsets(tong, bundle):
    bundle.config["linux"]["namespaces"].append({"type": "time"})
    bundle.config["linux"]["timeOffsets"] = {"boottime": {"secs": 86400 * 365, "nanosecs": 0},
                                             "monotonic": {"secs": 3600, "nanosecs": 0}}
    bundle.set_args("cat", "/proc/uptime")
    r = tong("run", "--bundle", bundle.path, cid())
    assert r.rc == 0, r
    inside = float(r.out.split()[0])
    host = float(open("/proc/uptime").read().split()[0])
    assert inside - host > 86400 * 364, (inside, host)


def test_cgroup_namespace_root(tong, bundle):
    bundle.set_args("cat", "/proc/self/cgroup")
    r = tong("run", "--bundle", bundle.path, cid())
    assert r.rc == 0, r
    for line in r.out.strip().splitlines():
        assert line.split(":", 2)[2] == "/", line


def test_hostname_and_domainname(tong, bundle):
    bundle.config["hostname"] = "box1"
    bundle.config["domainname"] = "example.org"
    bundle.set_args("sh", "-c", "hostname; cat /proc/sys/kernel/domainname")
    r = tong("run", "--bundle", bundle.path, cid())
    assert r.rc == 0, r
    assert r.out.split() == ["box1", "example.org"]
    assert os.uname().nodename != "box1"

# SPDX-License-Identifier: Apache-2.0
"""The container is created in its cgroup (default /tong/<id>, or linux.cgroupsPath) in every
hierarchy this host has, and the cgroup goes away with the container."""
import os

from conftest import cid, leftovers, wait_for


def proc_cgroups(pid):
    """{hierarchy-id-or-controllers: path} from /proc/PID/cgroup."""
    out = {}
    for line in open(f"/proc/{pid}/cgroup"):
        hid, ctrls, path = line.rstrip("\n").split(":", 2)
        out[ctrls or "unified"] = path
    return out


def run_detached(tong, bundle, c, *args):
    bundle.set_args(*args)
    r = tong("run", "-d", "--bundle", bundle.path, c)
    assert r.rc == 0, r
    return tong.state(c)["pid"]


def test_default_cgroup_path_in_every_hierarchy(tong, bundle):
    c = cid()
    pid = run_detached(tong, bundle, c, "sleep", "30")
    mine = proc_cgroups(os.getpid())
    theirs = proc_cgroups(pid)
    assert set(theirs) == set(mine)
    for h, path in theirs.items():
        assert path == f"/tong/{c}", (h, path)
    assert tong("delete", "-f", c).rc == 0
    assert leftovers(tong, c, bundle) == []


def test_absolute_cgroups_path(tong, bundle):
    c = cid()
    bundle.config["linux"]["cgroupsPath"] = f"/tong-test/{c}-abs"
    pid = run_detached(tong, bundle, c, "sleep", "30")
    for h, path in proc_cgroups(pid).items():
        assert path == f"/tong-test/{c}-abs", (h, path)
    assert tong("delete", "-f", c).rc == 0
    assert leftovers(tong, f"{c}-abs") == []


def test_relative_cgroups_path_is_under_our_own_cgroup(tong, bundle):
    c = cid()
    bundle.config["linux"]["cgroupsPath"] = f"rel-{c}"
    pid = run_detached(tong, bundle, c, "sleep", "30")
    mine = proc_cgroups(os.getpid())
    for h, path in proc_cgroups(pid).items():
        base = mine[h].rstrip("/")
        assert path == f"{base}/rel-{c}", (h, path, base)
    assert tong("delete", "-f", c).rc == 0
    assert leftovers(tong, f"rel-{c}") == []


def test_invalid_cgroups_path(tong, bundle):
    bundle.config["linux"]["cgroupsPath"] = "/a/../../escape"
    bundle.write()
    c = cid()
    r = tong("create", "--bundle", bundle.path, c)
    assert r.rc != 0 and "cgroupsPath" in r.err, r.err
    assert leftovers(tong, c, bundle) == []


def test_non_empty_cgroup_is_refused(tong, make_bundle):
    b1 = make_bundle()
    c1 = cid()
    b1.config["linux"]["cgroupsPath"] = f"/tong-test/shared-{c1}"
    run_detached(tong, b1, c1, "sleep", "30")
    b2 = make_bundle()
    b2.config["linux"]["cgroupsPath"] = f"/tong-test/shared-{c1}"
    b2.set_args("true")
    c2 = cid()
    r = tong("create", "--bundle", b2.path, c2)
    assert r.rc != 0 and "has processes in it" in r.err, r.err
    assert tong("state", c2).rc != 0
    assert tong("delete", "-f", c1).rc == 0


def test_cgroup_removed_after_run_exits(tong, bundle):
    c = cid()
    bundle.set_args("true")
    assert tong("run", "--bundle", bundle.path, c).rc == 0
    assert leftovers(tong, c, bundle) == []


def v2_dir(c):
    for base in ("/sys/fs/cgroup/unified", "/sys/fs/cgroup"):
        p = os.path.join(base, "tong", c)
        if os.path.exists(os.path.join(p, "cgroup.procs")) and \
                os.path.exists(os.path.join(base, "cgroup.controllers")):
            return p
    return None


def test_cgroup_ownership_is_delegated_with_user_and_cgroup_namespaces(tong, bundle):
    from test_namespaces import with_userns
    with_userns(bundle)
    for m in bundle.config["mounts"]:
        if m["destination"] == "/sys/fs/cgroup":
            m["options"] = [o for o in m["options"] if o != "ro"]
    c = cid()
    run_detached(tong, bundle, c, "sleep", "30")
    d = v2_dir(c)
    assert d, "no cgroup2 directory for the container"
    assert os.stat(d).st_uid == 100000
    assert os.stat(os.path.join(d, "cgroup.procs")).st_uid == 100000
    assert os.stat(os.path.join(d, "cgroup.max.depth")).st_uid == 0  # not delegatable
    assert tong("delete", "-f", c).rc == 0


def test_no_delegation_with_a_read_only_cgroup_mount(tong, bundle):
    from test_namespaces import with_userns
    with_userns(bundle)
    c = cid()
    run_detached(tong, bundle, c, "sleep", "30")
    d = v2_dir(c)
    assert d
    assert os.stat(os.path.join(d, "cgroup.procs")).st_uid == 0
    assert tong("delete", "-f", c).rc == 0

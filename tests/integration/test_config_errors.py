# SPDX-License-Identifier: Apache-2.0
"""Bad configs: each gets an error naming the field, a non-zero exit, and leaves nothing."""
import json
import os

import pytest

from conftest import cid, leftovers


def _set(path, value):
    def mutate(cfg):
        node = cfg
        keys = path.split(".")
        for k in keys[:-1]:
            node = node[int(k)] if isinstance(node, list) else node.setdefault(k, {})
        last = keys[-1]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return mutate


def _del(path):
    def mutate(cfg):
        node = cfg
        keys = path.split(".")
        for k in keys[:-1]:
            node = node[int(k)] if isinstance(node, list) else node[k]
        del node[keys[-1]]
    return mutate


def _ns_add(entry):
    return lambda cfg: cfg["linux"]["namespaces"].append(entry)


CASES = [
    ("rlimit-type", _set("process.rlimits", [{"type": "RLIMIT_BOGUS", "soft": 1, "hard": 1}]),
     'process.rlimits[0].type: unknown rlimit "RLIMIT_BOGUS"'),
    ("rlimit-soft-gt-hard", _set("process.rlimits", [{"type": "RLIMIT_NOFILE", "soft": 10,
                                                      "hard": 5}]),
     "process.rlimits[0]"),
    ("rlimit-duplicate", _set("process.rlimits", [
        {"type": "RLIMIT_NOFILE", "soft": 5, "hard": 5},
        {"type": "RLIMIT_NOFILE", "soft": 6, "hard": 6}]), "process.rlimits[1]"),
    ("uid-type", _set("process.user.uid", "root"), "process.user.uid"),
    ("uid-negative", _set("process.user.uid", -1), "process.user.uid"),
    ("cwd-relative", _set("process.cwd", "tmp"), "process.cwd"),
    ("args-empty", _set("process.args", []), "process.args"),
    ("args-missing", _del("process.args"), "process.args"),
    ("ns-unknown", _ns_add({"type": "foo"}), 'linux.namespaces[6].type: unknown namespace type "foo"'),
    ("ns-duplicate", _ns_add({"type": "pid"}), "linux.namespaces[6]"),
    ("ns-path-relative", _set("linux.namespaces.1", {"type": "network", "path": "net"}),
     "linux.namespaces[1].path"),
    ("mount-no-destination", _set("mounts.0", {"type": "proc", "source": "proc"}),
     "mounts[0].destination"),
    ("oom-range", _set("process.oomScoreAdj", 5000), "process.oomScoreAdj"),
    ("root-missing", _del("root"), "root"),
    ("hostname-without-uts", lambda c: c["linux"].__setitem__(
        "namespaces", [n for n in c["linux"]["namespaces"] if n["type"] != "uts"]), "hostname"),
    ("uidmap-without-userns", _set("linux.uidMappings", [{"containerID": 0, "hostID": 1000,
                                                          "size": 1}]), "linux.uidMappings"),
    ("device-type", _set("linux.devices", [{"path": "/dev/x", "type": "q", "major": 1,
                                            "minor": 1}]), "linux.devices[0].type"),
    ("seccomp-no-default", _set("linux.seccomp", {"syscalls": []}),
     "linux.seccomp.defaultAction"),
    ("seccomp-bad-action", _set("linux.seccomp", {"defaultAction": "SCMP_ACT_MAYBE"}),
     "linux.seccomp.defaultAction"),
    ("seccomp-errno-on-allow", _set("linux.seccomp", {
        "defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ALLOW", "errnoRet": 1}]}),
     "linux.seccomp.syscalls[0]"),
    ("sysctl-not-namespaced", _set("linux.sysctl", {"kernel.core_pattern": "x"}),
     "linux.sysctl"),
    ("memory-swap-below-limit", _set("linux.resources.memory", {"limit": 1 << 30,
                                                                "swap": 1 << 20}),
     "linux.resources.memory"),
    ("propagation", _set("linux.rootfsPropagation", "sideways"), "linux.rootfsPropagation"),
    ("hook-relative", _set("hooks", {"prestart": [{"path": "hook"}]}), "hooks.prestart[0].path"),
    ("personality-flags", _set("linux.personality", {"domain": "LINUX", "flags": ["X"]}),
     "linux.personality.flags"),
    ("oci-version", _set("ociVersion", "2.0.0"), "ociVersion"),
]


@pytest.mark.parametrize("name,mutate,expect", CASES, ids=[c[0] for c in CASES])
def test_invalid_config_names_the_field_and_leaves_nothing(tong, bundle, name, mutate, expect):
    mutate(bundle.config)
    bundle.write()
    c = cid("bad")
    r = tong("create", "--bundle", bundle.path, c)
    assert r.rc != 0, r
    assert "config.json" in r.err, r.err
    assert expect in r.err, r.err
    assert leftovers(tong, c, bundle) == []
    assert tong("state", c).rc != 0


def test_malformed_json_names_the_position(tong, bundle):
    with open(bundle.config_path, "w") as f:
        f.write('{"ociVersion": "1.3.0",\n "process": {,}}')
    c = cid("bad")
    r = tong("create", "--bundle", bundle.path, c)
    assert r.rc != 0
    assert "config.json: line 2" in r.err, r.err
    assert leftovers(tong, c, bundle) == []


def test_integer_out_of_range_is_an_error(tong, bundle):
    text = json.dumps(bundle.config).replace('"soft": 1024', '"soft": 18446744073709551616')
    assert "18446744073709551616" in text
    with open(bundle.config_path, "w") as f:
        f.write(text)
    c = cid("bad")
    r = tong("create", "--bundle", bundle.path, c)
    assert r.rc != 0
    assert "out of range" in r.err, r.err
    assert leftovers(tong, c, bundle) == []


def test_missing_config_and_bundle(tong, tmp_path):
    c = cid("bad")
    r = tong("create", "--bundle", str(tmp_path / "nope"), c)
    assert r.rc != 0 and "nope" in r.err
    os.makedirs(tmp_path / "empty")
    r = tong("create", "--bundle", str(tmp_path / "empty"), c)
    assert r.rc != 0 and "config.json" in r.err
    assert leftovers(tong, c) == []


def test_missing_rootfs(tong, bundle):
    bundle.config["root"]["path"] = "no-such-rootfs"
    bundle.write()
    c = cid("bad")
    r = tong("create", "--bundle", bundle.path, c)
    assert r.rc != 0 and "root.path" in r.err, r.err
    assert leftovers(tong, c, bundle) == []


def test_unknown_properties_are_ignored(tong, bundle):
    bundle.config["futureThing"] = {"x": 1}
    bundle.config["process"]["alsoNew"] = [1, 2]
    bundle.config["linux"]["shinyNewKnob"] = True
    bundle.set_args("true")
    r = tong("run", "--bundle", bundle.path, cid())
    assert r.rc == 0, r


def test_duplicate_id_is_refused(tong, bundle):
    bundle.set_args("sleep", "30")
    c = cid()
    assert tong("create", "--bundle", bundle.path, c).rc == 0
    r = tong("create", "--bundle", bundle.path, c)
    assert r.rc != 0
    assert f"container `{c}` already exists" in r.err
    assert tong.state(c)["status"] == "created"
    assert tong("delete", c).rc == 0


@pytest.mark.parametrize("mutate,field", [
    (_set("linux.mountLabel", "system_u:object_r:container_file_t:s0"), "linux.mountLabel"),
    (_set("process.selinuxLabel", "system_u:system_r:container_t:s0"), "process.selinuxLabel"),
    (_set("process.apparmorProfile", "tong-default"), "process.apparmorProfile"),
    (_set("linux.intelRdt", {"closID": "x"}), "linux.intelRdt"),
    (_set("linux.netDevices", {"dummy0": {"name": "eth9"}}), "linux.netDevices"),
], ids=["mountLabel", "selinuxLabel", "apparmor", "intelRdt", "netDevices"])
def test_unsupported_features_are_clear_errors(tong, bundle, mutate, field):
    """Known, valid, but not available here: an error naming the field, never ignored."""
    mutate(bundle.config)
    bundle.write()
    c = cid("unsup")
    r = tong("create", "--bundle", bundle.path, c)
    assert r.rc != 0
    assert field in r.err, r.err
    assert leftovers(tong, c, bundle) == []


def test_no_pivot(tong, bundle):
    bundle.set_args("sh", "-c", "cat /proc/self/mountinfo | head -1; touch /x 2>&1; true")
    r = tong("run", "--no-pivot", "--bundle", bundle.path, cid())
    assert r.rc == 0, r
    assert "Read-only file system" in r.out

# SPDX-License-Identifier: Apache-2.0
"""The command-line contract: global options, commands, usage errors, spec, features, state."""
import json
import os
import subprocess

import pytest

from conftest import TONG, REPO, cid

SCHEMA_DIR = os.path.join(os.path.dirname(REPO), "shared", "oci-runtime-spec", "schema")
if not os.path.isdir(SCHEMA_DIR):
    SCHEMA_DIR = os.path.join(REPO, "tests", "data", "schema")


def run(*args, **kw):
    return subprocess.run([TONG, *args], capture_output=True, text=True, timeout=30, **kw)


def test_version_names_spec_and_libseccomp():
    r = run("--version")
    assert r.returncode == 0
    assert r.stdout.startswith("tong version ")
    assert "spec: 1.3.0" in r.stdout
    assert "libseccomp: 2." in r.stdout


def test_help_lists_only_working_commands():
    r = run("--help")
    assert r.returncode == 0
    for c in ["create", "start", "run", "state", "list", "kill", "delete", "spec", "features"]:
        assert f"  {c} " in r.stdout


def test_unknown_command_is_a_usage_error():
    r = run("frobnicate")
    assert r.returncode != 0
    assert "unknown command `frobnicate`" in r.stderr
    assert "--help" in r.stderr


def test_unknown_global_option_is_a_usage_error():
    r = run("--frob", "list")
    assert r.returncode != 0
    assert "--frob" in r.stderr


def test_bad_log_format_is_rejected():
    r = run("--log-format", "xml", "list")
    assert r.returncode != 0
    assert "xml" in r.stderr


def test_systemd_cgroup_is_a_clear_error(tmp_path):
    r = run("--root", str(tmp_path), "--systemd-cgroup", "state", "x")
    assert r.returncode != 0
    assert "systemd cgroup driver is not available" in r.stderr


def test_command_usage_errors(tmp_path):
    for args in (["state"], ["state", "a", "b"], ["kill"], ["delete"], ["start"],
                 ["create"], ["kill", "--bogus", "x"], ["list", "extra"],
                 ["list", "--format", "yaml"]):
        r = run("--root", str(tmp_path), *args)
        assert r.returncode != 0, args
        assert r.stderr.strip(), args


def test_spec_writes_a_default_config(tmp_path):
    r = run("spec", "--bundle", str(tmp_path))
    assert r.returncode == 0, r.stderr
    cfg = json.load(open(tmp_path / "config.json"))
    assert cfg["ociVersion"] == "1.3.0"
    assert cfg["process"]["terminal"] is True
    assert cfg["process"]["args"] == ["sh"]
    assert cfg["root"] == {"path": "rootfs", "readonly": True}
    types = {n["type"] for n in cfg["linux"]["namespaces"]}
    assert types == {"pid", "network", "ipc", "uts", "mount", "cgroup"}
    assert "/proc/kcore" in cfg["linux"]["maskedPaths"]
    assert "/proc/sys" in cfg["linux"]["readonlyPaths"]
    dests = [m["destination"] for m in cfg["mounts"]]
    for d in ["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"]:
        assert d in dests
    assert "CAP_NET_BIND_SERVICE" in cfg["process"]["capabilities"]["bounding"]


def test_spec_refuses_to_overwrite(tmp_path):
    assert run("spec", "--bundle", str(tmp_path)).returncode == 0
    r = run("spec", "--bundle", str(tmp_path))
    assert r.returncode != 0
    assert "already exists" in r.stderr


def test_spec_rootless_adds_a_user_namespace(tmp_path):
    r = run("spec", "--rootless", "--bundle", str(tmp_path))
    assert r.returncode == 0, r.stderr
    cfg = json.load(open(tmp_path / "config.json"))
    types = {n["type"] for n in cfg["linux"]["namespaces"]}
    assert "user" in types
    assert "network" not in types
    assert cfg["linux"]["uidMappings"][0]["hostID"] == os.getuid()
    assert cfg["linux"]["gidMappings"][0]["hostID"] == os.getgid()
    assert "resources" not in cfg["linux"]


def test_features_matches_the_schema():
    jsonschema = pytest.importorskip("jsonschema")
    r = run("features")
    assert r.returncode == 0
    doc = json.loads(r.stdout)
    schema_path = os.path.join(SCHEMA_DIR, "features-schema.json")
    if not os.path.exists(schema_path):
        pytest.skip("runtime-spec schema not available")
    schema = json.load(open(schema_path))
    resolver = jsonschema.RefResolver("file://" + SCHEMA_DIR + "/", schema)
    jsonschema.validate(doc, schema, resolver=resolver)
    assert doc["ociVersionMin"] == "1.0.0"
    assert doc["ociVersionMax"] == "1.3.0"
    assert set(doc["hooks"]) == {"prestart", "createRuntime", "createContainer",
                                 "startContainer", "poststart", "poststop"}
    lx = doc["linux"]
    assert set(lx["namespaces"]) == {"pid", "network", "mount", "ipc", "uts", "user",
                                     "cgroup", "time"}
    assert lx["cgroup"]["systemd"] is False
    assert lx["apparmor"]["enabled"] is False
    assert lx["selinux"]["enabled"] is False
    assert lx["intelRdt"]["enabled"] is False
    assert "SCMP_ACT_NOTIFY" in lx["seccomp"]["actions"]
    for opt in ["rro", "nosymfollow", "idmap", "ridmap", "rbind", "strictatime", "lazytime"]:
        assert opt in doc["mountOptions"]


def test_state_of_missing_container(tmp_path):
    r = run("--root", str(tmp_path), "state", "nosuch")
    assert r.returncode == 1
    assert "container `nosuch` does not exist" in r.stderr


@pytest.mark.parametrize("bad", ["../x", "a/b", "..", ".", ".hidden", "", "x" * 256, "a b",
                                 "semi;colon"])
def test_bad_ids_are_refused_before_anything_is_touched(tmp_path, bad):
    root = tmp_path / "root"
    for cmd in (["state", bad], ["delete", bad], ["kill", bad], ["start", bad],
                ["create", "--bundle", str(tmp_path), bad]):
        r = run("--root", str(root), *cmd)
        assert r.returncode != 0, cmd
        assert "container ID" in r.stderr, (cmd, r.stderr)
    assert not (tmp_path / "x").exists()
    assert not os.path.exists(root) or os.listdir(root) == []


def test_list_empty_and_json(tmp_path):
    r = run("--root", str(tmp_path / "none"), "list")
    assert r.returncode == 0
    assert r.stdout.split() == ["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]
    r = run("--root", str(tmp_path / "none"), "list", "--format", "json")
    assert r.returncode == 0
    assert json.loads(r.stdout) == []
    r = run("--root", str(tmp_path / "none"), "list", "-q")
    assert r.returncode == 0 and r.stdout == ""


def test_json_log_line_on_error(tmp_path):
    log = tmp_path / "log.json"
    r = run("--root", str(tmp_path), "--log", str(log), "--log-format", "json", "state", "nope")
    assert r.returncode == 1
    lines = [json.loads(l) for l in open(log)]
    assert lines[-1]["level"] == "error"
    assert "container `nope` does not exist" in lines[-1]["msg"]
    assert lines[-1]["time"].endswith("Z")
    assert "does not exist" in r.stderr

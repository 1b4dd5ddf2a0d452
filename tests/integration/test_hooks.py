# SPDX-License-Identifier: Apache-2.0
"""Hooks: order, the state on stdin, args/env/timeout, where they run, and failures."""
import json
import os
import stat

from conftest import cid, leftovers, pid_alive, wait_for


def host_hook(d, name, body="cat > \"$OUT/$KIND.json\"; echo $KIND >> \"$OUT/order\""):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body + "\n")
    os.chmod(path, 0o755)
    return path


def setup_hooks(bundle, tmp_path):
    out = str(tmp_path / "hooks")
    os.makedirs(out)
    bundle.config["mounts"].append({"destination": "/out", "type": "bind", "source": out,
                                    "options": ["rbind", "rw"]})
    hook = host_hook(out, "hook.sh")
    hooks = {}
    for kind in ["prestart", "createRuntime", "createContainer", "poststart", "poststop"]:
        hooks[kind] = [{"path": hook, "args": ["hook.sh", kind],
                        "env": [f"OUT={out}", f"KIND={kind}"]}]
    # startContainer resolves in the container: the container's own sh, writing to /out
    hooks["startContainer"] = [{"path": "/bin/sh", "args": [
        "sh", "-c", "cat > /out/startContainer.json; echo startContainer >> /out/order; "
        "echo ns=$(readlink /proc/self/ns/mnt) > /out/start-ns"]}]
    bundle.config["hooks"] = hooks
    bundle.write()
    return out


def test_hook_order_and_state(tong, bundle, tmp_path):
    out = setup_hooks(bundle, tmp_path)
    bundle.set_args("sleep", "30")
    c = cid()
    assert tong("create", "--bundle", bundle.path, c).rc == 0
    pid = tong.state(c)["pid"]
    order = open(os.path.join(out, "order")).read().split()
    assert order == ["prestart", "createRuntime", "createContainer"]
    assert tong("start", c).rc == 0
    assert tong("delete", "-f", c).rc == 0
    order = open(os.path.join(out, "order")).read().split()
    assert order == ["prestart", "createRuntime", "createContainer", "startContainer",
                     "poststart", "poststop"]
    expect = {"prestart": "creating", "createRuntime": "creating", "createContainer": "creating",
              "startContainer": "created", "poststart": "running", "poststop": "stopped"}
    for kind, status in expect.items():
        st = json.load(open(os.path.join(out, kind + ".json")))
        assert st["status"] == status, kind
        assert st["id"] == c
        assert st["bundle"] == bundle.path
        if kind != "poststop":
            assert st["pid"] == pid, kind
    # startContainer ran in the container's mount namespace
    assert open(os.path.join(out, "start-ns")).read().strip() != \
        "ns=" + os.readlink("/proc/self/ns/mnt")
    assert leftovers(tong, c, bundle) == []


def test_failing_prestart_stops_create_and_runs_poststop(tong, bundle, tmp_path):
    out = setup_hooks(bundle, tmp_path)
    bad = host_hook(out, "bad.sh", "echo broken >&2; exit 3")
    bundle.config["hooks"]["prestart"] = [{"path": bad}]
    bundle.write()
    c = cid()
    r = tong("create", "--bundle", bundle.path, c)
    assert r.rc != 0
    assert "prestart hook" in r.err and "exit status 3" in r.err and "broken" in r.err, r.err
    assert leftovers(tong, c, bundle) == []
    order = open(os.path.join(out, "order")).read().split()
    assert order == ["poststop"]


def test_failing_create_container_hook(tong, bundle, tmp_path):
    out = setup_hooks(bundle, tmp_path)
    bad = host_hook(out, "bad.sh", "exit 1")
    bundle.config["hooks"]["createContainer"] = [{"path": bad}]
    bundle.write()
    c = cid()
    r = tong("run", "--bundle", bundle.path, c)
    assert r.rc != 0 and "createContainer hook" in r.err, r.err
    assert leftovers(tong, c, bundle) == []


def test_failing_start_container_hook_destroys(tong, bundle, tmp_path):
    setup_hooks(bundle, tmp_path)
    bundle.config["hooks"]["startContainer"] = [{"path": "/bin/false"}]
    bundle.set_args("sleep", "30")
    c = cid()
    assert tong("create", "--bundle", bundle.path, c).rc == 0
    pid = tong.state(c)["pid"]
    r = tong("start", c)
    assert r.rc != 0 and "startContainer hook" in r.err, r.err
    assert wait_for(lambda: not pid_alive(pid))
    assert leftovers(tong, c, bundle) == []


def test_failing_poststart_hook_destroys(tong, bundle, tmp_path):
    out = setup_hooks(bundle, tmp_path)
    bad = host_hook(out, "bad.sh", "exit 1")
    bundle.config["hooks"]["poststart"] = [{"path": bad}]
    bundle.set_args("sleep", "30")
    c = cid()
    assert tong("create", "--bundle", bundle.path, c).rc == 0
    pid = tong.state(c)["pid"]
    r = tong("start", c)
    assert r.rc != 0 and "poststart hook" in r.err, r.err
    assert wait_for(lambda: not pid_alive(pid))
    assert leftovers(tong, c, bundle) == []


def test_failing_poststop_is_only_a_warning(tong, bundle, tmp_path):
    out = setup_hooks(bundle, tmp_path)
    bad = host_hook(out, "bad.sh", "exit 1")
    good = bundle.config["hooks"]["poststop"][0]
    bundle.config["hooks"]["poststop"] = [{"path": bad}, good]
    bundle.set_args("true")
    c = cid()
    r = tong("run", "--bundle", bundle.path, c)
    assert r.rc == 0, r
    assert "warning" in r.log and "poststop hook" in r.log, r.log
    assert "poststop hook" not in r.err  # with --log, warnings go to the log only
    assert open(os.path.join(out, "order")).read().split()[-1] == "poststop"
    assert leftovers(tong, c, bundle) == []


def test_hook_timeout(tong, bundle, tmp_path):
    out = setup_hooks(bundle, tmp_path)
    slow = host_hook(out, "slow.sh", "sleep 30")
    bundle.config["hooks"]["createRuntime"] = [{"path": slow, "timeout": 1}]
    bundle.write()
    c = cid()
    r = tong("create", "--bundle", bundle.path, c, timeout=20)
    assert r.rc != 0 and "timed out" in r.err, r.err
    assert leftovers(tong, c, bundle) == []


def test_hook_args_and_env(tong, bundle, tmp_path):
    out = setup_hooks(bundle, tmp_path)
    h = host_hook(out, "args.sh", 'echo "$0 $1 $2 $FOO" > "$OUT/args"')
    bundle.config["hooks"] = {"prestart": [{"path": h, "args": ["zero", "one", "two"],
                                            "env": ["FOO=bar", f"OUT={out}"]}]}
    bundle.set_args("true")
    assert tong("run", "--bundle", bundle.path, cid()).rc == 0
    # $0 is the script path for sh; args[1..] come through
    assert open(os.path.join(out, "args")).read().split()[1:] == ["one", "two", "bar"]

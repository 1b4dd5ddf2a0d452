# SPDX-License-Identifier: Apache-2.0
"""create / start / run / kill / delete / state, seen from the CLI and from the host."""
import json
import os
import signal
import subprocess
import time

import pytest

from conftest import TONG, cid, leftovers, pid_alive, wait_for


def add_out_mount(bundle, host_dir, dest="/out"):
    os.makedirs(host_dir, exist_ok=True)
    bundle.config["mounts"].append({"destination": dest, "type": "bind", "source": host_dir,
                                    "options": ["rbind", "rw"]})


def test_run_returns_the_exit_code(tong, bundle):
    bundle.set_args("sh", "-c", "exit 3")
    c = cid()
    r = tong("run", "--bundle", bundle.path, c)
    assert r.rc == 3, r
    assert leftovers(tong, c, bundle) == []


def test_run_killed_by_signal_is_128_plus_n(tong, bundle):
    bundle.set_args("sleep", "60")
    c = cid()
    p = subprocess.Popen(tong.argv("run", "--bundle", bundle.path, c),
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert wait_for(lambda: tong("state", c).rc == 0 and tong.state(c)["status"] == "running")
    assert tong("kill", c, "KILL").rc == 0
    assert p.wait(timeout=20) == 128 + 9
    assert leftovers(tong, c, bundle) == []


def test_stdio_passes_through_untouched(tong, bundle):
    bundle.set_args("sh", "-c", "read x; echo got:$x; echo err >&2; "
                    "readlink /proc/self/fd/0; readlink /proc/self/fd/1")
    p = subprocess.run(tong.argv("run", "--bundle", bundle.path, cid()), input=b"abc\n",
                       capture_output=True, timeout=30)
    assert p.returncode == 0, p
    out = p.stdout.decode()
    assert "got:abc" in out
    assert out.count("pipe:") == 2, out
    assert b"err" in p.stderr


def test_create_start_state_delete(tong, bundle, tmp_path):
    out = str(tmp_path / "out")
    add_out_mount(bundle, out)
    bundle.set_args("sh", "-c", "echo started > /out/ran; sleep 30")
    c = cid()
    pidfile = tmp_path / "pid"
    r = tong("create", "--bundle", bundle.path, "--pid-file", pidfile, c)
    assert r.rc == 0, r
    st = tong.state(c)
    assert st["status"] == "created"
    assert st["id"] == c
    assert st["bundle"] == bundle.path
    assert st["ociVersion"] == "1.3.0"
    pid = st["pid"]
    assert int(open(pidfile).read()) == pid
    assert pid_alive(pid)
    # process.args must not run before start
    time.sleep(0.2)
    assert not os.path.exists(os.path.join(out, "ran"))
    # editing the bundle after create changes nothing
    bundle.set_args("sh", "-c", "echo edited > /out/ran; sleep 30")
    assert tong("start", c).rc == 0
    assert wait_for(lambda: os.path.exists(os.path.join(out, "ran")))
    assert wait_for(lambda: open(os.path.join(out, "ran")).read() == "started\n")
    assert tong.state(c)["status"] == "running"
    assert tong("start", c).rc != 0  # not created any more
    r = tong("delete", c)
    assert r.rc != 0 and "--force" in r.err
    assert tong("kill", c, "KILL").rc == 0
    assert wait_for(lambda: not pid_alive(pid))
    st = tong.state(c)
    assert st["status"] == "stopped"
    assert "pid" not in st
    assert tong("delete", c).rc == 0
    assert leftovers(tong, c, bundle) == []
    assert tong("state", c).rc != 0


def test_delete_a_created_container(tong, bundle):
    bundle.set_args("sleep", "30")
    c = cid()
    assert tong("create", "--bundle", bundle.path, c).rc == 0
    pid = tong.state(c)["pid"]
    assert tong("delete", c).rc == 0
    assert wait_for(lambda: not pid_alive(pid))
    assert leftovers(tong, c, bundle) == []


def test_delete_force_kills_a_running_container(tong, bundle):
    bundle.set_args("sh", "-c", "sleep 60 & sleep 60")
    c = cid()
    assert tong("run", "-d", "--bundle", bundle.path, c).rc == 0
    pid = tong.state(c)["pid"]
    assert tong.state(c)["status"] == "running"
    assert tong("delete", "--force", c).rc == 0
    assert wait_for(lambda: not pid_alive(pid))
    assert leftovers(tong, c, bundle) == []


@pytest.mark.parametrize("sig,trap", [("TERM", "TERM"), ("SIGTERM", "TERM"), ("15", "TERM"),
                                      ("usr1", "USR1"), ("SIGRTMIN+1", "35"), ("RTMIN+1", "35"),
                                      ("9", None), ("KILL", None)])
def test_kill_signal_names_and_numbers(tong, bundle, sig, trap):
    # pid 1 of a pid namespace only gets the signals it has a handler for (and SIGKILL).
    t = f"trap 'exit 0' {trap};" if trap else ""
    bundle.set_args("sh", "-c", t + " while :; do sleep 0.05; done")
    c = cid()
    assert tong("run", "-d", "--bundle", bundle.path, c).rc == 0
    pid = tong.state(c)["pid"]
    time.sleep(0.1)
    assert tong("kill", c, sig).rc == 0
    assert wait_for(lambda: not pid_alive(pid))
    assert tong.state(c)["status"] == "stopped"
    assert tong("delete", c).rc == 0


def test_kill_rejects_unknown_signal_and_stopped_container(tong, bundle):
    bundle.set_args("true")
    c = cid()
    assert tong("create", "--bundle", bundle.path, c).rc == 0
    r = tong("kill", c, "SIGBOGUS")
    assert r.rc != 0 and "unknown signal" in r.err
    assert tong("start", c).rc == 0
    assert wait_for(lambda: tong.state(c)["status"] == "stopped")
    r = tong("kill", c, "KILL")
    assert r.rc != 0 and "not running" in r.err
    assert tong("delete", c).rc == 0


def test_kill_all_reaches_every_process(tong, bundle):
    bundle.config["linux"]["namespaces"] = [n for n in bundle.config["linux"]["namespaces"]
                                            if n["type"] != "pid"]
    bundle.set_args("sh", "-c", "sleep 100 & sleep 100 & sleep 100")
    c = cid()
    assert tong("run", "-d", "--bundle", bundle.path, c).rc == 0
    pid = tong.state(c)["pid"]

    def children():
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True,
                             text=True).stdout.split()
        return [int(x) for x in out]
    kids = wait_for(lambda: len(children()) >= 2 and children())
    assert kids
    assert tong("kill", "--all", c, "KILL").rc == 0
    assert wait_for(lambda: not any(pid_alive(k) for k in kids + [pid]))
    assert tong("delete", c).rc == 0


def test_run_forwards_signals(tong, bundle):
    bundle.set_args("sh", "-c", "trap 'exit 42' TERM; while :; do sleep 0.05; done")
    c = cid()
    p = subprocess.Popen(tong.argv("run", "--bundle", bundle.path, c),
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert wait_for(lambda: tong("state", c).rc == 0 and tong.state(c)["status"] == "running")
    time.sleep(0.2)
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=20) == 42
    assert leftovers(tong, c, bundle) == []


def test_run_detach_and_list(tong, bundle):
    bundle.set_args("sleep", "30")
    c = cid()
    r = tong("run", "--detach", "--bundle", bundle.path, c)
    assert r.rc == 0, r
    lst = json.loads(tong("list", "--format", "json", check=True).out)
    assert [x["id"] for x in lst] == [c]
    assert lst[0]["status"] == "running" and lst[0]["pid"] > 0
    assert tong("list", "-q", check=True).out.split() == [c]
    table = tong("list", check=True).out
    assert c in table and "running" in table
    assert tong("delete", "-f", c).rc == 0


def test_missing_executable_fails_create_and_leaves_nothing(tong, bundle):
    bundle.set_args("no-such-binary")
    c = cid()
    r = tong("run", "--bundle", bundle.path, c)
    assert r.rc != 0
    assert 'exec: "no-such-binary": executable file not found in $PATH' in r.err, r.err
    assert leftovers(tong, c, bundle) == []


def test_terminal_without_console_socket_is_refused_for_create(tong, bundle):
    bundle.config["process"]["terminal"] = True
    bundle.write()
    c = cid()
    r = tong("create", "--bundle", bundle.path, c)
    assert r.rc != 0 and "console-socket" in r.err
    assert leftovers(tong, c, bundle) == []


def test_preserve_fds(tong, bundle, tmp_path):
    bundle.set_args("sh", "-c", "ls /proc/self/fd; cat <&3")
    f = tmp_path / "data"
    f.write_text("preserved\n")
    argv = tong.argv("run", "--preserve-fds", "1", "--bundle", bundle.path, cid())
    p = subprocess.run(["sh", "-c", f'exec "$@" 3<{f}', "sh", *argv], capture_output=True,
                       timeout=30)
    assert p.returncode == 0, p
    lines = p.stdout.decode().split()
    assert "preserved" in lines
    fds = sorted(int(x) for x in lines if x.isdigit())
    assert fds == [0, 1, 2, 3, 4], fds  # 4: the directory ls reads


def test_only_stdio_reaches_the_process(tong, bundle):
    bundle.set_args("sh", "-c", "ls -l /proc/self/fd/ | grep -c -- '->'")
    extra = os.open("/etc/hostname", os.O_RDONLY)  # not CLOEXEC: would leak without care
    os.set_inheritable(extra, True)
    try:
        p = subprocess.run(tong.argv("run", "--bundle", bundle.path, cid()),
                           capture_output=True, timeout=30, close_fds=False)
    finally:
        os.close(extra)
    assert p.returncode == 0, p
    # 0, 1, 2 only
    assert int(p.stdout.decode().split()[-1]) == 3, p.stdout


def test_state_json_matches_the_schema(tong, bundle):
    jsonschema = pytest.importorskip("jsonschema")
    from test_cli import SCHEMA_DIR
    bundle.config["annotations"] = {"org.example.key": "value"}
    bundle.set_args("sleep", "30")
    c = cid()
    assert tong("create", "--bundle", bundle.path, c).rc == 0
    st = tong.state(c)
    schema = json.load(open(os.path.join(SCHEMA_DIR, "state-schema.json")))
    resolver = jsonschema.RefResolver("file://" + SCHEMA_DIR + "/", schema)
    jsonschema.validate(st, schema, resolver=resolver)
    assert st["annotations"] == {"org.example.key": "value"}
    assert tong("delete", c).rc == 0

# SPDX-License-Identifier: Apache-2.0
"""ps: --format json is the array of the container's host pids; the table is ps(1)'s output
(with the given ps options) cut down to the container's processes, as runc does."""
import json
import os

from conftest import wait_for
from test_resources import cg2_dir, cgroup_mounts, create


def procs(pid):
    """The container's cgroup.procs, from any hierarchy it is in."""
    d = cg2_dir(pid)
    if not d or not os.path.exists(os.path.join(d, "cgroup.procs")):
        v1, _ = cgroup_mounts()
        with open(f"/proc/{pid}/cgroup") as f:
            line = next(x for x in f if x.split(":")[1] == "pids")
        d = os.path.join(v1["pids"], line.rstrip("\n").split(":", 2)[2].lstrip("/"))
    with open(os.path.join(d, "cgroup.procs")) as f:
        return sorted(int(x) for x in f.read().split())


def running(tong, bundle):
    pid, c = create(tong, bundle, {}, args=("sh", "-c", "sleep 300 & exec sleep 301"))
    assert tong("start", c).rc == 0
    assert wait_for(lambda: len(procs(pid)) == 2)
    return pid, c


def test_ps_json_is_the_cgroup_pids(tong, bundle):
    pid, c = running(tong, bundle)
    r = tong("ps", "--format", "json", c)
    assert r.rc == 0, r
    pids = json.loads(r.out)
    assert pids == procs(pid) and pid in pids
    assert os.getpid() not in pids


def test_ps_table_default_and_options(tong, bundle):
    pid, c = running(tong, bundle)
    r = tong("ps", c)
    assert r.rc == 0, r
    lines = r.out.splitlines()
    assert lines[0].split()[:3] == ["UID", "PID", "PPID"]  # ps -ef
    body = lines[1:]
    assert len(body) == 2, r.out
    assert any("sleep 300" in x for x in body) and any("sleep 301" in x for x in body)
    assert {int(x.split()[1]) for x in body} == set(procs(pid))
    r = tong("ps", c, "--", "-o", "pid,args")
    assert r.rc == 0, r
    lines = r.out.splitlines()
    assert lines[0].split() == ["PID", "COMMAND"]
    assert sorted(int(x.split()[0]) for x in lines[1:]) == procs(pid)
    # without "--", as runc: everything after the ID goes to ps
    r = tong("ps", "-f", "table", c, "-o", "pid")
    assert r.rc == 0 and len(r.out.splitlines()) == 3, r


def test_ps_errors(tong, bundle):
    pid, c = running(tong, bundle)
    r = tong("ps", "--format", "xml", c)
    assert r.rc != 0 and "xml" in r.err, r
    r = tong("ps", c, "-o", "comm")
    assert r.rc != 0 and "PID" in r.err, r
    r = tong("ps", c, "--no-such-ps-option")
    assert r.rc != 0 and "ps" in r.err, r
    r = tong("ps", "tong-no-such")
    assert r.rc != 0 and "does not exist" in r.err, r

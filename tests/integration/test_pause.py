# SPDX-License-Identifier: Apache-2.0
"""pause / resume: the freezer (v1 freezer.state, v2 cgroup.freeze) stops every process of the
container and lets them go again; the state says "paused"; wrong states are clear errors."""
import os
import time

from conftest import cid, wait_for
from test_resources import cg2_dir, cg_read, owner

COUNTER = "i=0; while :; do i=$((i+1)); echo $i > /tmp/count; usleep 20000; done"


def start_counter(tong, bundle):
    bundle.config["root"]["readonly"] = False
    bundle.set_args("sh", "-c", COUNTER)
    c = cid()
    assert tong("run", "-d", "--bundle", bundle.path, c).rc == 0
    path = os.path.join(bundle.rootfs, "tmp", "count")
    assert wait_for(lambda: os.path.exists(path) and read_count(path) > 0)
    return c, path


def read_count(path):
    try:
        with open(path) as f:
            return int(f.read().strip() or 0)
    except (OSError, ValueError):
        return 0


def freezer(tong, c):
    """freezer.state on v1, cgroup.freeze on v2 (no freezer controller there)."""
    pid = tong.state(c)["pid"]
    if owner("freezer") == 1:
        return cg_read(pid, "freezer", "freezer.state", "")[1]
    d = cg2_dir(pid)
    assert d, "no freezer on this host"
    with open(os.path.join(d, "cgroup.freeze")) as f:
        return f.read().strip()


def test_pause_freezes_and_resume_thaws(tong, bundle):
    c, path = start_counter(tong, bundle)
    assert tong("pause", c).rc == 0
    assert tong.state(c)["status"] == "paused"
    assert freezer(tong, c) in ("FROZEN", "1")
    n = read_count(path)
    time.sleep(0.4)
    assert read_count(path) == n, "the counter went on while paused"
    assert tong("resume", c).rc == 0
    assert tong.state(c)["status"] == "running"
    assert freezer(tong, c) in ("THAWED", "0")
    assert wait_for(lambda: read_count(path) > n + 3)


def test_pause_resume_wrong_states(tong, bundle):
    c, _ = start_counter(tong, bundle)
    r = tong("resume", c)
    assert r.rc != 0 and "not paused" in r.err and c in r.err, r
    assert tong("pause", c).rc == 0
    r = tong("pause", c)
    assert r.rc != 0 and "already paused" in r.err, r
    assert tong.state(c)["status"] == "paused"
    # delete --force of a paused container thaws it so that it can die
    assert tong("delete", "--force", c).rc == 0
    r = tong("pause", "tong-no-such")
    assert r.rc != 0 and "does not exist" in r.err, r


def test_pause_stopped_container(tong, bundle):
    bundle.set_args("true")
    c = cid()
    assert tong("run", "-d", "--bundle", bundle.path, c).rc == 0
    assert wait_for(lambda: tong.state(c)["status"] == "stopped")
    r = tong("pause", c)
    assert r.rc != 0 and "not running" in r.err, r
    r = tong("resume", c)
    assert r.rc != 0 and "not paused" in r.err, r


def test_pause_created_container(tong, bundle):
    # runc pauses a created container too; resuming gives "created" back.
    bundle.set_args("true")
    c = cid()
    assert tong("create", "--bundle", bundle.path, c).rc == 0
    assert tong("pause", c).rc == 0
    assert tong.state(c)["status"] == "paused"
    assert tong("resume", c).rc == 0
    assert tong.state(c)["status"] == "created"

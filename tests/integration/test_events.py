# SPDX-License-Identifier: Apache-2.0
"""events: `--stats` prints one JSON object in runc's shape whose numbers are the cgroup
files'; streaming gives stats every --interval and an "oom" event when the kernel OOM-kills
a process of the container, and ends when the container stops."""
import json
import os
import subprocess
import time

from conftest import TONG, wait_for
from test_resources import MiB, cg_has, cg_read, create, keyed, need, owner


def stats(tong, c):
    r = tong("events", "--stats", c)
    assert r.rc == 0, r
    lines = r.out.splitlines()
    assert len(lines) == 1, r.out
    ev = json.loads(lines[0])
    assert ev["type"] == "stats" and ev["id"] == c
    return ev["data"]


def test_events_stats_shape_and_numbers(tong, bundle):
    need("memory")
    need("pids")
    pid, c = create(tong, bundle, {"memory": {"limit": 64 * MiB}, "pids": {"limit": 20}},
                    args=("sh", "-c", "sleep 300 & exec sleep 301"))
    assert tong("start", c).rc == 0
    d = cg_read(pid, "pids", "pids.current", "pids.current")
    assert wait_for(lambda: cg_read(pid, "pids", "pids.current", "pids.current")[1] == "2"), d
    data = stats(tong, c)
    # runc's types.Stats members, all there
    assert set(data) >= {"cpu", "cpuset", "memory", "pids", "blkio", "hugetlb", "intel_rdt",
                         "network_interfaces"}
    assert set(data["cpu"]) == {"usage", "throttling"}
    assert {"kernel", "user"} <= set(data["cpu"]["usage"])
    assert set(data["memory"]) >= {"usage", "swap", "kernel", "kernelTCP"}
    assert data["network_interfaces"] is None and data["intel_rdt"] == {}
    # the numbers are the files'
    assert data["pids"] == {"current": 2, "limit": 20}
    assert data["memory"]["usage"]["limit"] == 64 * MiB
    assert data["memory"]["usage"]["failcnt"] == 0
    usage = data["memory"]["usage"]["usage"]
    ver, now = cg_read(pid, "memory", "memory.usage_in_bytes", "memory.current")
    assert 0 < usage and abs(usage - int(now)) < 4 * MiB, (usage, now)
    raw = data["memory"]["raw"]
    assert ("total_rss" if ver == 1 else "anon") in raw
    cpu_ver, cpu = cg_read(pid, "cpuacct" if owner("cpuacct") else "cpu", "cpuacct.usage",
                           "cpu.stat")
    total = int(cpu) if cpu_ver == 1 else int(keyed(cpu, "usage_usec")) * 1000
    assert 0 < data["cpu"]["usage"]["total"] <= total
    if owner("hugetlb") and os.path.isdir("/sys/kernel/mm/hugepages/hugepages-2048kB"):
        assert data["hugetlb"]["2MB"]["failcnt"] == 0
    if owner("cpuset"):
        cpus = cg_read(pid, "cpuset", "cpuset.cpus", "cpuset.cpus.effective")[1]
        if cpus:
            assert data["cpuset"]["cpus"][0] == int(cpus.split(",")[0].split("-")[0])


def test_events_oom_is_reported(tong, bundle):
    need("memory")
    res = {"memory": {"limit": 32 * MiB}}
    probe, pc = create(tong, bundle, {})
    if cg_has(probe, "memory", "memory.memsw.limit_in_bytes", "memory.swap.max"):
        res["memory"]["swap"] = 32 * MiB  # no escape into swap
    tong("delete", "-f", pc, check=True)
    # `tail` keeps the "last line" of /dev/zero: it grows until the kernel kills it; the
    # shell (the init) lives on.
    pid, c = create(tong, bundle, res,
                    args=("sh", "-c", "sleep 0.5; tail /dev/zero; sleep 300"))
    ev = subprocess.Popen(tong.argv("events", "--interval", "300ms", c),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert tong("start", c).rc == 0
        seen = []
        deadline = time.monotonic() + 60
        while not any(e["type"] == "oom" for e in seen):
            assert time.monotonic() < deadline, seen
            line = ev.stdout.readline()
            assert line, ev.stderr.read()
            seen.append(json.loads(line))
        assert {"type": "oom", "id": c} in seen
        # the kill is counted where the kernel says so, and stats go on
        v, f = cg_read(pid, "memory", "memory.oom_control", "memory.events")
        assert int(keyed(f, "oom_kill")) >= 1
        line = ev.stdout.readline()
        while json.loads(line)["type"] != "stats":
            line = ev.stdout.readline()
        assert json.loads(line)["data"]["memory"]["usage"]["limit"] == 32 * MiB
        assert tong.state(c)["status"] == "running"
    finally:
        ev.kill()
        ev.wait()


def test_events_stream_ends_with_the_container(tong, bundle):
    pid, c = create(tong, bundle, {}, args=("sleep", "1"))
    assert tong("start", c).rc == 0
    t0 = time.monotonic()
    r = tong("events", "--interval", "200ms", c, timeout=30)
    assert r.rc == 0, r
    assert time.monotonic() - t0 < 10
    lines = [json.loads(x) for x in r.out.splitlines()]
    assert lines and all(e["type"] == "stats" and e["id"] == c for e in lines), r.out


def test_events_errors(tong, bundle):
    pid, c = create(tong, bundle, {}, args=("true",))
    r = tong("events", "--interval", "0s", c)
    assert r.rc != 0 and "--interval" in r.err, r
    r = tong("events", "--interval", "soon", c)
    assert r.rc != 0 and "soon" in r.err, r
    assert tong("start", c).rc == 0
    assert wait_for(lambda: tong.state(c)["status"] == "stopped")
    r = tong("events", "--stats", c)
    assert r.rc != 0 and "not running" in r.err, r
    r = tong("events", "--stats", "tong-no-such")
    assert r.rc != 0 and "does not exist" in r.err, r
    assert TONG

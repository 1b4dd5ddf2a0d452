# SPDX-License-Identifier: Apache-2.0
"""update: runc's flags and -r FILE / -r -, written to the cgroup files of a running container
and recorded in its saved config (so a later update builds on them); checkBeforeUpdate; errors
that name the flag or field."""
import json
import os

from conftest import wait_for
from test_resources import (MiB, cg_dir, cg_has, cg_read, cmdline, create, need, owner,
                            shares_to_weight)


def saved_resources(tong, c):
    with open(os.path.join(tong.root, c, "config.json")) as f:
        return json.load(f)["linux"]["resources"]


def procs_of(pid):
    d = cg_dir(pid, "memory")
    with open(os.path.join(d, "cgroup.procs")) as f:
        return [int(x) for x in f.read().split()]


def start(tong, bundle, resources, args=("sleep", "300")):
    pid, c = create(tong, bundle, resources, args=args)
    assert tong("start", c).rc == 0
    return pid, c


def test_update_flags_change_the_files(tong, bundle):
    need("memory")
    need("pids")
    need("cpu")
    pid, c = start(tong, bundle, {"memory": {"limit": 64 * MiB}, "pids": {"limit": 20},
                                  "cpu": {"shares": 512}})
    r = tong("update", "--memory", "128m", "--memory-reservation", "32M", "--pids-limit", "40",
             "--cpu-share", "2048", "--cpu-quota", "20000", "--cpu-period", "100000", c)
    assert r.rc == 0, r
    ver, lim = cg_read(pid, "memory", "memory.limit_in_bytes", "memory.max")
    assert lim == str(128 * MiB)
    assert cg_read(pid, "memory", "memory.soft_limit_in_bytes", "memory.low")[1] == str(32 * MiB)
    assert cg_read(pid, "pids", "pids.max", "pids.max")[1] == "40"
    if owner("cpu") == 1:
        assert cg_read(pid, "cpu", "cpu.shares", "")[1] == "2048"
        assert cg_read(pid, "cpu", "cpu.cfs_quota_us", "")[1] == "20000"
    else:
        assert cg_read(pid, "cpu", "", "cpu.weight")[1] == str(shares_to_weight(2048))
        assert cg_read(pid, "cpu", "", "cpu.max")[1] == "20000 100000"
    saved = saved_resources(tong, c)
    assert saved["memory"] == {"limit": 128 * MiB, "reservation": 32 * MiB}
    assert saved["pids"] == {"limit": 40}
    assert saved["cpu"] == {"shares": 2048, "quota": 20000, "period": 100000}
    # 0 means "unchanged" for --pids-limit, as in runc
    assert tong("update", "--pids-limit", "0", c).rc == 0
    assert cg_read(pid, "pids", "pids.max", "pids.max")[1] == "40"
    assert tong("update", "--pids-limit", "-1", c).rc == 0
    assert cg_read(pid, "pids", "pids.max", "pids.max")[1] == "max"


def test_update_resources_file_and_stdin(tong, bundle, tmp_path):
    need("pids")
    pid, c = start(tong, bundle, {"pids": {"limit": 20}})
    f = tmp_path / "res.json"
    f.write_text(json.dumps({"pids": {"limit": 55}}))
    # -r wins over the flags
    assert tong("update", "-r", str(f), "--pids-limit", "7", c).rc == 0
    assert cg_read(pid, "pids", "pids.max", "pids.max")[1] == "55"
    r = tong("update", "--resources", "-", c, input=b'{"pids": {"limit": 66}}')
    assert r.rc == 0, r
    assert cg_read(pid, "pids", "pids.max", "pids.max")[1] == "66"
    assert saved_resources(tong, c)["pids"] == {"limit": 66}


def test_update_cpuset(tong, bundle):
    need("cpuset")
    pid, c = start(tong, bundle, {})
    assert tong("update", "--cpuset-cpus", "0", "--cpuset-mems", "0", c).rc == 0
    assert cg_read(pid, "cpuset", "cpuset.cpus", "cpuset.cpus")[1] == "0"
    assert saved_resources(tong, c)["cpu"] == {"cpus": "0", "mems": "0"}


def test_update_memory_keeps_recorded_swap(tong, bundle):
    ver = need("memory")
    pid, c = start(tong, bundle, {"memory": {"limit": 64 * MiB}})
    if not cg_has(pid, "memory", "memory.memsw.limit_in_bytes", "memory.swap.max"):
        return  # no swap accounting: nothing to keep
    assert tong("update", "--memory-swap", "128m", c).rc == 0
    # A new memory limit keeps memory+swap at what was recorded (v2: swap.max = swap - limit).
    assert tong("update", "--memory", "96m", c).rc == 0
    swap = cg_read(pid, "memory", "memory.memsw.limit_in_bytes", "memory.swap.max")[1]
    assert swap == str(128 * MiB if ver == 1 else 32 * MiB)
    assert saved_resources(tong, c)["memory"] == {"limit": 96 * MiB, "swap": 128 * MiB}
    # A limit above the recorded memory+swap is refused with both numbers.
    r = tong("update", "--memory", "256m", c)
    assert r.rc != 0 and "memory.swap" in r.err and str(128 * MiB) in r.err, r
    # -1 lifts both, as runc does
    assert tong("update", "--memory", "-1", c).rc == 0
    assert cg_read(pid, "memory", "memory.limit_in_bytes", "memory.max")[1] in (
        "max", "9223372036854771712")
    assert saved_resources(tong, c)["memory"] == {"limit": -1, "swap": -1}


def test_update_check_before_update(tong, bundle):
    need("memory")
    # ~24 MB of anonymous memory held by the shell; no swap here to push it out.
    hog = "x=$(head -c 24000000 /dev/zero | tr '\\0' a); sleep 300; echo ${#x}"
    pid, c = start(tong, bundle, {"memory": {"limit": 256 * MiB}}, args=("sh", "-c", hog))
    # The shell holds the string once `sleep` runs (while it reads, there are pipes and
    # buffers that go away again).
    assert wait_for(lambda: any("sleep\0" in cmdline(p) for p in procs_of(pid) if p != pid),
                    timeout=20)
    assert int(cg_read(pid, "memory", "memory.usage_in_bytes", "memory.current")[1]) >= \
        20 * MiB
    r = tong("update", "-r", "-", c,
             input=b'{"memory": {"limit": 8388608, "checkBeforeUpdate": true}}')
    assert r.rc != 0, r
    assert cg_read(pid, "memory", "memory.limit_in_bytes", "memory.max")[1] == str(256 * MiB)
    assert saved_resources(tong, c)["memory"] == {"limit": 256 * MiB}
    assert tong.state(c)["status"] == "running"


def test_update_errors_name_the_flag_or_field(tong, bundle, tmp_path):
    need("pids")
    pid, c = start(tong, bundle, {"pids": {"limit": 20}})
    r = tong("update", "--memory", "12zb", c)
    assert r.rc != 0 and "--memory" in r.err and "12zb" in r.err, r
    r = tong("update", "--cpu-quota", "lots", c)
    assert r.rc != 0 and "--cpu-quota" in r.err, r
    r = tong("update", "-r", str(tmp_path / "missing.json"), c)
    assert r.rc != 0 and "missing.json" in r.err, r
    r = tong("update", "-r", "-", c, input=b'{"pids": {"limit": "many"}}')
    assert r.rc != 0 and "pids.limit" in r.err, r
    r = tong("update", "-r", "-", c, input=b'{"pids": ')
    assert r.rc != 0 and "--resources `-`" in r.err and "end of document" in r.err, r
    r = tong("update", "--l3-cache-schema", "L3:0=f", c)
    assert r.rc != 0 and "Intel RDT" in r.err, r
    r = tong("update", "--pids-limit", "5", "tong-no-such")
    assert r.rc != 0 and "does not exist" in r.err, r
    assert cg_read(pid, "pids", "pids.max", "pids.max")[1] == "20"
    assert saved_resources(tong, c)["pids"] == {"limit": 20}


def test_update_ignores_devices(tong, bundle):
    need("pids")
    pid, c = start(tong, bundle, {})
    r = tong("update", "-r", "-", c,
             input=b'{"devices": [{"allow": true, "access": "rwm"}], "pids": {"limit": 9}}')
    assert r.rc == 0 and "devices are ignored" in r.log, r
    assert "devices" not in saved_resources(tong, c)
    assert cg_read(pid, "pids", "pids.max", "pids.max")[1] == "9"


def test_update_stopped_container(tong, bundle):
    pid, c = start(tong, bundle, {}, args=("true",))
    assert wait_for(lambda: tong.state(c)["status"] == "stopped")
    r = tong("update", "--pids-limit", "5", c)
    assert r.rc != 0 and "not running" in r.err, r

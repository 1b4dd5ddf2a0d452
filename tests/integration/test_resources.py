# SPDX-License-Identifier: Apache-2.0
"""linux.resources, field by field: what lands in the container's cgroup files after `create`
on whichever hierarchy owns the controller (hybrid v1 + cgroup2 on our hosts, pure v2 in the
VM), and the behaviour that can be seen from inside (pids.max, device rules).

The layout helpers at the top are shared by test_pause/update/events/ps."""
import math
import os
import subprocess
import time

import pytest

from conftest import cid, wait_for

MiB = 1 << 20
V1_NAME = {"io": "blkio"}  # controller names differ only here


# ---------------------------------------------------------------- layout helpers

def cgroup_mounts():
    """({v1 controller or name=: mountpoint}, cgroup2 mountpoint or None)."""
    v1, v2 = {}, None
    with open("/proc/self/mountinfo") as f:
        for line in f:
            pre, post = line.rstrip("\n").split(" - ", 1)
            mnt = pre.split()[4]
            fstype, _src, sopts = post.split()[:3]
            if fstype == "cgroup":
                for o in sopts.split(","):
                    v1.setdefault(o, mnt)
            elif fstype == "cgroup2" and v2 is None:
                v2 = mnt
    return v1, v2


def owner(ctrl):
    """1 or 2: the hierarchy that owns a controller (v2 names: io, not blkio); None: none."""
    v1, v2 = cgroup_mounts()
    if V1_NAME.get(ctrl, ctrl) in v1:
        return 1
    if v2:
        with open(os.path.join(v2, "cgroup.controllers")) as f:
            if ctrl in f.read().split():
                return 2
    return None


def need(ctrl):
    ver = owner(ctrl)
    if ver is None:
        pytest.skip(f"this host has no {ctrl} controller (v1 or v2)")
    return ver


def cg_dir(pid, ctrl):
    """The cgroup directory of process pid in the hierarchy that owns ctrl."""
    v1, v2 = cgroup_mounts()
    ver = need(ctrl)
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            hid, ctrls, path = line.rstrip("\n").split(":", 2)
            if ver == 1 and V1_NAME.get(ctrl, ctrl) in ctrls.split(","):
                return os.path.join(v1[V1_NAME.get(ctrl, ctrl)], path.lstrip("/"))
            if ver == 2 and hid == "0":
                return os.path.join(v2, path.lstrip("/"))
    raise AssertionError(f"pid {pid} is in no {ctrl} cgroup")


def cg2_dir(pid):
    """The cgroup2 directory of process pid, or None."""
    _, v2 = cgroup_mounts()
    with open(f"/proc/{pid}/cgroup") as f:
        for line in f:
            hid, _, path = line.rstrip("\n").split(":", 2)
            if v2 and hid == "0":
                return os.path.join(v2, path.lstrip("/"))
    return None


def cg_read(pid, ctrl, v1file, v2file):
    """(version, content) of the container's file for ctrl; content None if it is missing."""
    ver = need(ctrl)
    path = os.path.join(cg_dir(pid, ctrl), v1file if ver == 1 else v2file)
    try:
        with open(path) as f:
            return ver, f.read().strip()
    except FileNotFoundError:
        return ver, None


def cg_has(pid, ctrl, v1file, v2file):
    return cg_read(pid, ctrl, v1file, v2file)[1] is not None


def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline") as f:
            return f.read()
    except OSError:
        return ""


def keyed(text, key):
    for line in text.splitlines():
        k, _, v = line.partition(" ")
        if k == key:
            return v
    return None


def create(tong, bundle, resources=None, args=("sleep", "300"), expect_ok=True, c=None):
    """`create` a container with these resources; its init pid (or the Result on failure)."""
    c = c or cid()
    if resources is not None:
        bundle.config["linux"]["resources"] = resources
    bundle.set_args(*args)
    r = tong("create", "--bundle", bundle.path, c)
    if not expect_ok:
        return r
    assert r.rc == 0, r
    return tong.state(c)["pid"], c


def shares_to_weight(shares):
    """cpu.shares -> cpu.weight as runc >= 1.3.2 and crun convert them."""
    if shares <= 2:
        return 1
    if shares >= 262144:
        return 10000
    lg = math.log2(shares)
    return math.ceil(round(10 ** ((lg * lg + 125 * lg) / 612 - 7 / 34), 9))


def block_device():
    """major:minor of some real block device, or None."""
    for d in sorted(os.listdir("/sys/block")):
        if d.startswith(("ram", "zram", "nbd")):
            continue
        try:
            with open(f"/sys/block/{d}/dev") as f:
                return tuple(int(x) for x in f.read().split(":"))
        except OSError:
            continue
    return None


@pytest.fixture
def blockdev():
    """A block device to throttle: the host's, or (the VM has none) a null_blk one."""
    dev = block_device()
    if dev:
        yield dev
        return
    r = subprocess.run(["modprobe", "null_blk", "nr_devices=1"], capture_output=True)
    if r.returncode != 0 or not os.path.exists("/sys/block/nullb0/dev"):
        pytest.skip(f"no block device here, and null_blk cannot be loaded: {r.stderr!r}")
    try:
        with open("/sys/block/nullb0/dev") as f:
            yield tuple(int(x) for x in f.read().split(":"))
    finally:
        subprocess.run(["rmmod", "null_blk"], capture_output=True)


# ---------------------------------------------------------------- memory

def test_memory_limit_reservation_swap(tong, bundle):
    need("memory")
    res = {"memory": {"limit": 64 * MiB, "reservation": 32 * MiB, "swap": 96 * MiB}}
    probe_pid, probe = create(tong, bundle, {})
    swap_ok = cg_has(probe_pid, "memory", "memory.memsw.limit_in_bytes", "memory.swap.max")
    tong("delete", "-f", probe, check=True)
    if not swap_ok:
        del res["memory"]["swap"]  # no swap accounting: covered by the error test below
    pid, _ = create(tong, bundle, res)
    ver, limit = cg_read(pid, "memory", "memory.limit_in_bytes", "memory.max")
    assert limit == str(64 * MiB)
    assert cg_read(pid, "memory", "memory.soft_limit_in_bytes", "memory.low")[1] == str(32 * MiB)
    if swap_ok:
        swap = cg_read(pid, "memory", "memory.memsw.limit_in_bytes", "memory.swap.max")[1]
        # OCI swap is memory+swap; cgroup v2's swap.max is the swap alone.
        assert swap == str(96 * MiB if ver == 1 else 32 * MiB)


def test_memory_knobs_v2_lacks_are_warned_not_failed(tong, bundle):
    ver = need("memory")
    res = {"memory": {"limit": 64 * MiB, "swappiness": 30, "disableOOMKiller": True,
                      "kernel": 32 * MiB, "kernelTCP": 16 * MiB, "useHierarchy": True}}
    pid, c = create(tong, bundle, res)
    log = open(tong.log).read() if os.path.exists(tong.log) else ""
    if ver == 1:
        assert cg_read(pid, "memory", "memory.swappiness", "")[1] == "30"
        oom = cg_read(pid, "memory", "memory.oom_control", "")[1]
        assert keyed(oom, "oom_kill_disable") == "1"
        assert cg_read(pid, "memory", "memory.use_hierarchy", "")[1] == "1"
        assert "memory.kernel" in log  # kernels >= 5.16 have no separate kmem limit
    else:
        for field in ("swappiness", "disableOOMKiller", "kernel"):
            assert field in log, (field, log)


# ---------------------------------------------------------------- cpu, cpuset

def test_cpu_shares_quota_period_burst_idle(tong, bundle):
    need("cpu")
    res = {"cpu": {"shares": 2048, "quota": 50000, "period": 200000, "burst": 1000}}
    probe_pid, probe = create(tong, bundle, {})
    idle_ok = cg_has(probe_pid, "cpu", "cpu.idle", "cpu.idle")
    burst_ok = cg_has(probe_pid, "cpu", "cpu.cfs_burst_us", "cpu.max.burst")
    tong("delete", "-f", probe, check=True)
    if not burst_ok:
        del res["cpu"]["burst"]
    pid, _ = create(tong, bundle, res)
    ver = owner("cpu")
    if ver == 1:
        assert cg_read(pid, "cpu", "cpu.shares", "")[1] == "2048"
        assert cg_read(pid, "cpu", "cpu.cfs_quota_us", "")[1] == "50000"
        assert cg_read(pid, "cpu", "cpu.cfs_period_us", "")[1] == "200000"
    else:
        assert cg_read(pid, "cpu", "", "cpu.weight")[1] == str(shares_to_weight(2048))
        assert cg_read(pid, "cpu", "", "cpu.max")[1] == "50000 200000"
    if burst_ok:
        assert cg_read(pid, "cpu", "cpu.cfs_burst_us", "cpu.max.burst")[1] == "1000"
    if idle_ok:
        # idle replaces the weight: a container of its own
        pid2, _ = create(tong, bundle, {"cpu": {"idle": 1}})
        assert cg_read(pid2, "cpu", "cpu.idle", "cpu.idle")[1] == "1"


def test_cpu_realtime(tong, bundle):
    ver = need("cpu")
    if ver == 2:
        r = create(tong, bundle, {"cpu": {"realtimeRuntime": 1000, "realtimePeriod": 100000}},
                   expect_ok=False)
        assert r.rc != 0 and "realtime" in r.err, r
        return
    probe_pid, probe = create(tong, bundle, {})
    if not cg_has(probe_pid, "cpu", "cpu.rt_period_us", ""):
        pytest.skip("kernel without CONFIG_RT_GROUP_SCHED")
    tong("delete", "-f", probe, check=True)
    pid, _ = create(tong, bundle, {"cpu": {"realtimePeriod": 500000}})
    assert cg_read(pid, "cpu", "cpu.rt_period_us", "")[1] == "500000"
    # The parent holds no realtime budget here: the kernel refuses, the message says where.
    r = create(tong, bundle, {"cpu": {"realtimeRuntime": 1000}}, expect_ok=False)
    assert r.rc != 0 and "cpu.rt_runtime_us" in r.err, r


def test_cpuset_cpus_mems(tong, bundle):
    need("cpuset")
    pid, _ = create(tong, bundle, {"cpu": {"cpus": "0", "mems": "0"}})
    assert cg_read(pid, "cpuset", "cpuset.cpus", "cpuset.cpus")[1] == "0"
    assert cg_read(pid, "cpuset", "cpuset.mems", "cpuset.mems")[1] == "0"
    with open(f"/proc/{pid}/status") as f:
        assert keyed(f.read().replace(":\t", " "), "Cpus_allowed_list") == "0"


# ---------------------------------------------------------------- pids

def test_pids_limit_stops_a_fork_loop(tong, bundle):
    need("pids")
    # busybox sh gives up at the first refused fork: the loop runs in a child shell, and
    # what it started stays behind.
    loop = "for i in $(seq 1 40); do sleep 300 & done"
    pid, c = create(tong, bundle, {"pids": {"limit": 10}},
                    args=("sh", "-c", f"sh -c '{loop}'; exec sleep 301"))
    assert cg_read(pid, "pids", "pids.max", "pids.max")[1] == "10"
    assert tong("start", c).rc == 0
    d = cg_dir(pid, "pids")
    assert wait_for(lambda: int(keyed(open(f"{d}/pids.events").read(), "max")) > 0, timeout=20)
    assert wait_for(lambda: "sleep\0" "301" in cmdline(pid))
    assert int(open(f"{d}/pids.current").read()) <= 10
    if os.path.exists(f"{d}/pids.peak"):
        assert open(f"{d}/pids.peak").read().strip() == "10"
    # Some forks did succeed before the refusal (zombies and half-started children count
    # too, so how many sleeps survive varies).
    assert wait_for(lambda: any("sleep\0" "300" in cmdline(p)
                                for p in open(f"{d}/cgroup.procs").read().split()))


def test_pids_unlimited(tong, bundle):
    need("pids")
    pid, _ = create(tong, bundle, {"pids": {"limit": -1}})
    assert cg_read(pid, "pids", "pids.max", "pids.max")[1] == "max"


# ---------------------------------------------------------------- block IO

def test_blkio_weight(tong, bundle):
    need("io")
    c = cid()
    r = create(tong, bundle, {"blockIO": {"weight": 500}}, expect_ok=False, c=c)
    if r.rc != 0:
        # No weight knob on this host (no BFQ/CFQ, no io.cost): the error says which.
        assert "blockIO.weight" in r.err and "weight" in r.err, r
        return
    d = cg_dir(tong.state(c)["pid"], "io")
    ver = owner("io")
    names = ["blkio.weight", "blkio.bfq.weight"] if ver == 1 else ["io.bfq.weight", "io.weight"]
    name = next(n for n in names if os.path.exists(f"{d}/{n}"))
    val = open(f"{d}/{name}").read()
    want = "500" if name != "io.weight" else str(1 + (500 - 10) * 9999 // 990)
    assert want in val.split(), (name, val)


def test_blkio_throttle(tong, bundle, blockdev):
    need("io")
    major, minor = blockdev
    dev = {"major": major, "minor": minor}
    res = {"blockIO": {"throttleReadBpsDevice": [dict(dev, rate=1048576)],
                       "throttleWriteIOPSDevice": [dict(dev, rate=100)]}}
    pid, _ = create(tong, bundle, res)
    ver = owner("io")
    if ver == 1:
        assert cg_read(pid, "io", "blkio.throttle.read_bps_device", "")[1] == \
            f"{major}:{minor} 1048576"
        assert cg_read(pid, "io", "blkio.throttle.write_iops_device", "")[1] == \
            f"{major}:{minor} 100"
    else:
        line = cg_read(pid, "io", "", "io.max")[1]
        assert line.startswith(f"{major}:{minor} ") and "rbps=1048576" in line and \
            "wiops=100" in line, line
    tong.cleanup()  # before the fixture unloads a null_blk device


def test_blkio_weight_device_and_leaf_weight(tong, bundle, blockdev):
    need("io")
    major, minor = blockdev
    c = cid()
    res = {"blockIO": {"weightDevice": [{"major": major, "minor": minor, "weight": 300}]}}
    r = create(tong, bundle, res, expect_ok=False, c=c)
    if r.rc == 0:
        d = cg_dir(tong.state(c)["pid"], "io")
        files = ["blkio.weight_device", "blkio.bfq.weight_device", "io.bfq.weight", "io.weight"]
        text = " ".join(open(f"{d}/{f}").read() for f in files if os.path.exists(f"{d}/{f}"))
        assert f"{major}:{minor} " in text, text
    else:
        # Per-device weights need a scheduler that keeps them (BFQ) on that disk.
        assert "blockIO.weightDevice" in r.err, r
    r = create(tong, bundle, {"blockIO": {"leafWeight": 300}}, expect_ok=False)
    if owner("io") == 2:
        assert r.rc == 0 and "leafWeight is ignored" in r.log, r
    else:
        # CFQ's leaf weights are gone from current kernels: an error that says so.
        assert r.rc == 0 or "blockIO.leafWeight" in r.err, r
    tong.cleanup()  # before the fixture unloads a null_blk device


# ---------------------------------------------------------------- hugetlb, network, rdma

def test_hugepage_limits(tong, bundle):
    need("hugetlb")
    if not os.path.isdir("/sys/kernel/mm/hugepages/hugepages-2048kB"):
        pytest.skip("no 2MB huge pages on this kernel")
    pid, _ = create(tong, bundle, {"hugepageLimits": [{"pageSize": "2MB", "limit": 4 * MiB}]})
    assert cg_read(pid, "hugetlb", "hugetlb.2MB.limit_in_bytes", "hugetlb.2MB.max")[1] == \
        str(4 * MiB)


@pytest.mark.parametrize("field,res,ctrl,v1file,want", [
    ("network.classID", {"network": {"classID": 0x100001}}, "net_cls", "net_cls.classid",
     str(0x100001)),
    ("network.priorities", {"network": {"priorities": [{"name": "lo", "priority": 5}]}},
     "net_prio", "net_prio.ifpriomap", "lo 5"),
])
def test_network(tong, bundle, field, res, ctrl, v1file, want):
    if owner(ctrl) != 1:
        # cgroup v2 has no network controllers: a clear error, not a silent drop.
        r = create(tong, bundle, res, expect_ok=False)
        assert r.rc != 0 and f"linux.resources.{field}" in r.err and ctrl in r.err, r
        return
    pid, _ = create(tong, bundle, res)
    assert want in cg_read(pid, ctrl, v1file, "")[1].splitlines()


def test_rdma(tong, bundle):
    res = {"rdma": {"tong_no_such_hca": {"hcaHandles": 3, "hcaObjects": 100}}}
    r = create(tong, bundle, res, expect_ok=False)
    # No RDMA hardware anywhere we test: the controller is missing or refuses the device,
    # and the message names the field either way.
    assert r.rc != 0 and "linux.resources.rdma" in r.err, r
    if owner("rdma"):
        assert "rdma.max" in r.err or "tong_no_such_hca" in r.err, r


# ---------------------------------------------------------------- devices

def test_device_rules(tong, bundle):
    for k in ("bounding", "effective", "permitted"):
        bundle.config["process"]["capabilities"][k].append("CAP_MKNOD")
    # 240-254 are local/experimental majors: no driver, so an allowed open fails with ENXIO
    # after the cgroup check, and a denied one with EPERM before it.  The nodes go to the
    # container's /dev (a tmpfs without nodev, unlike the VM's /tmp that holds the rootfs).
    res = {"devices": [{"allow": True, "type": "c", "major": 240, "minor": 0, "access": "rw"}]}
    script = ("mknod /dev/listed c 240 0 && mknod /dev/unlisted c 241 0 && echo made; "
              "cat /dev/listed; cat /dev/unlisted; echo x > /dev/null && echo null-ok")
    bundle.config["linux"]["resources"] = res
    bundle.set_args("sh", "-c", script)
    r = tong("run", "--bundle", bundle.path, cid())
    out = r.out + r.err
    assert "made" in out and "null-ok" in out, r
    assert "can't open '/dev/listed': No such device or address" in out, r
    assert "can't open '/dev/unlisted': Operation not permitted" in out, r


# ---------------------------------------------------------------- unified

def test_unified(tong, bundle):
    v1, v2 = cgroup_mounts()
    if not v2:
        r = create(tong, bundle, {"unified": {"pids.max": "33"}}, expect_ok=False)
        assert r.rc != 0 and "unified" in r.err, r
        return
    if owner("pids") == 2:
        key, ctrl, val = "pids.max", "pids", "33"
    elif owner("hugetlb") == 2:
        key, ctrl, val = "hugetlb.2MB.max", "hugetlb", str(8 * MiB)
    else:
        pytest.skip("no controller is on cgroup v2 here")
    pid, _ = create(tong, bundle, {"unified": {key: val}})
    assert cg_read(pid, ctrl, key, key)[1] == val
    if owner("memory") == 1:
        # A key for a controller that lives on v1 here cannot be honoured.
        r = create(tong, bundle, {"unified": {"memory.high": "100000000"}}, expect_ok=False)
        assert r.rc != 0 and 'unified["memory.high"]' in r.err and "v1" in r.err, r


def test_unified_unknown_file(tong, bundle):
    v1, v2 = cgroup_mounts()
    if not v2:
        pytest.skip("no cgroup v2 hierarchy")
    r = create(tong, bundle, {"unified": {"cgroup.tong_no_such_file": "1"}}, expect_ok=False)
    assert r.rc != 0 and "cgroup.tong_no_such_file" in r.err, r


# ---------------------------------------------------------------- absent fields

def test_absent_fields_keep_kernel_defaults(tong, bundle):
    pid, _ = create(tong, bundle, {})
    unlimited = "9223372036854771712"  # PAGE_COUNTER_MAX pages, as v1 (and hugetlb) show it
    checks = [("memory", "memory.limit_in_bytes", "memory.max", ({unlimited}, {"max"})),
              ("memory", "memory.soft_limit_in_bytes", "memory.low", ({unlimited}, {"0"})),
              ("pids", "pids.max", "pids.max", ({"max"}, {"max"})),
              ("cpu", "cpu.shares", "cpu.weight", ({"1024"}, {"100"})),
              ("cpu", "cpu.cfs_quota_us", "cpu.max", ({"-1"}, {"max 100000"})),
              ("hugetlb", "hugetlb.2MB.limit_in_bytes", "hugetlb.2MB.max",
               ({unlimited}, {"max", unlimited}))]
    seen = 0
    for ctrl, f1, f2, want in checks:
        if not owner(ctrl):
            continue
        ver, val = cg_read(pid, ctrl, f1, f2)
        if val is None:
            continue  # e.g. no 2MB pages
        assert val in want[ver - 1], (ctrl, ver, val)
        seen += 1
    assert seen >= 3, "too few controllers on this host to say anything"

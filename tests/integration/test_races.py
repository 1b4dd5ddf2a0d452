# SPDX-License-Identifier: Apache-2.0
"""Symlink-exchange races on a shared volume (CVE-2021-30465, CVE-2024-45310 class).

A racer swaps directories of a volume that the container mounts, with symlinks pointing at
the host's / or at a sentinel directory, as fast as it can while containers are created.
tong resolves every mount destination inside the rootfs and mounts onto the fd it resolved,
so whatever the racer wins, nothing may land outside: no new host mount, the sentinel
untouched.  Iterations are kept modest for CI; TONG_RACE_ITERATIONS raises them.
"""
import ctypes
import os
import threading

import pytest

from conftest import cid, mounts_mentioning

RENAME_EXCHANGE = 2
libc = ctypes.CDLL(None, use_errno=True)
ITERATIONS = int(os.environ.get("TONG_RACE_ITERATIONS", "300"))


def exchange(a, b):
    return libc.renameat2(-100, a.encode(), -100, b.encode(), RENAME_EXCHANGE) == 0


class Racer(threading.Thread):
    def __init__(self, pairs):
        super().__init__(daemon=True)
        self.pairs = pairs
        self.stop = False
        self.swaps = 0

    def run(self):
        while not self.stop:
            for a, b in self.pairs:
                if exchange(a, b):
                    self.swaps += 1


def host_mounts():
    with open("/proc/self/mountinfo") as f:
        return {l.split()[4] for l in f}


@pytest.mark.parametrize("target", ["/", "sentinel"])
def test_mount_destination_swapped_for_a_symlink(tong, bundle, tmp_path, target):
    vol = tmp_path / "vol"
    vol.mkdir()
    sentinel = tmp_path / "sentinel"
    sentinel.mkdir()
    (sentinel / "marker").write_text("untouched")
    link_target = "/" if target == "/" else str(sentinel)
    pairs = []
    for i in range(8):
        d = vol / f"mnt{i}"
        d.mkdir()
        link = vol / f"link{i}"
        os.symlink(link_target, link)
        pairs.append((str(d), str(link)))
    bundle.config["mounts"].append({"destination": "/vol", "type": "bind",
                                    "source": str(vol), "options": ["rbind", "rw"]})
    for i in range(8):
        bundle.config["mounts"].append({"destination": f"/vol/mnt{i}", "type": "tmpfs",
                                        "source": "tmpfs", "options": ["size=64k"]})
    bundle.set_args("true")
    before = host_mounts()
    racer = Racer(pairs)
    racer.start()
    try:
        for _ in range(ITERATIONS):
            c = cid("race")
            tong("run", "--bundle", bundle.path, c, timeout=30)
            tong("delete", "-f", c)
    finally:
        racer.stop = True
        racer.join()
    assert racer.swaps > 0
    assert host_mounts() == before
    assert sorted(os.listdir(sentinel)) == ["marker"]
    assert (sentinel / "marker").read_text() == "untouched"
    assert mounts_mentioning(str(sentinel)) == []


def test_mkdir_path_swapped_for_a_symlink(tong, bundle, tmp_path):
    """CVE-2024-45310: creating missing mount points must never create host files."""
    vol = tmp_path / "vol"
    vol.mkdir()
    sentinel = tmp_path / "sentinel"
    sentinel.mkdir()
    (vol / "a").mkdir()
    os.symlink(str(sentinel), vol / "b")
    bundle.config["mounts"].append({"destination": "/vol", "type": "bind",
                                    "source": str(vol), "options": ["rbind", "rw"]})
    bundle.config["mounts"].append({"destination": "/vol/a/new/deeper", "type": "tmpfs",
                                    "source": "tmpfs", "options": ["size=64k"]})
    bundle.set_args("true")
    racer = Racer([(str(vol / "a"), str(vol / "b"))])
    racer.start()
    try:
        for _ in range(ITERATIONS):
            c = cid("race")
            tong("run", "--bundle", bundle.path, c, timeout=30)
            tong("delete", "-f", c)
    finally:
        racer.stop = True
        racer.join()
    assert os.listdir(sentinel) == []

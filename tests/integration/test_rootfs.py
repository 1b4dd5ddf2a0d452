# SPDX-License-Identifier: Apache-2.0
"""The container's root filesystem through the real binary: mounts, /dev, masked and read-only
paths, sysctl, and the security.md attack cases (a sentinel directory must stay untouched)."""
import os
import shutil
import tempfile

import pytest

from conftest import cid, leftovers


@pytest.fixture
def sentinel():
    d = tempfile.mkdtemp(prefix="tong-sentinel.", dir="/var/tmp")
    with open(os.path.join(d, "marker"), "w") as f:
        f.write("untouched")
    yield d

    shutil.rmtree(d)


def sentinel_untouched(d):
    assert os.listdir(d) == ["marker"], os.listdir(d)
    assert not os.path.islink(os.path.join(d, "marker"))
    with open(os.path.join(d, "marker")) as f:
        assert f.read() == "untouched"


def replace_with_symlink(bundle, rel, target):
    p = os.path.join(bundle.rootfs, rel)
    if os.path.isdir(p) and not os.path.islink(p):
        shutil.rmtree(p)
    elif os.path.lexists(p):
        os.unlink(p)
    os.symlink(target, p)


def run(tong, bundle, *args):
    bundle.set_args(*args)
    c = cid()
    r = tong("run", "--bundle", bundle.path, c)
    assert leftovers(tong, c, bundle) == []
    return r


def drop_dev_mounts(bundle):
    bundle.config["mounts"] = [m for m in bundle.config["mounts"]
                               if not m["destination"].startswith("/dev")]


CHECK_DEFAULTS = r"""
set -e
for m in /proc /dev /dev/pts /dev/shm /dev/mqueue /sys; do
    grep -q " $m " /proc/self/mountinfo || { echo "no mount $m"; exit 10; }
done
[ "$(stat -c %t:%T /dev/null)" = "1:3" ] || exit 11
[ "$(stat -c %t:%T /dev/tty)" = "5:0" ] || exit 12
[ "$(readlink /dev/ptmx)" = "pts/ptmx" ] || exit 13
[ "$(readlink /dev/fd)" = "/proc/self/fd" ] || exit 14
if touch /rootfs-is-writable 2>/dev/null; then exit 15; fi
if echo x > /proc/sys/kernel/domainname 2>/dev/null; then exit 16; fi
[ "$(stat -c %t:%T /proc/keys)" = "1:3" ] || exit 17
if mkdir /sys/firmware/x 2>/dev/null; then exit 18; fi
if mkdir /sys/x 2>/dev/null; then exit 19; fi
echo ok > /dev/shm/w
echo fine
"""


def test_default_config_rootfs(tong, bundle):
    r = run(tong, bundle, "sh", "-c", CHECK_DEFAULTS)
    assert r.rc == 0 and "fine" in r.out, r


def test_sysctl_lands_in_the_container(tong, bundle):
    host = open("/proc/sys/net/ipv4/ip_forward").read()
    bundle.config["linux"]["sysctl"] = {"net.ipv4.ip_forward": "1"}
    r = run(tong, bundle, "cat", "/proc/sys/net/ipv4/ip_forward")
    assert r.rc == 0 and r.out.strip() == "1", r
    assert open("/proc/sys/net/ipv4/ip_forward").read() == host


def test_sysctl_with_dotdot_is_refused(tong, bundle):
    bundle.config["linux"]["sysctl"] = {"net.//.//.kernel.core_pattern": "x"}
    r = run(tong, bundle, "true")
    assert r.rc != 0


def test_bind_mount_options(tong, bundle, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "f").write_text("hello")
    bundle.config["mounts"].append({"destination": "/data", "type": "bind", "source": str(src),
                                    "options": ["rbind", "ro", "nosuid", "noexec"]})
    bundle.config["mounts"].append({"destination": "/tmpcopy", "type": "tmpfs",
                                    "source": "tmpfs", "options": ["tmpcopyup"]})
    os.makedirs(os.path.join(bundle.rootfs, "tmpcopy"))
    with open(os.path.join(bundle.rootfs, "tmpcopy", "img"), "w") as f:
        f.write("from-image")
    r = run(tong, bundle, "sh", "-c",
            "cat /data/f; if touch /data/x 2>/dev/null; then exit 9; fi; cat /tmpcopy/img; "
            "grep ' /data ' /proc/self/mountinfo")
    assert r.rc == 0, r
    assert "hello" in r.out and "from-image" in r.out
    assert "ro,nosuid" in r.out and "noexec" in r.out


# ---------------------------------------------------------------- security.md cases

def test_proc_symlink_is_refused(tong, bundle):
    """CVE-2019-19921 / CVE-2023-27561."""
    replace_with_symlink(bundle, "proc", "/bad-proc")
    r = run(tong, bundle, "true")
    assert r.rc != 0
    assert "must be mounted on ordinary directory" in r.err, r


def test_mount_point_symlink_out_stays_inside(tong, bundle, sentinel):
    """CVE-2024-45310: /x -> ../../..$S, tmpfs at /x/newdir/sub."""
    replace_with_symlink(bundle, "x", "../../../../../../.." + sentinel)
    bundle.config["mounts"].append({"destination": "/x/newdir/sub", "type": "tmpfs",
                                    "source": "tmpfs", "options": []})
    r = run(tong, bundle, "sh", "-c", "grep -q ' /var/tmp/.*/newdir/sub ' /proc/self/mountinfo")
    assert r.rc == 0, r
    sentinel_untouched(sentinel)


def test_last_component_symlink_stays_inside(tong, bundle, sentinel):
    """CVE-2019-18837: the mount destination itself is a symlink pointing out."""
    replace_with_symlink(bundle, "target", "/../../.." + sentinel + "/pwn")
    bundle.config["mounts"].append({"destination": "/target", "type": "tmpfs",
                                    "source": "tmpfs", "options": []})
    r = run(tong, bundle, "true")
    assert r.rc == 0, r
    sentinel_untouched(sentinel)


@pytest.mark.parametrize("relative", [False, True])
def test_dev_symlink_without_dev_tmpfs(tong, bundle, sentinel, relative):
    """CVE-2026-41579 / CVE-2026-47766."""
    with open(os.path.join(sentinel, "ptmx"), "w") as f:
        f.write("marker")
    drop_dev_mounts(bundle)
    replace_with_symlink(bundle, "dev",
                         ("../../../../../../.." if relative else "") + sentinel)
    r = run(tong, bundle, "true")
    assert r.rc != 0, r
    os.unlink(os.path.join(sentinel, "ptmx"))
    sentinel_untouched(sentinel)


def test_dev_null_symlink_with_default_masked_paths(tong, bundle):
    """CVE-2025-31133: rootfs /dev/null -> core_pattern, no /dev tmpfs."""
    before = open("/proc/sys/kernel/core_pattern").read()
    drop_dev_mounts(bundle)
    replace_with_symlink(bundle, "dev/null", "/proc/sys/kernel/core_pattern")
    r = run(tong, bundle, "true")
    assert r.rc != 0
    assert "/dev/null" in r.err and "1:3" in r.err, r
    assert open("/proc/sys/kernel/core_pattern").read() == before


def test_mounts_over_procfs_files_are_refused(tong, bundle):
    """CVE-2025-52881 gadget."""
    bundle.config["mounts"].append({"destination": "/proc/self/attr/exec", "type": "bind",
                                    "source": "/proc/sys/kernel/core_pattern",
                                    "options": ["bind"]})
    r = run(tong, bundle, "true")
    assert r.rc != 0
    assert "inside /proc" in r.err, r


def test_fake_proc_is_refused(tong, bundle, tmp_path):
    """CVE-2019-16884: a non-procfs directory over /proc."""
    fake = tmp_path / "fakeproc" / "self" / "attr"
    fake.mkdir(parents=True)
    bundle.config["mounts"].append({"destination": "/proc", "type": "bind",
                                    "source": str(tmp_path / "fakeproc"), "options": ["rbind"]})
    r = run(tong, bundle, "true")
    assert r.rc != 0
    assert "not procfs" in r.err, r

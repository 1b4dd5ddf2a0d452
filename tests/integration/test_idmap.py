# SPDX-License-Identifier: Apache-2.0
"""Idmapped mounts: per-mount uidMappings/gidMappings, and idmap with the container's own
user namespace."""
import os

from conftest import cid, leftovers
from test_namespaces import with_userns


def src_dir(tmp_path, uid=0):
    d = tmp_path / "idsrc"
    d.mkdir()
    (d / "f").write_text("x")
    os.chown(d / "f", uid, uid)
    return str(d)


def test_mount_with_its_own_mapping(tong, bundle, tmp_path):
    src = src_dir(tmp_path)
    bundle.config["mounts"].append({
        "destination": "/data", "type": "bind", "source": src, "options": ["rbind", "idmap"],
        "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
        "gidMappings": [{"containerID": 0, "hostID": 2000, "size": 1}]})
    bundle.set_args("stat", "-c", "%u %g", "/data/f")
    c = cid()
    r = tong("run", "--bundle", bundle.path, c)
    assert r.rc == 0, r
    assert r.out.split() == ["1000", "2000"]
    assert os.stat(os.path.join(src, "f")).st_uid == 0  # nothing chowned on disk
    assert leftovers(tong, c, bundle) == []


def test_idmap_with_the_container_user_namespace(tong, bundle, tmp_path):
    src = src_dir(tmp_path)
    with_userns(bundle)
    os.makedirs(os.path.join(bundle.rootfs, "data"))  # unmapped root cannot mkdir it
    bundle.config["mounts"].append({"destination": "/data", "type": "bind", "source": src,
                                    "options": ["rbind", "idmap"]})
    bundle.set_args("stat", "-c", "%u %g", "/data/f")
    r = tong("run", "--bundle", bundle.path, cid())
    assert r.rc == 0, r
    # without the idmap a host-root file would show as the overflow id (65534)
    assert r.out.split() == ["0", "0"]


def test_rootfs_is_not_chowned_for_a_user_namespace(tong, bundle):
    with_userns(bundle)
    bundle.set_args("true")
    before = os.stat(os.path.join(bundle.rootfs, "bin", "busybox")).st_uid
    assert tong("run", "--bundle", bundle.path, cid()).rc == 0
    assert os.stat(os.path.join(bundle.rootfs, "bin", "busybox")).st_uid == before

#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Build the busybox image the engine tests use, without any registry.

    mkimage.py OUTDIR

writes, reproducibly (fixed mtimes and owners):
  OUTDIR/rootfs.tar     busybox-static with every applet hard-linked, /etc/passwd, /etc/group
                        (`podman import`, `docker import`)
  OUTDIR/image.tar      the same rootfs as a one-layer image archive holding both an OCI image
                        layout (index.json: `ctr image import`, `podman load`) and a
                        docker-save manifest.json (`docker load`), named IMAGE below.
Nothing is rewritten when the files are already up to date with the host's busybox.
"""
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile

IMAGE = "localhost/busybox:latest"
BUSYBOX = "/bin/busybox"
MTIME = 946684800  # 2000-01-01: reproducible archives
PASSWD = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
GROUP = "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n"
DIRS = {"bin": 0o755, "sbin": 0o755, "usr": 0o755, "usr/bin": 0o755, "usr/sbin": 0o755,
        "etc": 0o755, "dev": 0o755, "proc": 0o555, "sys": 0o555, "tmp": 0o1777,
        "root": 0o700, "var": 0o755, "run": 0o755}


def _info(name, kind, mode, size=0, link=""):
    ti = tarfile.TarInfo(name)
    ti.type, ti.mode, ti.size, ti.linkname = kind, mode, size, link
    ti.mtime, ti.uid, ti.gid, ti.uname, ti.gname = MTIME, 0, 0, "root", "root"
    return ti


def rootfs_tar():
    """The rootfs as an uncompressed tar, in memory."""
    applets = subprocess.run([BUSYBOX, "--list-full"], check=True, capture_output=True,
                             text=True).stdout.split()
    with open(BUSYBOX, "rb") as f:
        bb = f.read()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for d, mode in sorted(DIRS.items()):
            t.addfile(_info(d, tarfile.DIRTYPE, mode))
        t.addfile(_info("bin/busybox", tarfile.REGTYPE, 0o755, len(bb)), io.BytesIO(bb))
        for a in sorted(set(applets)):
            if a != "bin/busybox" and "/" in a:
                t.addfile(_info(a, tarfile.LNKTYPE, 0o755, link="bin/busybox"))
        for name, text in (("etc/passwd", PASSWD), ("etc/group", GROUP)):
            data = text.encode()
            t.addfile(_info(name, tarfile.REGTYPE, 0o644, len(data)), io.BytesIO(data))
    return buf.getvalue()


def _blob(t, data):
    digest = hashlib.sha256(data).hexdigest()
    t.addfile(_info(f"blobs/sha256/{digest}", tarfile.REGTYPE, 0o644, len(data)),
              io.BytesIO(data))
    return digest


def image_tar(layer):
    ldigest = hashlib.sha256(layer).hexdigest()
    config = json.dumps({
        "architecture": "amd64", "os": "linux", "created": "2000-01-01T00:00:00Z",
        "config": {"Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["sh"]},
        "rootfs": {"type": "layers", "diff_ids": [f"sha256:{ldigest}"]},
        "history": [{"created": "2000-01-01T00:00:00Z", "created_by": "tong mkimage.py"}],
    }, sort_keys=True).encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for d in ("blobs", "blobs/sha256"):
            t.addfile(_info(d, tarfile.DIRTYPE, 0o755))
        _blob(t, layer)
        cdigest = _blob(t, config)
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": f"sha256:{cdigest}", "size": len(config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                        "digest": f"sha256:{ldigest}", "size": len(layer)}],
        }, sort_keys=True).encode()
        mdigest = _blob(t, manifest)
        index = json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "digest": f"sha256:{mdigest}", "size": len(manifest),
                           "annotations": {"io.containerd.image.name": IMAGE,
                                           "org.opencontainers.image.ref.name": "latest"}}],
        }, sort_keys=True).encode()
        docker = json.dumps([{"Config": f"blobs/sha256/{cdigest}", "RepoTags": [IMAGE],
                              "Layers": [f"blobs/sha256/{ldigest}"]}]).encode()
        for name, data in (("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'),
                           ("index.json", index), ("manifest.json", docker)):
            t.addfile(_info(name, tarfile.REGTYPE, 0o644, len(data)), io.BytesIO(data))
    return buf.getvalue()


def _write_if_changed(path, data):
    try:
        with open(path, "rb") as f:
            if f.read() == data:
                return
    except FileNotFoundError:
        pass
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)


def build(outdir):
    """Write OUTDIR/rootfs.tar and OUTDIR/image.tar; returns their paths."""
    os.makedirs(outdir, exist_ok=True)
    layer = rootfs_tar()
    paths = os.path.join(outdir, "rootfs.tar"), os.path.join(outdir, "image.tar")
    _write_if_changed(paths[0], layer)
    _write_if_changed(paths[1], image_tar(layer))
    return paths


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: mkimage.py OUTDIR")
    for p in build(sys.argv[1]):
        print(p)

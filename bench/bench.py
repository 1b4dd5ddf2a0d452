#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Time `RUNTIME run` of /bin/true on one busybox bundle: tong against Debian's crun and runc.

Runs are interleaved (tong, crun, runc, tong, ...; the order shuffled each round) so that
machine noise hits every runtime alike.  For each runtime: the median and p90 wall time of a
whole `run` (create + start + wait + delete), the peak RSS of the runtime process tree
(ru_maxrss from wait4), and the ratios against tong.  Must run as root.

crun 1.8.1 cannot handle this host's hybrid cgroup layout (hugetlb on cgroup2) and rejects
ociVersion 1.3.0: the bundle says 1.0.2, and crun runs with --cgroup-manager=disabled unless
--crun-hugetlb-v1 is given, which mounts a v1 hugetlb hierarchy at /run/cgx/hugetlb (this
changes the host's layout until reboot: never in CI).  The report says which was used.
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def make_bundle(path, tong):
    subprocess.run([os.path.join(REPO, "scripts", "make-bundle"), path, "/bin/true"],
                   check=True, env={**os.environ, "TONG": tong})
    cfg_path = os.path.join(path, "config.json")
    cfg = json.load(open(cfg_path))
    cfg["ociVersion"] = "1.0.2"  # crun 1.8.1 refuses 1.3.0
    # crun 1.8.1 refuses to mount cgroupfs on this hybrid host even with cgroups disabled:
    # the bundle has no /sys/fs/cgroup mount, for every runtime alike.
    cfg["mounts"] = [m for m in cfg["mounts"] if m["destination"] != "/sys/fs/cgroup"]
    json.dump(cfg, open(cfg_path, "w"), indent=2)


def build_spawn(work):
    exe = os.path.join(work, "spawn")
    subprocess.run(["cc", "-O2", "-static", "-o", exe, os.path.join(HERE, "spawn.c")],
                   check=True)
    return exe


def run_once(spawn, argv):
    """Through the static spawn helper: its wait4 sees only the runtime's own peak RSS."""
    p = subprocess.run([spawn] + argv, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True)
    ns, rss, code = p.stdout.split()
    return int(ns) / 1e9, int(rss), int(code), p.stderr


def pct(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--rounds", type=int, default=100)
    ap.add_argument("--tong", default=os.path.join(REPO, "build", "src", "cli", "tong"))
    ap.add_argument("--crun-hugetlb-v1", action="store_true",
                    help="mount hugetlb v1 so crun can use cgroups (changes the host!)")
    ap.add_argument("--only", default="", help="comma list of runtimes to run")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench: must run as root")

    work = tempfile.mkdtemp(prefix="tong-bench-")
    bundle = os.path.join(work, "bundle")
    make_bundle(bundle, args.tong)
    spawn = build_spawn(work)

    crun_note = "crun: --cgroup-manager=disabled (no cgroup work)"
    crun_global = ["--cgroup-manager=disabled"]
    if args.crun_hugetlb_v1:
        os.makedirs("/run/cgx/hugetlb", exist_ok=True)
        if not os.path.ismount("/run/cgx/hugetlb"):
            subprocess.run(["mount", "-t", "cgroup", "-o", "hugetlb", "none",
                            "/run/cgx/hugetlb"], check=True)
        crun_note, crun_global = "crun: cgroupfs, hugetlb moved to v1", []

    runtimes = {"tong": [args.tong]}
    if shutil.which("crun"):
        runtimes["crun"] = [shutil.which("crun")] + crun_global
    if shutil.which("runc"):
        runtimes["runc"] = [shutil.which("runc")]
    if args.only:
        runtimes = {k: v for k, v in runtimes.items() if k in args.only.split(",")}

    # Runtime state on a tmpfs, as /run is on most hosts (on this one / is ext4 and /run
    # is not a separate mount): every runtime's root goes there alike.
    os.makedirs("/run/tong-bench", exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0700", "tong-bench", "/run/tong-bench"],
                   check=True)
    times = {k: [] for k in runtimes}
    rss = {k: [] for k in runtimes}
    for i in range(args.rounds):
        order = list(runtimes)
        random.shuffle(order)
        for rt in order:
            root = os.path.join("/run/tong-bench", rt)  # tmpfs, as engines use
            argv = runtimes[rt] + ["--root", root, "run", "--bundle", bundle, f"b{i}"]
            dt, maxrss, code, err = run_once(spawn, argv)
            if code != 0:
                sys.exit(f"bench: {rt} failed (exit {code}): {err.strip()}")
            times[rt].append(dt)
            rss[rt].append(maxrss)

    base = statistics.median(times["tong"]) if "tong" in times else None
    print(f"{args.rounds} interleaved runs of `run /bin/true` (busybox bundle), {crun_note}")
    print(f"{'runtime':8} {'median ms':>10} {'p90 ms':>8} {'peak RSS KiB':>13} {'vs tong':>8}")
    for rt in runtimes:
        med = statistics.median(times[rt])
        ratio = f"{med / base:.2f}x" if base else "-"
        print(f"{rt:8} {med * 1000:10.2f} {pct(times[rt], 0.9) * 1000:8.2f} "
              f"{max(rss[rt]):13d} {ratio:>8}")
    if base and "crun" in times:
        print(f"tong/crun time ratio: {base / statistics.median(times['crun']):.2f} "
              f"(target <= 0.50)")
    if "tong" in rss:
        print(f"tong peak RSS: {max(rss['tong'])} KiB (target <= 2048 KiB)")
    subprocess.run(["umount", "/run/tong-bench"], check=False)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

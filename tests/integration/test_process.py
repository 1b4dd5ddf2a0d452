# SPDX-License-Identifier: Apache-2.0
"""process.*: args, env, cwd, user, capabilities, rlimits, noNewPrivileges, oomScoreAdj, ..."""
import os

import pytest

from conftest import cid, leftovers


def run_out(tong, bundle, *args):
    bundle.set_args(*args)
    r = tong("run", "--bundle", bundle.path, cid())
    assert r.rc == 0, r
    return r.out


def status_field(text, field):
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return line.split(":", 1)[1].split()
    raise KeyError(field)


def test_args_use_the_container_path(tong, bundle):
    bundle.config["process"]["env"] = ["PATH=/usr/bin:/bin", "FOO=bar baz"]
    out = run_out(tong, bundle, "sh", "-c", 'echo "$FOO|$PATH"')
    assert out.strip() == "bar baz|/usr/bin:/bin"


def test_env_is_exactly_the_configured_one(tong, bundle):
    bundle.config["process"]["env"] = ["A=1", "PATH=/bin"]
    out = run_out(tong, bundle, "env")
    assert sorted(out.split()) in (["A=1", "PATH=/bin"], ["A=1", "PATH=/bin", "PWD=/"]), out


def test_cwd(tong, bundle):
    bundle.config["process"]["cwd"] = "/tmp"
    assert run_out(tong, bundle, "pwd").strip() == "/tmp"


def test_cwd_is_created_when_missing(tong, bundle):
    bundle.config["root"]["readonly"] = False
    bundle.config["process"]["cwd"] = "/work/dir"
    r = None
    bundle.set_args("pwd")
    r = tong("run", "--bundle", bundle.path, cid())
    # runc creates a missing cwd; either that or a clear error naming process.cwd
    assert (r.rc == 0 and r.out.strip() == "/work/dir") or "process.cwd" in r.err, r


@pytest.mark.parametrize("n", [3, 4, 5, 7, 10])
def test_cwd_via_leaked_fd_cannot_escape(tong, bundle, n):
    # CVE-2024-21626: a cwd of /proc/self/fd/N must never leave the process outside the root
    bundle.config["process"]["cwd"] = f"/proc/self/fd/{n}"
    bundle.set_args("sh", "-c", "pwd; ls ../../../ 2>&1 | head -3")
    c = cid()
    r = tong("run", "--bundle", bundle.path, c)
    if r.rc == 0:
        assert r.out.splitlines()[0].startswith("/"), r.out
        assert "(unreachable)" not in r.out
    else:
        assert "cwd" in r.err, r.err
    assert leftovers(tong, c, bundle) == []


def test_user_uid_gid_groups_umask(tong, bundle):
    bundle.config["process"]["user"] = {"uid": 1000, "gid": 1001, "additionalGids": [5, 6],
                                        "umask": 0o027}
    out = run_out(tong, bundle, "sh", "-c", "cat /proc/self/status; umask")
    assert status_field(out, "Uid") == ["1000"] * 4
    assert status_field(out, "Gid") == ["1001"] * 4
    assert status_field(out, "Groups") == ["5", "6"]
    assert out.strip().splitlines()[-1] == "0027"


def test_empty_additional_gids_drops_runtime_groups(tong, bundle):
    bundle.config["process"]["user"] = {"uid": 0, "gid": 0, "additionalGids": []}
    out = run_out(tong, bundle, "cat", "/proc/self/status")
    assert status_field(out, "Groups") == []


@pytest.mark.parametrize("uid", [2147483648, 4294967294])
def test_large_uids_are_exact(tong, bundle, uid):
    # CVE-2024-40635: never wrap to 0
    bundle.config["process"]["user"] = {"uid": uid, "gid": uid}
    out = run_out(tong, bundle, "cat", "/proc/self/status")
    assert status_field(out, "Uid") == [str(uid)] * 4


def caps_hex(names):
    from ctypes import c_uint64
    bits = {"CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_KILL": 5, "CAP_NET_BIND_SERVICE": 10,
            "CAP_NET_RAW": 13, "CAP_SYS_ADMIN": 21, "CAP_AUDIT_WRITE": 29}
    v = 0
    for n in names:
        v |= 1 << bits[n]
    return f"{c_uint64(v).value:016x}"


def test_capabilities_exact(tong, bundle):
    caps = ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    bundle.config["process"]["capabilities"] = {"bounding": caps, "effective": caps,
                                                "permitted": caps}
    out = run_out(tong, bundle, "cat", "/proc/self/status")
    assert status_field(out, "CapBnd") == [caps_hex(caps)]
    assert status_field(out, "CapEff") == [caps_hex(caps)]
    assert status_field(out, "CapPrm") == [caps_hex(caps)]
    # CVE-2022-29162: nothing inheritable or ambient unless asked
    assert status_field(out, "CapInh") == ["0" * 16]
    assert status_field(out, "CapAmb") == ["0" * 16]


def test_capability_the_host_lacks_is_a_warning(tong, bundle):
    caps = ["CAP_CHOWN", "CAP_SYS_RESOURCE"]  # this host's bounding set lacks SYS_RESOURCE
    bundle.config["process"]["capabilities"] = {"bounding": caps, "effective": caps,
                                                "permitted": caps}
    bundle.set_args("true")
    r = tong("run", "--bundle", bundle.path, cid())
    assert r.rc == 0, r
    if "CAP_SYS_RESOURCE" not in open("/proc/self/status").read() and \
            int(status_field(open("/proc/self/status").read(), "CapBnd")[0], 16) & (1 << 24):
        return
    assert "CAP_SYS_RESOURCE" in r.log and "warning" in r.log, r.log


def test_unknown_capability_name_is_a_warning(tong, bundle):
    bundle.config["process"]["capabilities"] = {"bounding": ["CAP_CHOWN", "CAP_BOGUS"]}
    bundle.set_args("true")
    r = tong("run", "--bundle", bundle.path, cid())
    assert r.rc == 0, r
    assert "CAP_BOGUS" in r.log, r.log


def test_no_capabilities_object_means_none(tong, bundle):
    del bundle.config["process"]["capabilities"]
    out = run_out(tong, bundle, "cat", "/proc/self/status")
    assert status_field(out, "CapEff") == ["0" * 16]


def test_rlimits_exact(tong, bundle):
    bundle.config["process"]["rlimits"] = [
        {"type": "RLIMIT_NOFILE", "soft": 512, "hard": 2048},
        {"type": "RLIMIT_CORE", "soft": 0, "hard": 18446744073709551615},
        {"type": "RLIMIT_NPROC", "soft": 100, "hard": 200},
    ]
    out = run_out(tong, bundle, "cat", "/proc/self/limits")
    rows = {l[:26].strip(): l[26:].split() for l in out.splitlines()[1:]}
    assert rows["Max open files"][:2] == ["512", "2048"]
    assert rows["Max core file size"][:2] == ["0", "unlimited"]
    assert rows["Max processes"][:2] == ["100", "200"]


def test_rlimit_above_the_host_hard_limit_is_a_clear_error(tong, bundle):
    bundle.config["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "soft": 1048576,
                                            "hard": 1048576}]
    bundle.set_args("true")
    c = cid()
    r = tong("run", "--bundle", bundle.path, c)
    if r.rc == 0:
        pytest.skip("this host allows raising RLIMIT_NOFILE")
    assert "RLIMIT_NOFILE" in r.err and "process.rlimits" in r.err, r.err
    assert leftovers(tong, c, bundle) == []


def test_no_new_privileges(tong, bundle):
    bundle.config["process"]["noNewPrivileges"] = True
    assert status_field(run_out(tong, bundle, "cat", "/proc/self/status"), "NoNewPrivs") == ["1"]
    bundle.config["process"]["noNewPrivileges"] = False
    assert status_field(run_out(tong, bundle, "cat", "/proc/self/status"), "NoNewPrivs") == ["0"]


def test_oom_score_adj_set_and_untouched(tong, bundle):
    bundle.config["process"]["oomScoreAdj"] = 500
    assert run_out(tong, bundle, "cat", "/proc/self/oom_score_adj").strip() == "500"
    del bundle.config["process"]["oomScoreAdj"]
    mine = open("/proc/self/oom_score_adj").read().strip()
    assert run_out(tong, bundle, "cat", "/proc/self/oom_score_adj").strip() == mine


def test_personality_linux32(tong, bundle):
    bundle.config["linux"]["personality"] = {"domain": "LINUX32"}
    assert run_out(tong, bundle, "uname", "-m").strip() in ("i686", "i386")


def test_scheduler_and_ioprio(tong, bundle):
    bundle.config["process"]["scheduler"] = {"policy": "SCHED_BATCH", "nice": 5}
    bundle.config["process"]["ioPriority"] = {"class": "IOPRIO_CLASS_IDLE", "priority": 0}
    out = run_out(tong, bundle, "cat", "/proc/self/stat")
    fields = out.rsplit(")", 1)[1].split()
    assert fields[16] == "5"  # nice (field 19)
    assert fields[38] == "3"  # policy (field 41): SCHED_BATCH


def test_process_is_session_leader_without_tty(tong, bundle):
    out = run_out(tong, bundle, "cat", "/proc/self/stat")
    fields = out.rsplit(")", 1)[1].split()
    # field 6 (session) == field 1 (pid) of the exec'd cat? cat is pid 1 in the pid ns
    assert fields[4] == "0"  # tty_nr: no controlling terminal

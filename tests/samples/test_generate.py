"""The generator: deterministic, every format present, sizes and the CLI."""

from __future__ import annotations

import hashlib
import json
import tarfile

import pytest
from click.testing import CliRunner

from clpkit import samples
from clpkit.cli import main

#: Files every mirror server of the sample has (paths under the server's root).
EXPECTED = [
    "perf/disk/nmp1.cur", "perf/disk/nmp1.pre",
    "log/system/system.cur", "log/system/system.pre",
    "perf/cluster/group/group.cur", "perf/cluster/group/fip.cur", "perf/cluster/group/md.cur", "perf/cluster/group/exec.cur",
    "perf/cluster/monitor/genw.cur", "perf/cluster/monitor/mdw.cur", "perf/cluster/monitor/mdw.pre",
    "perf/cluster/monitor/fipw.cur", "perf/cluster/monitor/userw.cur", "perf/cluster/monitor/userw.pre",
    "log/rc.log.cur", "log/rm.log.cur", "log/nm.log.cur", "log/nm.log.pre", "log/pm.log.cur", "log/mdagent.log.cur",
    "log/rm.err.cur", "log/elog_rm0.tar.gz",
    *[f"log/init_{svc}.{a}.cur" for svc in ("evt", "trn", "md", "main", "webmgr", "alert") for a in ("start", "stop")],
    "alert/log/alertlog.alt", "var/log/messages", "var/log/messages-20260101",
    "etc/clp.conf", "clpstat.txt", "clpmdstat_md1.txt",
]


def _digests(root):
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("server", ["sv1", "sv2"])
def test_every_format_is_present(bundle, server):
    missing = [p for p in EXPECTED if not (bundle / server / p).is_file()]
    assert not missing
    assert (bundle / "sv1/log/elog_rc0.tar.gz").is_file()  # exec1 failed to stop on sv1
    assert (bundle / "sv1/log/rc.err.cur").is_file()


def test_rotated_generations_respect_the_size(bundle):
    limit = int(1.5 * 1024 * 1024)
    for path in bundle.rglob("*.pre"):
        assert path.stat().st_size <= limit + 2048, path  # a generation closes on the line that reaches the size
        assert path.with_suffix(".cur").is_file()


def test_same_arguments_same_bytes(tmp_path):
    a = samples.generate(tmp_path / "a", days=1, rotate_mb=0.5)
    b = samples.generate(tmp_path / "b", days=1, rotate_mb=0.5)
    for name in ("sv1.tar.gz", "sv2.tar.gz"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    c = samples.generate(tmp_path / "c", days=1, rotate_mb=0.5, seed=1)
    assert (a / "sv1.tar.gz").read_bytes() != (c / "sv1.tar.gz").read_bytes()


def test_folders_and_archives_hold_the_same_files(tmp_path):
    d = samples.generate(tmp_path / "d", days=1, rotate_mb=0.5, archive=False)
    a = samples.generate(tmp_path / "a", days=1, rotate_mb=0.5)
    with tarfile.open(a / "sv2.tar.gz") as tar:
        members = {m.name.removeprefix("sv2/"): tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    on_disk = {p.relative_to(d / "sv2").as_posix(): p.read_bytes() for p in (d / "sv2").rglob("*") if p.is_file()}
    assert members.keys() == on_disk.keys()
    assert all(members[k] == on_disk[k] for k in members if not k.endswith(".tar.gz"))


def test_archive_members_are_safe_and_owned_by_root(tmp_path):
    a = samples.generate(tmp_path, days=1, rotate_mb=0.5)
    with tarfile.open(a / "sv1.tar.gz") as tar:
        for m in tar.getmembers():
            assert (m.name == "sv1" or m.name.startswith("sv1/")) and ".." not in m.name
            assert (m.uname, m.uid) == ("root", 0)
            assert m.isfile() or m.isdir()


def test_extra_servers_run_userw_but_hold_no_mirror(tmp_path):
    out = samples.generate(tmp_path, servers=3, days=1, rotate_mb=0.5, archive=False)
    assert (out / "sv3/log/system/system.cur").is_file()
    assert (out / "sv3/perf/cluster/monitor/userw.cur").is_file()
    assert not (out / "sv3/perf/disk").exists()
    assert "sv3" in (out / "sv1/etc/clp.conf").read_bytes().decode("euc_jp")


def test_cli_writes_and_prints_the_incident(tmp_path):
    result = CliRunner().invoke(main, ["samples", "--out", str(tmp_path), "--days", "1", "--rotate-mb", "0.5", "--dir"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["incident"]["group"] == "failover1"
    assert info["incident"]["offsets"] == {"sv1": 0.0, "sv2": 4.0}
    assert (tmp_path / "sv2" / "clpstat.txt").is_file()


def test_cli_refuses_a_single_server(tmp_path):
    result = CliRunner().invoke(main, ["samples", "--out", str(tmp_path), "--servers", "1"])
    assert result.exit_code == 2
    assert "servers" in result.output


def test_window_always_holds_the_incident():
    for days in (1, 2, 3, 7, 30):
        start, end = samples.window(days)
        assert start <= samples.INCIDENT.burst_start and samples.INCIDENT.mirror_recovery_end < end
    with pytest.raises(ValueError):
        samples.window(0)


def test_full_size_fills_the_previous_generation(tmp_path):
    full = samples.generate(tmp_path / "full", days=1, rotate_mb=0.5, archive=False)
    lean = samples.generate(tmp_path / "lean", days=1, rotate_mb=0.5, archive=False, full_size=False)
    pre = full / "sv1/perf/disk/nmp1.pre"
    assert pre.stat().st_size > 0.45 * 1024 * 1024
    assert not (lean / "sv1/perf/disk/nmp1.pre").exists()
    first = (lean / "sv1/perf/disk/nmp1.cur").read_text().splitlines()[1]
    assert first.startswith('"2026/01/01 00:00:17"')

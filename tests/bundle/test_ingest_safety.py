"""clpkit ingest keeps what it does not see, writes whole files only, one writer at a time, no litter."""

from __future__ import annotations

import errno
import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from clpkit.ingest import LOCK, MANIFEST, ingest, read_table
from bundle_fixtures import mirror_csv, mirror_rows, pack, write_server


def clpkit_cli(*args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clpkit", *args], capture_output=True, text=True, env=env)


def one_line_error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    return done.stderr


def servers_in(out: Path) -> list[str]:
    return sorted(read_table(out, "mirror_stats").select("server").unique().collect()["server"])


def test_servers_ingested_one_after_the_other_are_all_kept(tmp_path):
    sv1 = pack(write_server(tmp_path / "src" / "sv1"), tmp_path / "sv1.tar.gz", "sv1/")
    sv2 = pack(write_server(tmp_path / "src" / "sv2", cur=(20, 5)), tmp_path / "sv2.tar.gz", "sv2/")
    out = tmp_path / "ds"
    first = clpkit_cli("ingest", str(sv1), "--out", str(out))
    assert first.returncode == 0, first.stderr
    second = clpkit_cli("ingest", str(sv2), "--out", str(out))
    assert second.returncode == 0, second.stderr
    assert servers_in(out) == ["sv1", "sv2"], "the second collection must not delete the first server"
    assert '"servers": ["sv2", "sv1"]' in second.stdout
    again = clpkit_cli("ingest", str(sv1), "--out", str(out))
    assert again.returncode == 0 and servers_in(out) == ["sv1", "sv2"]
    rows = read_table(out, "mirror_stats").group_by("server").len().sort("server").collect().rows()
    assert rows == [("sv1", 15), ("sv2", 16)], "re-ingesting sv1 neither doubles nor loses rows"

    pruned = clpkit_cli("ingest", str(sv2), "--out", str(out), "--prune")
    assert pruned.returncode == 0, pruned.stderr
    assert servers_in(out) == ["sv2"], "--prune removes the servers this input lacks"
    assert not list(out.glob("*/cluster=*/server=sv1"))


def test_a_second_ingest_on_the_same_out_refuses_with_one_line(tmp_path):
    src = write_server(tmp_path / "sv1")
    out = tmp_path / "ds"
    out.mkdir()
    with open(out / LOCK, "a+") as held:  # what a running ingest holds
        fcntl.flock(held, fcntl.LOCK_EX)
        blocked = clpkit_cli("ingest", str(src), "--out", str(out))
        assert "another clpkit ingest is writing this dataset" in one_line_error(blocked)
        assert not (out / MANIFEST).exists()
    done = clpkit_cli("ingest", str(src), "--out", str(out))
    assert done.returncode == 0, done.stderr


def _no_partial_files(out: Path) -> None:
    assert not [p for p in out.rglob("*") if p.name.startswith(".tmp-")], "a temporary file was left"
    for part in out.rglob("*.parquet"):
        pl.read_parquet(part)  # every part on disk is whole


def _tmpfs(path: Path, size: str) -> bool:
    path.mkdir()
    if os.geteuid() != 0:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


def test_a_full_disk_leaves_whole_parts_and_one_line(tmp_path):
    src = write_server(tmp_path / "sv1", cur=(10, 20_000), pre=None)  # a part of some hundred KB
    small = tmp_path / "small"
    if _tmpfs(small, "96k"):  # a real full file system
        try:
            done = clpkit_cli("ingest", str(src), "--out", str(small / "ds"))
            assert "No space left on device" in one_line_error(done)
            _no_partial_files(small / "ds")
        finally:
            subprocess.run(["umount", str(small)], check=False)
        return
    pytest.skip("cannot mount a small tmpfs here (not root): see the injected-error test below")


def test_an_error_while_writing_a_part_leaves_no_partial_file(tmp_path, monkeypatch):
    src = write_server(tmp_path / "sv1")
    out = tmp_path / "ds"
    ingest(src, out, progress=False)
    before = {p: p.read_bytes() for p in out.rglob("*.parquet")}
    real = pl.DataFrame.write_parquet

    def full_disk(self, file, *a, **kw):
        real(self.head(1), file, *a, **kw)  # some bytes reached the disk, then it filled up
        raise OSError(errno.ENOSPC, "No space left on device", str(file))

    monkeypatch.setattr(pl.DataFrame, "write_parquet", full_disk)
    (src / "perf" / "disk" / "nmp1.cur").write_text(mirror_csv(10, 8))
    with pytest.raises(OSError):
        ingest(src, out, progress=False)
    _no_partial_files(out)
    monkeypatch.undo()
    assert {p: p.read_bytes() for p in out.rglob("*.parquet")}.keys() == before.keys()
    ingest(src, out, progress=False)
    assert read_table(out, "mirror_stats").collect().height == 11 + 8 - 1  # .pre minutes 0-10, .cur 10-17, the boundary minute once


def test_sigterm_removes_the_extracted_archives(tmp_path):
    big = write_server(tmp_path / "src" / "sv1", pre=None)
    with open(big / "perf" / "disk" / "nmp1.cur", "a") as fh:
        fh.write("\n".join(mirror_rows(20, 300_000)) + "\n")
    archive = pack(big, tmp_path / "sv1.tar.gz", "sv1/")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    proc = subprocess.Popen([sys.executable, "-m", "clpkit", "ingest", str(archive), "--out", str(tmp_path / "ds")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.monotonic() + 60
    while not list(tmp.glob("clpkit-*")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "ingest ended before it could be interrupted; make the input larger"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err and "SIGTERM" in err
    assert list(tmp.iterdir()) == [], "extracted archives left behind"
    _no_partial_files(tmp_path / "ds")

"""`clpkit parse` on statistics files, end to end through the installed command."""

from __future__ import annotations

import json
import subprocess
import sys

import polars as pl
import pytest

from clpkit.formats import cluster_stats, mirror_stats, system_stats

CASES = [
    (mirror_stats, "perf/disk/nmp1.cur"),
    (system_stats, "log/system/system.pre"),
    (cluster_stats, "perf/cluster/monitor/genw.cur"),
]


def clpkit(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clpkit", *args], capture_output=True, text=True, timeout=120)


def damaged_file(tmp_path, module, relpath):
    """The module's sample plus one short row and a truncated last line: 2 good, 2 rejected."""
    header, *rows = module.SAMPLE.splitlines()
    path = tmp_path / relpath
    path.parent.mkdir(parents=True)
    path.write_text("\r\n".join([header, rows[0], '"2024/05/01 10:00:30","1"', rows[1], rows[1][:12]]))
    return path


@pytest.mark.parametrize("module, relpath", CASES, ids=[m.KIND for m, _ in CASES])
def test_summary_json_and_exit_0_with_rejected_lines(tmp_path, module, relpath):
    path = damaged_file(tmp_path, module, relpath)
    res = clpkit("parse", str(path), "--summary")
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["kind"] == module.KIND
    assert (summary["rows"], summary["rejected"]) == (4, 2)
    assert summary["columns"] == {name: str(dtype) for name, dtype in module.SCHEMA.items()}


@pytest.mark.parametrize("module, relpath", CASES, ids=[m.KIND for m, _ in CASES])
@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_out_file_holds_the_parsed_frame(tmp_path, module, relpath, suffix):
    path = damaged_file(tmp_path, module, relpath)
    out = tmp_path / f"out.{suffix}"
    res = clpkit("parse", str(path), "--out", str(out))
    assert res.returncode == 0, res.stderr
    expected = module.parse(path.read_bytes(), source=str(path))
    got = pl.read_parquet(out) if suffix == "parquet" else pl.read_csv(out, schema=expected.schema)
    assert got.equals(expected)
    assert got["line"].to_list() == [2, 3, 4, 5]
    assert got.filter(pl.col("raw").is_not_null())["line"].to_list() == [3, 5]


def test_explicit_kind_reads_a_file_with_any_name(tmp_path):
    path = tmp_path / "copied-from-sv1.csv"
    path.write_text(mirror_stats.SAMPLE)
    res = clpkit("parse", str(path), "--kind", "mirror_stats", "--summary")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["rows"] == 2


def test_unreadable_file_is_one_line_naming_file_and_line(tmp_path):
    path = tmp_path / "nmp1.cur"
    path.write_bytes(b"\x00\x01garbage" * 100)
    res = clpkit("parse", str(path), "--summary")
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr == f"clpkit: {path}:1: binary data, not a CSV text file\n"

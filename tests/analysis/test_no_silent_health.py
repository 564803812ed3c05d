"""No silent health: no CLUSTERPRO file is exit 2 everywhere; lost input is on stderr and on every page."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from .conftest import SAMPLE

COMMANDS = [
    ("events",),
    ("findings",),
    ("ingest", "--out", "{tmp}/ds"),
    ("report", "--out", "{tmp}/out"),
]


def _args(command: tuple[str, ...], bundle: Path, tmp: Path) -> list[str]:
    name, *rest = command
    return [name, str(bundle), *(a.format(tmp=tmp) for a in rest)]


def _truncated(tmp: Path) -> Path:
    """The sample with sv1.tar.gz cut to its first 3,000 bytes."""
    folder = tmp / "cut"
    folder.mkdir()
    shutil.copy(SAMPLE / "sv2.tar.gz", folder / "sv2.tar.gz")
    (folder / "sv1.tar.gz").write_bytes((SAMPLE / "sv1.tar.gz").read_bytes()[:3000])
    return folder


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("what", ["empty folder", "unrelated files", "garbage archive"])
def test_no_clusterpro_file_is_exit_2(clpkit_cli, tmp_path, command, what):
    bundle = tmp_path / "in"
    bundle.mkdir()
    if what == "unrelated files":
        (bundle / "notes.txt").write_text("not a log\n")
        (bundle / "photos").mkdir()
        (bundle / "photos" / "cat.jpg").write_bytes(b"\xff\xd8\xff")
    elif what == "garbage archive":
        bundle = tmp_path / "sv1.tar.gz"
        bundle.write_bytes(b"\x1f\x8b" + b"\0" * 200)
    res = clpkit_cli(*_args(command, bundle, tmp_path))
    assert res.code == 2 and res.exception is None, res.trace
    assert "no CLUSTERPRO file found" in res.err and res.err.strip().count("\n") == 0
    assert not (tmp_path / "out").exists() and not (tmp_path / "ds").exists()


@pytest.mark.parametrize("command", [c for c in COMMANDS if c[0] != "report"], ids=lambda c: c[0])
def test_truncated_archive_is_one_stderr_line_in_every_command(clpkit_cli, tmp_path, command):
    bundle = _truncated(tmp_path)
    res = clpkit_cli(*_args(command, bundle, tmp_path))
    assert res.code == 0 and res.exception is None, res.trace
    lines = [line for line in res.err.splitlines() if "sv1.tar.gz:" in line]
    assert len(lines) == 1 and "unreadable archive" in lines[0], res.err
    assert lines[0].startswith("clpkit: incomplete input: ")


@pytest.mark.slow
def test_truncated_archive_is_said_on_stderr_and_on_every_page(clpkit_cli, tmp_path):
    bundle = _truncated(tmp_path)
    res = clpkit_cli("report", bundle, "--out", tmp_path / "out", "--only", "summary", "--only", "cluster_reference",
                     "--only", "mirror_performance")
    assert res.code == 0 and res.exception is None, res.trace
    assert any("sv1.tar.gz" in line and "unreadable archive" in line for line in res.err.splitlines()), res.err
    assert "[IPKernelApp]" not in res.err
    run = next((tmp_path / "out").glob("20*"))
    for name in ("summary", "cluster_reference", "mirror_performance"):
        page = (run / f"{name}.html").read_text(encoding="utf-8")
        notice = page.find("clpkit-incomplete")
        assert notice != -1, name
        assert "Incomplete input" in page and "unreadable archive" in page, name
        body = page.find("<main")
        title, section = page.find("<h1", body), page.find("<h2", body)
        assert body < title < notice and (section == -1 or notice < section), f"{name}: the notice is not at the top"


def test_complete_sample_has_no_notice_and_no_stderr(clpkit_cli):
    res = clpkit_cli("findings", SAMPLE)
    assert res.code == 0 and res.err == ""

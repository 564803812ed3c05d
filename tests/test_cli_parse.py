"""`clpkit parse` error behaviour that does not depend on any one format."""

from __future__ import annotations

import subprocess
import sys


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clpkit", *args], capture_output=True, text=True)


def test_missing_file_is_one_line_exit_2(tmp_path):
    res = run("parse", str(tmp_path / "nmp1.cur"))
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr
    assert "nmp1.cur" in res.stderr


def test_unknown_kind_is_one_line_exit_2(tmp_path):
    f = tmp_path / "whatever.txt"
    f.write_text("x\n")
    res = run("parse", str(f))
    assert res.returncode == 2
    assert "unknown file kind" in res.stderr and "Traceback" not in res.stderr
    res = run("parse", str(f), "--kind", "no_such_kind")
    assert res.returncode == 2 and "no_such_kind" in res.stderr

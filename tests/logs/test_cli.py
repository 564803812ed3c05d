"""`clpkit parse FILE --kind ...` for every log format."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from clpkit.formats import alert_log, elog, module_log, service_log, syslog

CASES = {
    "module_log": ("rc.log.cur", module_log.SAMPLE.encode(), 4),
    "service_log": ("init_md.start.cur", service_log.SAMPLE.encode(), 2),
    "alert_log": ("alertlog.alt", alert_log.SAMPLE.encode(), 2),
    "syslog": ("messages", syslog.SAMPLE.encode(), 3),
    "elog": ("elog_rc0.tar.gz", elog.SAMPLE, 2),
}


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clpkit", *args], capture_output=True, text=True)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_parse_kind_summary(tmp_path, kind):
    name, data, rows = CASES[kind]
    path = tmp_path / "copy.bin"  # a name that detects as nothing: --kind decides
    path.write_bytes(data)
    res = run("parse", str(path), "--kind", kind, "--summary")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["kind"] == kind and out["rows"] == rows
    # detection by name gives the same
    named = tmp_path / name
    named.write_bytes(data)
    res = run("parse", str(named), "--summary")
    assert res.returncode == 0 and json.loads(res.stdout)["rows"] == rows


def test_parse_bad_archive_is_one_line_exit_2(tmp_path):
    path = tmp_path / "elog_rc0.tar.gz"
    path.write_bytes(b"nope")
    res = run("parse", str(path))
    assert res.returncode == 2 and "elog_rc0.tar.gz" in res.stderr and "Traceback" not in res.stderr

"""clpkit.charts stands below the report package: it imports nothing of clpkit.report (no import cycle),
and altair comes without the IRI grammar that costs seconds per kernel."""

from __future__ import annotations

import json
import subprocess
import sys


def _loaded_after(statement: str) -> dict:
    code = (f"import sys\n{statement}\nimport json\n"
            "print(json.dumps({'report': sorted(m for m in sys.modules if m.startswith('clpkit.report')),"
            " 'altair': 'altair' in sys.modules, 'rfc3987': repr(sys.modules.get('rfc3987_syntax', 'absent'))}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_charts_imports_nothing_of_the_report_package():
    loaded = _loaded_after("import clpkit.charts")
    assert loaded["report"] == []
    assert loaded["altair"] is True
    assert loaded["rfc3987"] == "None"


def test_report_pages_load_altair_the_same_way():
    """page -> html -> nbformat loads jsonschema before altair: the report package must act first."""
    loaded = _loaded_after("import clpkit.report.page")
    assert loaded["altair"] is True
    assert loaded["rfc3987"] == "None"

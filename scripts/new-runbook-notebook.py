"""Write runbooks/NAME.py and runbooks/NAME.ipynb from a procedure module's Params.

Usage: .venv/bin/python scripts/new-runbook-notebook.py [--all] [NAME ...]

The text comes from :mod:`clpkit.runbook.notebook_source`; the test suite
fails when a committed notebook differs from it, so run this after changing
a procedure's parameters. The ``.ipynb`` is written stripped (no outputs).
"""

from __future__ import annotations

import sys
from pathlib import Path

from clpkit.runbook import procedures
from clpkit.runbook.notebook_source import ipynb_text, py_text

ROOT = Path(__file__).resolve().parents[1]


def write(name: str) -> None:
    py = ROOT / "runbooks" / f"{name}.py"
    py.write_text(py_text(name), encoding="utf-8")
    py.with_suffix(".ipynb").write_text(ipynb_text(name), encoding="utf-8")
    print(f"wrote {py.relative_to(ROOT)} and {py.with_suffix('.ipynb').relative_to(ROOT)}")


if __name__ == "__main__":
    args = sys.argv[1:]
    names = list(procedures.all_procedures()) if args == ["--all"] else args
    if not names:
        sys.exit(__doc__)
    for arg in names:
        write(arg)

"""The set-up contract: environment.yml and pyproject.toml name the same packages."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _names(specs: list[str]) -> dict[str, str]:
    out = {}
    for spec in specs:
        m = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", spec)
        out[m[1].lower().replace("_", "-")] = m[2].replace(" ", "")
    return out


def test_environment_yml_matches_pyproject():
    """The conda environment is the whole stack: the runtime, the lab extra and the test extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert "clpkit[lab]" in extras["test"], "the test extra must pull in the lab extra (the notebook tests use jupytext)"
    wanted = _names(project["dependencies"] + extras["lab"] + [s for s in extras["test"] if not s.startswith("clpkit[")])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    got = _names(conda)
    got.pop("pip", None)
    python = got.pop("python")
    assert python == ">=" + project["requires-python"].lstrip(">=")
    assert got == wanted
    pip = [d for d in env["dependencies"] if isinstance(d, dict)]
    assert pip == [{"pip": ["-e ."]}], "environment.yml must end with `- pip: [-e .]`"


def test_ci_runs_make_test():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_console_script_is_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["clpkit"] == "clpkit.cli:main"


def test_every_cli_module_is_in_the_lazy_command_table():
    """A command module missing from COMMANDS would never be imported, so its commands would vanish."""
    import importlib

    from clpkit import cli

    modules = {p.stem for p in (ROOT / "lib" / "clpkit" / "cli").glob("*.py") if not p.stem.startswith("_")}
    assert modules == {m.rsplit(".", 1)[1] for m in cli.COMMANDS.values()}
    for name, module in cli.COMMANDS.items():
        importlib.import_module(module)
        assert name in cli.main.commands, f"{module} does not register `clpkit {name}`"


def test_parse_does_not_import_the_other_commands():
    import subprocess
    import sys

    code = (
        "import sys; from clpkit.cli import main\n"
        "try: main(['parse', '--help'])\n"
        "except SystemExit: pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('clpkit.runbook', 'clpkit.report', 'clpkit.samples'))))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert res.stdout.strip().splitlines()[-1] == "[]"


def test_the_tree_has_no_compiled_source():
    """Issue 11: nothing memory-unsafe parses untrusted files; the package is pure Python (no C, no extension)."""
    compiled = {".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".pyx", ".pxd", ".rs", ".go", ".f90", ".so"}
    skip = {".git", ".venv", "build", "dist", "out", "_data", "node_modules", "__pycache__"}
    found = []
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in skip]
        found += [Path(folder, f).relative_to(ROOT) for f in files if Path(f).suffix.lower() in compiled]
    assert found == []
    setup = (ROOT / "setup.py").read_text(encoding="utf-8")
    assert "Extension" not in setup and "ext_modules" not in setup

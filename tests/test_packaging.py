"""The set-up contract: environment.yml and pyproject.toml name the same packages."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _names(specs: list[str]) -> dict[str, str]:
    out = {}
    for spec in specs:
        m = re.match(r"\s*([A-Za-z0-9_.\-]+)\s*(.*)", spec)
        out[m[1].lower().replace("_", "-")] = m[2].replace(" ", "")
    return out


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = _names(project["dependencies"] + project["optional-dependencies"]["test"])
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


def test_the_compiled_scanners_are_built_wherever_a_compiler_is():
    """CI must run the compiled paths: a failed optional build is an error on a machine with gcc.

    (Without a compiler clpkit installs without them and the polars paths run alone.)
    """
    import shutil

    from clpkit import native

    if shutil.which("cc") is None and shutil.which("gcc") is None:
        pytest.skip("no C compiler here: clpkit runs on its polars paths alone")
    assert native._native is not None, "a C compiler is present but clpkit._native was not built"
    # every entry point is the real scanner (the placeholders raised NotImplementedError)
    assert native.count_lines(b"a\nb\n") == 2
    assert native.read_csv(b"1,x\n", 0, 4, "is") is not None
    assert native.scan_module_log(b"I 26/11/24 03:12:00.100[ 7:8] ok\n")["canonical"].to_list() == [True]
    assert native.scan_syslog(b"Nov 24 03:12:01 sv1 clusterpro: x\n")["line"].to_list() == [1]

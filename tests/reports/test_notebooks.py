"""The report notebooks: jupytext pairs in sync, stored stripped, typed parameters."""

from __future__ import annotations

import jupytext
import nbformat
import papermill
import pytest

from clpkit.report import NOTEBOOKS
from clpkit.report import data

from .conftest import NOTEBOOKS_DIR, ROOT

PAIRS = sorted(p.stem for p in NOTEBOOKS_DIR.glob("*.ipynb"))
COMMON = {"bundle": ("str", '"data/samples/bundle"'), "since": ("str", '""'), "until": ("str", '""'), "lang": ("str", '"en"')}


def _cells(nb) -> list[tuple]:
    return [(c.cell_type, c.source.strip(), tuple(c.metadata.get("tags", ()))) for c in nb.cells]


def test_every_report_has_a_pair():
    for name in NOTEBOOKS:
        assert (NOTEBOOKS_DIR / f"{name}.ipynb").exists() and (NOTEBOOKS_DIR / f"{name}.py").exists(), name


@pytest.mark.parametrize("name", PAIRS)
def test_pair_in_sync(name):
    ipynb = nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    py = jupytext.read(NOTEBOOKS_DIR / f"{name}.py")
    assert _cells(ipynb) == _cells(py), f"{name}.ipynb and {name}.py differ: run `jupytext --sync notebooks/{name}.py`"
    assert ipynb.metadata["jupytext"]["formats"] == "ipynb,py:percent"


@pytest.mark.parametrize("name", PAIRS)
def test_stored_stripped(name):
    nb = nbformat.read(NOTEBOOKS_DIR / f"{name}.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: outputs stored"


@pytest.mark.parametrize("name", PAIRS)
def test_parameters(name):
    params = papermill.inspect_notebook(str(NOTEBOOKS_DIR / f"{name}.ipynb"))
    for key, (type_, default) in COMMON.items():
        assert key in params, f"{name}: no parameter {key}"
        assert (params[key]["inferred_type_name"], params[key]["default"]) == (type_, default), (name, key)
    assert all(p["inferred_type_name"] != "None" for p in params.values()), f"{name}: untyped parameter"
    assert all(p["help"] for p in params.values()), f"{name}: parameter without a comment"


def test_default_bundle_resolves_from_the_notebooks_folder(monkeypatch):
    monkeypatch.chdir(NOTEBOOKS_DIR)
    assert data.resolve_bundle("data/samples/bundle") == ROOT / "data" / "samples" / "bundle"

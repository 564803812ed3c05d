"""The runbook notebooks: thin, stripped, paired, parameters in step with the procedures.

(nbval runs each notebook with its defaults, a plan-mode run, as part of the suite.)
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jupytext
import nbformat
import papermill
import pytest

from clpkit.runbook import procedures

RUNBOOKS = Path(__file__).resolve().parents[2] / "runbooks"
#: replace-server takes suse= for the partner of variant hybrid-shared-disk only.
EXTRA = {"replace-server": {"variant": "hybrid-shared-disk", "server": "sv2", "partner": "sv1", "servers": "sv1,sv2,sv3",
                            "resource": "hd1"}}
COMMON = {"config", "mode", "confirm", "hosts", "known_hosts", "identity", "run_dir", "confirmed_steps", "transport", "poll_interval"}
NAMES = list(procedures.all_procedures())


@pytest.mark.parametrize("name", NAMES)
def test_every_runbook_has_a_stripped_notebook_paired_with_its_py(name):
    ipynb, py = RUNBOOKS / f"{name}.ipynb", RUNBOOKS / f"{name}.py"
    assert ipynb.exists() and py.exists(), f"runbooks/{name}.ipynb and .py are missing"
    nb = nbformat.read(ipynb, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "store notebooks stripped"
    twin = jupytext.read(py)
    assert [(c.cell_type, c.source) for c in nb.cells] == [(c.cell_type, c.source) for c in twin.cells], \
        f"runbooks/{name}.py and .ipynb differ: run `jupytext --sync runbooks/{name}.py`"


@pytest.mark.parametrize("name", NAMES)
def test_parameters_are_the_procedure_params_plus_the_run_settings(name):
    found = papermill.inspect_notebook(str(RUNBOOKS / f"{name}.ipynb"))
    module = procedures.get(name)
    fields = {f.name: f.default for f in dataclasses.fields(module.Params)}
    assert set(found) == set(fields) | COMMON
    for key, default in fields.items():
        assert eval(found[key]["default"]) == default, key  # noqa: S307 (our own notebook's literal)
    assert eval(found["mode"]["default"]) == "plan"


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_thin(name):
    nb = nbformat.read(RUNBOOKS / f"{name}.ipynb", as_version=4)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in nb.cells[1].metadata.get("tags", [])
    body = "\n".join(code[1:])
    assert "def " not in body and "class " not in body and "import clpkit.runbook.engine" not in body
    assert "open_runbook(" in body and "rb.preconditions()" in body and "rb.steps()" in body and "rb.verification()" in body


def test_readme_lists_every_runbook():
    text = (RUNBOOKS / "README.md").read_text()
    for name, module in procedures.all_procedures().items():
        assert f"`{name}`" in text and module.GUIDE in text


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_is_the_generators_output(name):
    from clpkit.runbook.notebook_source import ipynb_text, py_text

    hint = f"runbooks/{name} is not what its procedure's Params make: run scripts/new-runbook-notebook.py {name}"
    assert (RUNBOOKS / f"{name}.py").read_text(encoding="utf-8") == py_text(name), hint
    assert (RUNBOOKS / f"{name}.ipynb").read_text(encoding="utf-8") == ipynb_text(name), hint


@pytest.mark.parametrize("name", NAMES)
def test_every_parameter_reaches_the_plan(name):
    """The dict the notebook passes on names every field of Params (a field left out is silently dropped)."""
    module = procedures.get(name)
    text = (RUNBOOKS / f"{name}.py").read_text(encoding="utf-8")
    for field in dataclasses.fields(module.Params):
        assert f"{field.name}={field.name}" in text, f"{name}: parameter {field.name} never reaches open_runbook"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["resize-mirror-partition", "replace-server"])
def test_suse_true_reaches_the_plan_of_the_executed_notebook(name, tmp_path):
    out = tmp_path / "out.ipynb"
    params = {"suse": True, "init": "initd", **EXTRA.get(name, {})}
    papermill.execute_notebook(str(RUNBOOKS / f"{name}.ipynb"), str(out), parameters=params,
                               progress_bar=False, cwd=str(tmp_path))
    text = out.read_text(encoding="utf-8")
    assert "chkconfig --del --force clusterpro" in text
    # every command is shown in full: the longest command of the plan is in the output, uncut
    from clpkit.runbook.params import make_plan

    longest = max((s.command for s in make_plan(name, params).steps if s.command), key=len)
    shown = json.dumps([o for c in nbformat.read(out, as_version=4).cells if c.cell_type == "code" for o in c.outputs],
                       ensure_ascii=False)
    assert longest in shown and "…" not in shown

"""The report kernels: several notebooks per kernel, each seeing only its own names."""

from __future__ import annotations

import nbformat
import papermill
import pytest

from clpkit.report.kernels import ENGINE, KernelPool

pytestmark = pytest.mark.slow


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Python 3"}
    nbformat.write(nb, path)
    return str(path)


def _run(pool, source, target):
    with pool.kernel() as km:
        papermill.execute_notebook(source, str(target), engine_name=ENGINE, km=km, kernel_name="python3",
                                   progress_bar=False, request_save_on_cell_execute=False)
    return nbformat.read(target, as_version=4)


def test_one_kernel_runs_notebooks_in_turn_with_a_clean_namespace(tmp_path):
    first = _notebook(tmp_path / "a.ipynb", "import os\nleft_over = 1\npid = os.getpid()\nprint(pid)")
    second = _notebook(tmp_path / "b.ipynb", "import os\nassert 'left_over' not in globals()\nprint(os.getpid())")
    failing = _notebook(tmp_path / "c.ipynb", "also_left = 2\nraise RuntimeError('boom')")
    pool = KernelPool(1, tmp_path)
    try:
        a = _run(pool, first, tmp_path / "a.out.ipynb")
        with pytest.raises(papermill.PapermillExecutionError, match="boom"):
            _run(pool, failing, tmp_path / "c.out.ipynb")
        b = _run(pool, second, tmp_path / "b.out.ipynb")
        again = _notebook(tmp_path / "d.ipynb", "assert 'also_left' not in globals()")
        _run(pool, again, tmp_path / "d.out.ipynb")
    finally:
        pool.close()
    pid_a = a.cells[0].outputs[0]["text"].strip()
    pid_b = b.cells[0].outputs[0]["text"].strip()
    assert pid_a == pid_b, "the second notebook ran in the same kernel"


def test_a_dead_kernel_is_replaced(tmp_path):
    killer = _notebook(tmp_path / "k.ipynb", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    fine = _notebook(tmp_path / "f.ipynb", "print('alive')")
    pool = KernelPool(1, tmp_path)
    try:
        with pytest.raises(Exception):
            _run(pool, killer, tmp_path / "k.out.ipynb")
        done = _run(pool, fine, tmp_path / "f.out.ipynb")
    finally:
        pool.close()
    assert done.cells[0].outputs[0]["text"].strip() == "alive"


def test_a_report_kernel_has_its_libraries_loaded_and_altairs_debug_mode_off(tmp_path):
    """The warm-up ran before the first notebook: polars and altair loaded, charts not validated as they are made."""
    check = _notebook(tmp_path / "w.ipynb", "import sys, altair.utils.schemapi as s\n"
                                            "print('polars' in sys.modules, 'clpkit.charts' in sys.modules, s.DEBUG_MODE)")
    pool = KernelPool(1, tmp_path)
    try:
        done = _run(pool, check, tmp_path / "w.out.ipynb")
    finally:
        pool.close()
    assert done.cells[0].outputs[0]["text"].strip() == "True True False"

"""The wheel works on its own: built from a clean copy of the tree, installed into a new venv,
run from a folder outside the repository.

Installing the wheel's dependencies from an index takes a minute and needs the network, so the
new venv gets them from the environment running the tests instead: the wheel is installed with
``--no-deps`` and a ``.pth`` file puts this environment's site-packages folders on the new venv's
path. A folder named in a ``.pth`` file is only appended to ``sys.path``; the ``.pth`` files
inside it, among them the one of the editable clpkit, are not run, so the only clpkit the new
venv can import is the wheel's (a test checks it). The dependencies' data files (nbconvert's
templates, ipykernel's kernelspec) come the same way: the new venv's ``share/jupyter`` is a link
to this environment's. The source copy the wheel was built from is
deleted before anything runs, so no notebook can come from a source tree.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", "build", "dist", "out", "*.egg-info", "__pycache__", "_data",
                                    ".ipynb_checkpoints", "runbook-runs")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, Path]:
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE, symlinks=True)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(work / "dist"), str(source)],
                   check=True, cwd=work)
    shutil.rmtree(source)
    (wheel,) = (work / "dist").glob("clpkit-*.whl")
    env = work / "venv"
    venv.create(env, with_pip=False)
    python = env / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet", str(wheel)],
                   check=True)
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (Path(purelib) / "clpkit-test-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    data = Path(sys.prefix) / "share" / "jupyter"  # the dependencies' data files: nbconvert's templates, the kernelspec
    (env / "share").mkdir()
    (env / "share" / "jupyter").symlink_to(data, target_is_directory=True)
    run = work / "run"
    run.mkdir()
    return {"wheel": wheel, "env": env, "run": run}


def _clpkit(installed: dict[str, Path], *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CLPKIT_NOTEBOOKS", "VIRTUAL_ENV")}
    env["PATH"] = f"{installed['env'] / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["JUPYTER_DATA_DIR"] = str(installed["run"] / ".jupyter-data")  # no user kernelspec: the venv's own python
    return subprocess.run([str(installed["env"] / "bin" / "clpkit"), *args], cwd=installed["run"], env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_the_wheel_is_pure_python(installed):
    """One wheel for every platform: no compiled module inside, tagged py3-none-any."""
    assert installed["wheel"].name.endswith("-py3-none-any.whl"), installed["wheel"].name
    with zipfile.ZipFile(installed["wheel"]) as wheel:
        binaries = [n for n in wheel.namelist() if n.endswith((".so", ".pyd", ".dll", ".dylib", ".c"))]
    assert binaries == []


def test_the_wheel_carries_the_notebooks_and_not_the_lab(installed):
    with zipfile.ZipFile(installed["wheel"]) as whl:
        names = set(whl.namelist())
        meta = next(whl.read(n).decode() for n in names if n.endswith(".dist-info/METADATA"))
    for folder in ("notebooks", "runbooks"):
        wanted = {f"clpkit/_shipped/{folder}/{p.name}" for p in (ROOT / folder).glob("*.ipynb")}
        assert wanted and wanted <= names, sorted(wanted - names)
    assert not any(n.endswith(".c") or n.endswith(".so") for n in names)
    runtime = [line for line in meta.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert any("papermill" in line for line in runtime)
    assert not any("jupyterlab" in line or "jupytext" in line for line in runtime), runtime
    assert "License-Expression: MIT" in meta


def test_the_venv_imports_the_wheels_clpkit(installed):
    code = ("import clpkit, clpkit.shipped as s; from jupyter_client.kernelspec import KernelSpecManager as K; "
            "import json, sys; print(json.dumps([clpkit.__file__, str(s.shipped_folder('notebooks')), "
            "K().get_kernel_spec('python3').argv[0], sys.executable]))")
    out = subprocess.run([str(installed["env"] / "bin" / "python"), "-c", code], cwd=installed["run"],
                         capture_output=True, text=True, check=True, env={**os.environ,
                         "JUPYTER_DATA_DIR": str(installed["run"] / ".jupyter-data")})
    module, notebooks, kernel, executable = json.loads(out.stdout)
    env = installed["env"].resolve()
    assert Path(module).resolve().is_relative_to(env), module
    assert Path(notebooks).resolve().is_relative_to(env), notebooks
    assert kernel in ("python", "python3", executable), kernel  # jupyter_client runs "python" as sys.executable


def test_report_and_runbook_plan_run_from_the_installed_wheel(installed):
    made = _clpkit(installed, "samples", "--out", "sample", "--days", "1", "--rotate-mb", "0.1")
    assert made.returncode == 0, made.stderr
    report = _clpkit(installed, "report", "sample", "--out", "out")
    assert report.returncode == 0, report.stderr[-3000:]
    (run_dir,) = [p for p in (installed["run"] / "out").iterdir() if p.is_dir() and not p.name.startswith(".")]
    run = json.loads((run_dir / "run.json").read_text())
    assert run["status"] == "ok"
    for name in run["reports"]:
        page = (run_dir / f"{name}.html").read_text(encoding="utf-8")
        assert len(page) > 10_000 and "<html" in page.lower(), name
    assert len(run["reports"]) == 6
    assert "summary.html" in (installed["run"] / "out" / "index.html").read_text(encoding="utf-8")

    plan = _clpkit(installed, "runbook", "run", "delete-logs")
    assert plan.returncode == 0, plan.stderr[-3000:]
    assert "To execute, pass the confirmation token: delete-logs@" in plan.stdout
    record = json.loads(plan.stdout.strip().splitlines()[-1])
    assert record["mode"] == "plan"
    executed = json.loads((installed["run"] / record["notebook"]).read_text(encoding="utf-8"))
    assert any(cell.get("outputs") for cell in executed["cells"] if cell["cell_type"] == "code")

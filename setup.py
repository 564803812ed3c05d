"""The one build step pyproject.toml cannot declare.

The report notebooks (``notebooks/``) and the runbook notebooks
(``runbooks/``) live at the top of the repository, where people open them in
JupyterLab. A wheel must carry them all the same, so this build step copies
their ``.ipynb`` files into the built package as ``clpkit/_shipped/notebooks``
and ``clpkit/_shipped/runbooks``, where :mod:`clpkit.shipped` finds them with
``importlib.resources``. An editable install copies nothing: clpkit then
reads the source tree's folders.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("notebooks", "runbooks")


class BuildPyWithNotebooks(build_py):
    """``build_py``, plus the notebooks as package data of ``clpkit``."""

    def run(self):
        super().run()
        if self.editable_mode:
            return
        for folder in SHIPPED:
            target = Path(self.build_lib) / "clpkit" / "_shipped" / folder
            self.mkpath(str(target))
            notebooks = sorted((ROOT / folder).glob("*.ipynb"))
            if not notebooks:
                raise SystemExit(f"{ROOT / folder}: no .ipynb to ship")
            for notebook in notebooks:
                self.copy_file(str(notebook), str(target / notebook.name))


setup(cmdclass={"build_py": BuildPyWithNotebooks})

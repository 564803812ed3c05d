"""Where the report and runbook notebooks are, installed or not.

A wheel carries them as package data (``clpkit/_shipped/notebooks`` and
``clpkit/_shipped/runbooks``, copied there by ``setup.py``); a checkout or an
editable install has them at the top of the source tree, where people edit
them. The package's copy wins when it exists.

>>> (shipped_folder("notebooks") / "summary.ipynb").is_file()
True
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

FOLDERS = ("notebooks", "runbooks")


def shipped_folder(name: str) -> Path:
    """The folder ``name`` (``notebooks`` or ``runbooks``) of the installed package, else of the source tree."""
    if name not in FOLDERS:
        raise ValueError(f"{name!r}: not one of {', '.join(FOLDERS)}")
    packaged = resources.files("clpkit") / "_shipped" / name
    if isinstance(packaged, Path) and packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / name

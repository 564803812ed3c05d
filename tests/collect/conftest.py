"""A small generated collection (folders) that each test copies and damages as it needs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clpkit import samples


@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("generated") / "collection"
    samples.generate(out, days=1, archive=False, rotate_mb=0.2, full_size=False)
    return out


@pytest.fixture
def collection(generated, tmp_path) -> Path:
    """A private copy of the generated two-server collection (sv1/, sv2/)."""
    dest = tmp_path / "collection"
    shutil.copytree(generated, dest)
    return dest

"""A small generated collection (folders) that each test copies and damages as it needs."""

from __future__ import annotations

import shutil
import sys
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


# The simulated cluster and the real sshd in front of it are the runbook tests' fixtures.
def _runbook_fixtures():
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "runbook" / "conftest.py"
    spec = importlib.util.spec_from_file_location("clpkit_tests_runbook_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


_rb = _runbook_fixtures()
sim = _rb.sim
sshd = _rb.sshd

"""One generated sample per test session (3 days, small rotation sizes, folders)."""

from __future__ import annotations

from pathlib import Path

import pytest

from clpkit import samples

#: Arguments of the session sample: small and quick, with every rotation visible.
ARGS = dict(servers=2, days=3, seed=0, archive=False, rotate_mb=1.5)


@pytest.fixture(scope="session")
def bundle(tmp_path_factory) -> Path:
    return samples.generate(tmp_path_factory.mktemp("sample"), **ARGS)

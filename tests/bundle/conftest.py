"""Fixtures of the bundle tests; the file builders live in bundle_fixtures.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from bundle_fixtures import write_server


@pytest.fixture
def two_servers(tmp_path) -> Path:
    """collection/sv1, collection/sv2 as plain folders."""
    root = tmp_path / "collection"
    write_server(root / "sv1")
    write_server(root / "sv2", pre=None)
    return root

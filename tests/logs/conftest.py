"""A log collection on disk for the event tests, opened with clpkit's bundle when it is there.

``collection(tmp_path, files)`` writes ``{server: {relative path: text}}`` as one
folder per server and opens it. Until ``clpkit.bundle`` lands on this branch a
small stand-in reads the same folders through the real format parsers
(``formats.detect`` + ``parse_bytes``), offering the part of the Bundle API the
event table uses: ``servers``, ``tables()``, ``table(kind)``.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import polars as pl
import pytest

from clpkit import formats


class FolderBundle:
    def __init__(self, root: Path):
        self.root = root
        self.servers = sorted(p.name for p in root.iterdir() if p.is_dir())
        self._files: dict[str, list[tuple[str, Path]]] = {}
        for server in self.servers:
            for path in sorted((root / server).rglob("*")):
                spec = formats.detect(path.name) if path.is_file() else None
                if spec is None:
                    continue
                try:
                    spec.load()
                except ImportError:  # a format another branch provides
                    continue
                self._files.setdefault(spec.kind, []).append((server, path))

    def tables(self) -> list[str]:
        return [s.kind for s in formats.REGISTRY if s.kind in self._files]

    def table(self, kind: str) -> pl.DataFrame:
        frames = [
            formats.parse_bytes(kind, path.read_bytes(), source=str(path.relative_to(self.root)), server=server)
            for server, path in self._files.get(kind, [])
        ]
        if not frames:
            return formats.by_kind(kind).load().SCHEMA.to_frame()
        return pl.concat(frames, how="diagonal_relaxed")


def _open(root: Path):
    try:
        bundle = importlib.import_module("clpkit.bundle")
    except ImportError:
        return FolderBundle(root)
    return bundle.open_bundle(root)


@pytest.fixture
def collection(tmp_path):
    def make(files: dict[str, dict[str, str | bytes]]):
        for server, members in files.items():
            for rel, body in members.items():
                path = tmp_path / "collection" / server / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(body if isinstance(body, bytes) else body.encode())
        return _open(tmp_path / "collection")

    return make

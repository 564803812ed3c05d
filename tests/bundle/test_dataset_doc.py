"""docs/DATASET.md is what clpkit.dataset_schema says, and names every column of every table."""

from __future__ import annotations

import re
from pathlib import Path

from clpkit import formats
from clpkit.dataset_schema import markdown, tables
from clpkit.ingest import FINDINGS_TABLE, PROBLEMS_TABLE

DOC = Path(__file__).resolve().parents[2] / "docs" / "DATASET.md"


def test_the_document_is_current():
    assert DOC.read_text(encoding="utf-8") == markdown(), "run: python -m clpkit.dataset_schema > docs/DATASET.md"


def test_every_table_and_column_is_in_the_document():
    text = DOC.read_text(encoding="utf-8")
    documented = {m[1]: m[2] for m in re.finditer(r"### `([a-z_]+)`\n(.*?)(?=\n### |\Z)", text, re.S)}
    assert set(documented) == {s.kind for s in formats.REGISTRY} | {PROBLEMS_TABLE, FINDINGS_TABLE}
    for table, columns in tables().items():
        rows = re.findall(r"^\| `([^`]+)` \| ([^|]+) \| ([^|]+) \| (.+) \|$", documented[table], re.M)
        assert [r[0] for r in rows] == [c.name for c in columns], table
        assert all(r[3].strip() for r in rows), f"{table}: a column without meaning"
    # the bundle's own columns are all there (a Bundle table column renamed on disk under its stored name)
    for spec in formats.REGISTRY:
        names = {c.name for c in tables()[spec.kind]}
        assert {"file_cluster" if c == "cluster" else c for c in formats.table_schema(spec.kind)} <= names, spec.kind

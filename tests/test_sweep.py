"""The sweep (STYLE 7): every registry entry over the committed sample bundle.

``data/samples/bundle`` is the synthetic collection ``clpkit samples`` wrote
(one archive per server). Every kind the registry knows must have at least
one file there, and every such file must parse into its format's ``SCHEMA``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import clpkit
from clpkit import formats

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "samples" / "bundle"


@pytest.fixture(scope="module")
def bundle():
    with clpkit.open_bundle(SAMPLE) as b:
        yield b


def test_every_registry_entry_has_a_sample_file(bundle):
    missing = [spec.kind for spec in formats.REGISTRY if spec.kind not in bundle.tables()]
    assert missing == [], f"registry kinds without a file in {SAMPLE.name}: {missing}"


def test_the_sample_opens_without_input_problems(bundle):
    assert bundle.servers == ["sv1", "sv2"]
    assert bundle.input_problems == []


@pytest.mark.parametrize("spec", formats.REGISTRY, ids=lambda s: s.kind)
def test_every_sample_file_parses_with_its_schema(bundle, spec):
    files = bundle.entries(spec.kind)
    if not files:
        pytest.fail(f"no {spec.kind} file in the sample (see test_every_registry_entry_has_a_sample_file)")
    schema = spec.load().SCHEMA
    for f in files:
        frame, problems = bundle.read(f)
        assert frame is not None, problems
        known = {name: dtype for name, dtype in frame.schema.items() if name in schema}
        assert list(known) == list(schema), f.source
        assert known == dict(schema), f.source
    table = bundle.table(spec.kind)
    assert table.height > 0
    assert {c: table.schema[c] for c in schema} == dict(schema)
    assert set(table["server"].unique()) <= set(bundle.servers)


def test_the_sample_as_a_dataset_reads_back_whole(bundle, tmp_path):
    """clpkit ingest over the sample: every table's rows come back through DuckDB."""
    import duckdb

    from clpkit.ingest import ingest

    summary = ingest(bundle, tmp_path / "ds", progress=False)
    assert summary["files"]["parsed"] == len(bundle.entries())
    assert summary["problems"] == bundle.problems.height
    for kind in bundle.tables():
        glob = f"{tmp_path / 'ds' / kind}/**/*.parquet"
        counts = duckdb.sql(
            f"select server, count(*) from read_parquet('{glob}', hive_partitioning=true) group by server order by server"
        ).fetchall()
        expected = bundle.table(kind).group_by("server").len().sort("server").rows()
        assert counts == expected, kind

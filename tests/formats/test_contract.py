"""The format contract: every kind gives a ``Parsed``, and side outputs need no per-kind code.

The last test registers a made-up format whose files hold rows for another
table and skip lines of their own; the bundle, ingest and ``clpkit parse``
pick both up without a line of code for it.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import types

import polars as pl
import pytest
from click.testing import CliRunner

import clpkit
from clpkit import formats
from clpkit.cli import main
from clpkit.formats import META_SCHEMA, Parsed
from clpkit.ingest import ingest, read_table

LINE_BASED = {"mirror_stats", "system_stats", "cluster_stats", "module_log", "service_log", "alert_log", "syslog"}
CSV = {"mirror_stats", "system_stats", "cluster_stats"}


@pytest.mark.parametrize("spec", formats.REGISTRY, ids=lambda s: s.kind)
def test_every_kind_scans_its_sample_into_a_parsed(spec):
    module = spec.load()
    parsed = formats.scan_bytes(spec.kind, module.SAMPLE if isinstance(module.SAMPLE, bytes) else module.SAMPLE.encode(),
                                source=f"<{spec.kind}>")
    assert isinstance(parsed, Parsed)
    assert parsed.frame.schema == module.SCHEMA
    for kind, frame in parsed.tables.items():
        assert frame.schema == module.TABLES[kind]
    if spec.kind in LINE_BASED:
        header = 1 if spec.kind in CSV else 0
        assert parsed.lines == header + parsed.frame.height + parsed.skipped_total, "every line is accounted for"


def test_table_schemas_carry_the_feeders_columns():
    assert formats.feeders("module_log") == ["elog"] and formats.feeds("elog") == ["module_log"]
    schema = formats.table_schema("module_log")
    assert schema == formats.by_kind("elog").load().TABLES["module_log"]
    assert formats.table_schema("syslog") == formats.by_kind("syslog").load().SCHEMA


# --- a made-up format with side outputs ------------------------------------------------------

NOTE_SCHEMA = pl.Schema({"word": pl.String, **META_SCHEMA})
ALSO_SCHEMA = pl.Schema({**{k: v for k, v in formats.by_kind("alert_log").load().SCHEMA.items() if k not in META_SCHEMA},
                         "note_file": pl.String, **META_SCHEMA})  # fmt: skip


def _note_module() -> types.ModuleType:
    """``*.note`` files: one row per word line; ``#`` lines skipped; ``!`` lines are alert_log rows."""
    module = types.ModuleType("clpkit.formats._test_note")
    module.KIND, module.SCHEMA, module.SAMPLE = "note", NOTE_SCHEMA, "a\n"
    module.TABLES = {"alert_log": ALSO_SCHEMA}

    def scan(data, *, source="<sample>", server=None):
        lines = (data.decode() if isinstance(data, bytes) else data).splitlines()
        meta = {"server": server, "source": source, "raw": None, "problem": None}
        words = [{"word": w, **meta, "line": i} for i, w in enumerate(lines, 1) if w[:1] not in "#!"]
        alerts = [{"message": w[1:], "note_file": source, **meta, "line": i} for i, w in enumerate(lines, 1) if w[:1] == "!"]
        skipped = sum(1 for w in lines if w.startswith("#"))
        return Parsed(
            pl.DataFrame(words, schema=NOTE_SCHEMA),
            len(lines),
            {"comment line": skipped} if skipped else {},
            {"alert_log": pl.DataFrame(alerts, schema=ALSO_SCHEMA)},
        )

    module.scan = scan
    module.parse = lambda data, **kw: scan(data, **kw).frame
    return module


@pytest.fixture
def note_format(monkeypatch):
    module = _note_module()
    monkeypatch.setitem(sys.modules, module.__name__, module)
    spec = formats.FormatSpec("note", "_test_note", (r".+\.note",), "test notes")
    monkeypatch.setattr(formats, "REGISTRY", (*formats.REGISTRY, spec))
    return spec


def test_side_outputs_reach_the_bundle_ingest_and_the_cli(note_format, tmp_path):
    root = tmp_path / "sv1"
    (root / "log").mkdir(parents=True)
    (root / "etc").mkdir()
    (root / "log" / "day.note").write_text("alpha\n# a comment\n!disk failed\nbeta\n")
    with clpkit.open_bundle(root) as b:
        assert {"note", "alert_log"} <= set(b.tables())
        assert b.table("note")["word"].to_list() == ["alpha", "beta"]
        alerts = b.table("alert_log")
        assert alerts.select("message", "note_file", "server", "line").rows() == [
            ("disk failed", "sv1/log/day.note", "sv1", 3)
        ]
        assert b.skipped.select("source", "lines", "skipped", "reason").rows() == [
            ("sv1/log/day.note", 4, 1, "comment line")
        ]
    out = tmp_path / "ds"
    summary = ingest(root, out, progress=False)
    assert summary["tables"] == {"alert_log": {"rows": 1, "files": 1}, "note": {"rows": 2, "files": 1}}
    assert summary["skipped"] == 1
    assert read_table(out, "alert_log").collect()["message"].to_list() == ["disk failed"]
    result = CliRunner().invoke(main, ["parse", str(root / "log" / "day.note"), "--summary"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    assert (got["kind"], got["lines"], got["rows"], got["skipped_by_reason"]) == ("note", 4, 2, {"comment line": 1})


def test_a_file_that_cannot_be_read_gives_no_rows_and_one_problem(tmp_path):
    root = tmp_path / "sv1"
    (root / "log").mkdir(parents=True)
    (root / "etc").mkdir()
    (root / "log" / "elog_rc0.tar.gz").write_bytes(b"not an archive")
    with clpkit.open_bundle(root) as b:
        rows = b.load(b.entries("elog")[0])
        assert rows.tables == {} and rows.frame is None and len(rows.problems) == 1
        assert b.table("module_log").schema == formats.table_schema("module_log")
        assert dataclasses.asdict(rows.problems[0])["file"] == "sv1/log/elog_rc0.tar.gz"

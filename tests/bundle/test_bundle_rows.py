"""Bundle.rows: the rows of a large table that a caller needs, read file by file, equal to filtering the table.

The events, the clock and the findings read only part of ``module_log`` and
``cluster_stats`` through :meth:`clpkit.bundle.Bundle.rows`; each check here
compares that part with the straightforward ``table(kind).filter(...)`` of a
second bundle over the same files, on the shipped sample collection and on
a hand-written one with an emergency archive holding a damaged log.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import clpkit
from clpkit import clock, events
from clpkit.bundle import Bundle
from clpkit.findings import findings
from clpkit.ingest import ingest

from test_archived_logs_and_skipped import ARCHIVE_SOURCE, collection  # noqa: F401  (fixture)

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "samples" / "bundle"

FILTERS = [
    ("module_log", events.LOOSE_LOG_ENTRIES, True),
    ("module_log", events.LOOSE_LOG_ENTRIES, False),  # the archives read for their problems only
    ("module_log", pl.col("level") == "E", True),  # archived rows kept too
    ("cluster_stats", events.ACTIONS, True),
    ("cluster_stats", clock.GROUP_AND_RESOURCE_ACTIONS, True),
    ("mirror_stats", pl.col("raw").is_null(), True),
]


@pytest.mark.parametrize("kind,where,feeders", FILTERS, ids=lambda v: str(v)[:40])
def test_rows_equal_the_filtered_table_on_the_sample(kind, where, feeders):
    with clpkit.open_bundle(SAMPLE) as whole, clpkit.open_bundle(SAMPLE) as parts:
        expected = whole.table(kind).filter(where)
        got = parts.rows(kind, where, feeders=feeders)
        assert expected.height > 0, "the sample has such rows: the comparison is not empty"
        assert got.equals(expected), kind  # same rows, order, columns and types
        assert kind not in parts._tables, "the whole table was never held"
        assert parts.rows(kind, where, feeders=feeders) is got, "kept for the next call"
        assert parts.table(kind).equals(whole.table(kind)), "the table read afterwards is whole"


def test_rows_with_columns_and_after_the_table_is_read():
    with clpkit.open_bundle(SAMPLE) as b:
        picked = b.rows("cluster_stats", events.ACTIONS, ["server", "name", "end_time"])
        assert picked.columns == ["server", "name", "end_time"]
        table = b.table("cluster_stats")
        assert picked.equals(table.filter(events.ACTIONS).select("server", "name", "end_time"))
        assert b.rows("cluster_stats", events.ACTIONS).equals(table.filter(events.ACTIONS))


def test_archived_rows_are_filtered_and_their_problems_kept(collection):  # noqa: F811
    with clpkit.open_bundle(collection) as whole, clpkit.open_bundle(collection) as parts:
        wanted = pl.col("level").is_in(["E", "W"])
        got = parts.rows("module_log", wanted)
        assert got.equals(whole.table("module_log").filter(wanted))
        assert got["archive"].null_count() == 1 and got.height == 3  # the loose error, two archived lines
        assert parts.problems_so_far().sort(pl.all()).equals(whole.problems.sort(pl.all()))


def test_archives_read_for_their_problems_only(collection):  # noqa: F811
    with clpkit.open_bundle(collection) as b:
        got = b.rows("module_log", events.LOOSE_LOG_ENTRIES, feeders=False)
        assert got["source"].to_list() == ["sv1/log/rc.log.cur", "sv1/log/rc.log.cur"]
        problems = b.problems_so_far()
        refused = problems.filter(pl.col("file") == ARCHIVE_SOURCE)
        assert refused.height == 1 and "refused: '..' in the member name" in refused["reason"][0]
        # the damaged line inside the archived log is not read: its rows are not wanted
        assert problems.filter(pl.col("file").str.contains("!")).is_empty()


def _whole_tables(monkeypatch):
    """Bundle.rows as the straightforward filter of the whole table (its texts left as they are)."""
    def rows(self, kind, where, columns=None, *, feeders=True, categorical=()):
        frame = self.table(kind).filter(where)
        return frame.select(columns) if columns is not None else frame

    monkeypatch.setattr(Bundle, "rows", rows)


def test_events_and_findings_equal_those_of_the_whole_tables(monkeypatch):
    with clpkit.open_bundle(SAMPLE) as b:
        got_events = events.events(b, tz=b.zone.name)
        assert "module_log" not in b._tables and "cluster_stats" not in b._tables, "the events hold no whole table"
        got_findings = findings(b)
    _whole_tables(monkeypatch)
    with clpkit.open_bundle(SAMPLE) as b:
        want_events = events.events(b, tz=b.zone.name)
        want_findings = findings(b)
    assert got_events.height > 0 and got_findings.height > 0
    assert got_events.equals(want_events)
    assert got_findings.equals(want_findings)


def test_rows_from_the_dataset_equal_the_parsed_ones(tmp_path):
    ds = tmp_path / "ds"
    ingest(SAMPLE, ds, progress=False)
    with clpkit.open_bundle(SAMPLE) as parsed, clpkit.open_bundle(SAMPLE, dataset=ds) as stored:
        for kind, where, feeders in FILTERS:
            got = stored.rows(kind, where, feeders=feeders)
            assert got.equals(parsed.table(kind).filter(where)), kind
        assert stored.rows("cluster_stats", events.ACTIONS, ["server", "end_time"]).columns == ["server", "end_time"]


def test_categorical_columns_hold_the_same_values():
    with clpkit.open_bundle(SAMPLE) as plain, clpkit.open_bundle(SAMPLE) as compact:
        want = plain.rows("cluster_stats", events.ACTIONS, ["server", "source", "line"])
        got = compact.rows("cluster_stats", events.ACTIONS, ["server", "source", "line"], categorical=("source",))
        assert got.schema["source"] == pl.Categorical and want.schema["source"] == pl.String
        assert got.with_columns(pl.col("source").cast(pl.String)).equals(want)


def test_forget_drops_what_is_kept_and_reads_it_again():
    with clpkit.open_bundle(SAMPLE) as b:
        table = b.table("mirror_stats")
        part = b.rows("cluster_stats", events.ACTIONS)
        b.forget()
        assert not b._tables and not b._rows
        assert b.table("mirror_stats").equals(table) and b.rows("cluster_stats", events.ACTIONS).equals(part)


def test_findings_hold_only_the_statistics_columns_they_read():
    """The mirror and system checks read a few columns of those tables; the results are those of the whole tables."""
    from clpkit.findings import GOOD_ROWS, mirror_rows, system_rows
    from clpkit.report import system

    with clpkit.open_bundle(SAMPLE) as whole, clpkit.open_bundle(SAMPLE) as parts:
        found = findings(parts)
        assert {"ack_near_timeout", "mirror.send_queue_near_limit", "mirror.mdc_hb_slow"} <= set(found["code"])
        assert "mirror_stats" not in parts._tables and "system_stats" not in parts._tables, "no whole table held"
        for kind, read in (("mirror_stats", mirror_rows), ("system_stats", system_rows)):
            got = read(parts)
            table = whole.table(kind).filter(GOOD_ROWS)
            assert 5 < len(got.columns) < len(table.columns), kind
            assert got.equals(table.select(got.columns)), kind
        # a column left out would silently drop a limit from the usage: compare with the whole table's
        want = system.limit_usage(whole.table("system_stats").filter(GOOD_ROWS))
        assert want.height > 0 and system.limit_usage(system_rows(parts)).equals(want)


def test_findings_from_the_dataset_equal_the_parsed_ones(tmp_path):
    ds = tmp_path / "ds"
    ingest(SAMPLE, ds, progress=False)
    with clpkit.open_bundle(SAMPLE) as parsed, clpkit.open_bundle(SAMPLE, dataset=ds) as stored:
        want = findings(parsed)
        assert want.height > 0 and findings(stored).equals(want)
        assert "mirror_stats" not in stored._tables and "system_stats" not in stored._tables

"""The event catalog is well-formed data: unique keys, known levels and conditions."""

from __future__ import annotations

import re

import polars as pl

from clpkit import catalog


def test_schema_and_unique_keys():
    cat = catalog.load()
    assert cat.schema == catalog.SCHEMA
    assert cat.height >= 100
    assert cat.select("module", "event_id").is_duplicated().sum() == 0


def test_levels_evidence_and_meanings_are_filled():
    cat = catalog.load()
    assert set(cat["level"]) <= {"info", "warning", "error"}
    assert set(cat["evidence"]) <= {"G", "P", "I"}
    for col in ("message", "meaning_en", "meaning_ja"):
        assert cat[col].null_count() == 0, col
    # The Japanese meaning is Japanese text, not a copy of the English one.
    assert cat["meaning_ja"].str.contains(r"[\u3040-\u30ff\u4e00-\u9fff]").all()


def test_every_server_down_condition_is_known_and_evidenced():
    cat = catalog.load()
    used = set(cat["server_down_condition"].drop_nulls())
    assert used <= set(catalog.SERVER_DOWN_CONDITIONS)
    missing = set(catalog.SERVER_DOWN_CONDITIONS) - used - catalog.NO_PUBLIC_EVENT
    assert not missing, f"no catalogued event for {sorted(missing)}"


def test_guide_named_stall_events():
    for eid, cond in ((32, "activation_stall"), (42, "deactivation_stall")):
        row = catalog.lookup("rc", eid)
        assert row["evidence"] == "G"
        assert row["level"] == "error"
        assert "%1" in row["message"]
        assert catalog.condition_of("rc", eid, "... resource has failed.(99 : command is timeout)") == cond


def test_condition_when_are_valid_regexes():
    for pattern in catalog.load()["condition_when"].drop_nulls():
        re.compile(pattern)


def test_emergency_shutdown_only_for_core_processes():
    assert catalog.condition_of("pm", 20, "Process clprc was terminated abnormally.") == "emergency_shutdown"
    assert catalog.condition_of("pm", 20, "Process clpwebmc was terminated abnormally.") is None


def test_lookup_unknown():
    assert catalog.lookup("nosuch", 1) is None
    assert catalog.lookup("rc", "x") is None
    assert isinstance(catalog.load().filter(pl.col("module") == "rm"), pl.DataFrame)

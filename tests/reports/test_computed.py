"""Events, findings and incidents computed once per run (clpkit.report.computed): the same as computed per page."""

from __future__ import annotations

import json

import nbformat
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import clpkit
from clpkit import findings as findings_mod
from clpkit import zone
from clpkit.explain.outage import outages
from clpkit.explain.page import for_period
from clpkit.report import computed, timeline

from .conftest import SAMPLE


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """The sample bundle and the folder its results were computed into."""
    folder = tmp_path_factory.mktemp("computed")
    bundle = clpkit.open_bundle(SAMPLE)
    computed.write(bundle, folder, "en")
    yield bundle, folder
    bundle.close()


def test_write_stores_events_findings_and_incidents(stored):
    bundle, folder = stored
    assert {p.name for p in folder.iterdir()} == set(computed.FILES)
    ev = pl.read_parquet(folder / computed.EVENTS)
    assert ev.height > 0 and ev["time"].is_sorted()
    doc = json.loads((folder / computed.EXPLAIN).read_text(encoding="utf-8"))
    assert doc["tz"] == bundle.zone.name and doc["incidents"], "the sample's failover is an incident"


def test_stored_events_are_the_events(stored):
    bundle, folder = stored
    assert_frame_equal(computed.events(bundle, folder), computed.events(bundle, ""))


@pytest.mark.parametrize("lang", ["en", "ja"])
@pytest.mark.parametrize("since,until", [("", ""), ("2025-12-30", ""), ("2025-12-28T00:00", "2025-12-31T00:00")])
def test_findings_from_the_stored_ones_are_the_findings_of_the_period(stored, since, until, lang):
    bundle, folder = stored
    direct = findings_mod.findings(bundle, lang=lang, since=since or None, until=until or None)
    assert direct.height > 0 or (since, until) != ("", "")
    assert_frame_equal(computed.findings(bundle, since, until, lang, folder), direct)


def test_the_pages_periods_are_stored_and_equal_the_findings_of_that_period(stored):
    """The summary's period and the incident timeline's window are read from period_findings.parquet."""
    bundle, folder = stored
    doc = json.loads((folder / computed.EXPLAIN).read_text(encoding="utf-8"))
    window = timeline.default_window(zone.in_zone(computed.events(bundle, folder), bundle.zone), "", "")
    assert doc["periods"] == [["", ""], list(window)] and window[0] and window[1]
    stored_rows = pl.read_parquet(folder / computed.PERIOD_FINDINGS)
    for since, until in doc["periods"]:
        direct = findings_mod.findings(bundle, lang="en", since=since or None, until=until or None)
        mine = stored_rows.filter((pl.col("period_since") == since) & (pl.col("period_until") == until))
        assert mine.height == direct.height > 0
        assert_frame_equal(computed.findings(bundle, since, until, "en", folder), direct)


def test_a_period_not_stored_is_computed_from_the_timed_findings(stored, monkeypatch):
    bundle, folder = stored
    asked = []
    real = findings_mod.in_period
    monkeypatch.setattr(findings_mod, "in_period", lambda *a, **k: asked.append(k) or real(*a, **k))
    computed.findings(bundle, "2025-12-30", "", "en", folder)
    computed.findings(bundle, "", "", "en", folder)
    assert [k["since"] for k in asked] == ["2025-12-30"], "the stored period is read, the other computed"


def test_write_or_reuse_keeps_the_last_results_per_key(tmp_path):
    cache = tmp_path / "cache"
    with clpkit.open_bundle(SAMPLE) as bundle:
        one, two, three = (tmp_path / n for n in ("one", "two", "three"))
        for folder in (one, two, three):
            folder.mkdir()
        assert computed.write_or_reuse(bundle, one, cache, "k1") is False
        assert [p.name for p in cache.iterdir()] == ["k1"]
        assert computed.write_or_reuse(bundle, two, cache, "k1") is True
        for name in computed.FILES:
            assert (two / name).read_bytes() == (one / name).read_bytes()
        assert computed.write_or_reuse(bundle, three, cache, "k2") is False
        assert [p.name for p in cache.iterdir()] == ["k2"], "an older key's results are removed"
        assert (two / computed.EVENTS).is_file(), "a run folder keeps its own (linked) files"


def test_inputs_key_changes_with_any_file_the_dataset_or_a_value(tmp_path):
    from clpkit.ingest import MANIFEST

    collection, dataset = tmp_path / "c", tmp_path / "d"
    (collection / "sv1").mkdir(parents=True)
    dataset.mkdir()
    (collection / "sv1" / "clp.conf").write_text("<root/>")
    (dataset / MANIFEST).write_text("{}")
    key = computed.inputs_key(collection, dataset, "en", "")
    assert computed.inputs_key(collection, dataset, "en", "") == key, "the same input, the same key"
    assert computed.inputs_key(collection, dataset, "ja", "") != key
    assert computed.inputs_key(collection, dataset, "en", "2026-01-01") != key
    (dataset / MANIFEST).write_text('{"files": []}')
    changed_manifest = computed.inputs_key(collection, dataset, "en", "")
    assert changed_manifest != key
    (collection / "sv1" / "clp.conf").write_text("<root></root>")
    assert computed.inputs_key(collection, dataset, "en", "") != changed_manifest
    (collection / "sv1" / "new.log").write_text("")
    assert len({key, changed_manifest, computed.inputs_key(collection, dataset, "en", "")}) == 3


@pytest.mark.parametrize("since,until", [("", ""), ("2026-01-01", ""), ("", "2025-12-27")])
def test_incidents_and_outages_from_the_stored_ones_are_the_explainers(stored, since, until):
    bundle, folder = stored
    kept, estimate = for_period(bundle, since, until)
    records = outages(bundle, kept, estimate, bundle.zone.name)
    got, got_records = computed.incidents(bundle, since, until, folder)
    assert got == kept
    assert got_records == records


def test_the_sample_has_an_outage_to_compare():
    """The comparisons above see a real out-of-service record, not two empty lists."""
    with clpkit.open_bundle(SAMPLE) as bundle:
        kept, estimate = for_period(bundle)
        assert outages(bundle, kept, estimate, bundle.zone.name)


@pytest.mark.slow
def test_a_run_computes_once_and_the_pages_read_it(full_run):
    for name in computed.FILES:
        assert (full_run / name).is_file(), f"{name} not in the run folder"
    for name in ("incident_timeline", "summary"):
        nb = nbformat.read(full_run / f"{name}.ipynb", as_version=4)
        injected = next(c.source for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
        assert f"computed = {str(full_run)!r}" in injected or f'computed = "{full_run}"' in injected, name

"""Events, findings and incidents computed once per run (clpkit.report.computed): the same as computed per page."""

from __future__ import annotations

import json

import nbformat
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import clpkit
from clpkit import findings as findings_mod
from clpkit.explain.outage import outages
from clpkit.explain.page import for_period
from clpkit.report import computed

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
    assert {p.name for p in folder.iterdir()} == {computed.EVENTS, computed.FINDINGS, computed.EXPLAIN}
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
    for name in (computed.EVENTS, computed.FINDINGS, computed.EXPLAIN):
        assert (full_run / name).is_file(), f"{name} not in the run folder"
    for name in ("incident_timeline", "summary"):
        nb = nbformat.read(full_run / f"{name}.ipynb", as_version=4)
        injected = next(c.source for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
        assert f"computed = {str(full_run)!r}" in injected or f'computed = "{full_run}"' in injected, name

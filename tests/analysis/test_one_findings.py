"""One findings system: one schema, one severity order, one translation table, for the CLI and the reports."""

from __future__ import annotations

import json

import polars as pl
import pytest

import clpkit
from clpkit import findings as findings_mod
from clpkit import i18n
from clpkit.report import figures

from .conftest import SAMPLE


@pytest.fixture(scope="module")
def bundle():
    with clpkit.open_bundle(SAMPLE, tz="Asia/Tokyo") as b:
        yield b


def test_one_schema_one_order_one_table():
    assert figures.FINDINGS_SCHEMA is findings_mod.FINDINGS_SCHEMA
    assert figures.SEVERITIES is findings_mod.SEVERITY_ORDER
    assert not hasattr(i18n, "FINDING_TEXTS")
    for code, texts in findings_mod.TEXTS.items():
        assert set(texts) == set(findings_mod.LANGS), code


def test_every_code_found_has_both_languages(bundle):
    for lang in ("en", "ja"):
        found = findings_mod.findings(bundle, lang=lang)
        assert found.schema == findings_mod.FINDINGS_SCHEMA
        assert set(found["code"]) <= set(findings_mod.TEXTS)
        assert found["title"].null_count() == 0 and found["detail"].null_count() == 0
    ja = findings_mod.findings(bundle, lang="ja")
    assert ja.filter(pl.col("code") == "failover")["title"][0].startswith("グループ")


def test_cli_and_report_list_the_same_findings(bundle, clpkit_cli):
    cli = json.loads(clpkit_cli("findings", SAMPLE, "--tz", "Asia/Tokyo", "--json").stdout)
    page = figures.report_findings(bundle)
    assert sorted((f["code"], f["title"]) for f in cli) == sorted(page.select("code", "title").rows())
    # The settings checks the reports had on their own are findings of the CLI too.
    assert {"mirror.send_queue_near_limit", "ack_near_timeout", "failover"} <= {f["code"] for f in cli}


def test_report_findings_are_most_severe_first(bundle):
    page = figures.report_findings(bundle)
    rank = [findings_mod.SEVERITY_ORDER.index(s) for s in page["severity"]]
    assert rank == sorted(rank)


def test_summary_figures_agree_with_its_findings(bundle):
    for since, until in [("", ""), ("2026-01-01T03:00+09:00", ""), ("2026-01-01T03:00", "2026-01-01T03:30"),
                         ("2026-01-02T00:00", "")]:
        found = figures.report_findings(bundle, since, until)
        key = dict(figures.key_figures(bundle, found, since, until).iter_rows())
        assert key["failovers"] == found.filter(pl.col("code") == "failover").height
        for severity, count in figures.severity_counts(found).iter_rows():
            assert key[f"findings.{severity}"] == count


def test_since_with_an_offset_keeps_the_failover(bundle):
    kept = figures.report_findings(bundle, "2026-01-01T03:00+09:00", "")
    assert "failover" in set(kept["code"])
    same = figures.report_findings(bundle, "2026-01-01T03:00", "")
    assert same.select("code", "title").rows() == kept.select("code", "title").rows()
    after = figures.report_findings(bundle, "2026-01-01T04:00+09:00", "")
    assert "failover" not in set(after["code"])


def test_finding_texts_carry_the_zone(bundle):
    found = findings_mod.findings(bundle)
    monitor = found.filter(pl.col("code") == "monitor_error")["detail"][0]
    assert "+09:00" in monitor


def test_unknown_language_is_one_clear_error(bundle):
    with pytest.raises(clpkit.ClpkitError, match="unknown language"):
        findings_mod.findings(bundle, lang="fr")

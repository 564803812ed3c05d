"""``clpkit report`` end to end on the committed sample, checked in headless Chromium offline."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import polars as pl
import pytest

from clpkit.report import NOTEBOOKS, figures
from clpkit.i18n import title
from clpkit.report.runner import runs

from clpkit.report.html import VEGA_FILE

from .conftest import NOTEBOOKS_DIR, ROOT, SAMPLE

pytestmark = pytest.mark.slow
NETWORK_REF = re.compile(r"<(?:script|link|img|iframe)[^>]+(?:src|href)=[\"']?(?:https?:)?//", re.I)


def test_full_run_writes_every_report(full_run):
    run = json.loads((full_run / "run.json").read_text())
    assert run["status"] == "ok" and run["reports"] == list(NOTEBOOKS)
    for name in NOTEBOOKS:
        nb = nbformat.read(full_run / f"{name}.ipynb", as_version=4)
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
        assert errors == [], f"{name}: {errors[:1]}"
        page = (full_run / f"{name}.html").read_text(encoding="utf-8")
        assert f'<script src="{VEGA_FILE}"></script>' in page, f"{name}: page without the run's Vega bundle"
        assert "window.vegaEmbed=" not in page, f"{name}: the bundle is inlined again"
    assert "vegaEmbed" in (full_run / VEGA_FILE).read_text(encoding="utf-8"), "one bundle per run, beside the pages"
    from clpkit.report.runner import vega_cache

    assert vega_cache(full_run.parent).read_text(encoding="utf-8") == (full_run / VEGA_FILE).read_text(encoding="utf-8"), \
        "the bundle is kept under OUT for the next run"
    top = (full_run.parent / "index.html").read_text()
    assert f'href="{full_run.name}/index.html"' in top
    key = pl.read_parquet(full_run / "figures.parquet")
    assert key.height > 0 and key["cluster"].n_unique() == 1 and key["run"].unique().to_list() == [full_run.name]


def test_pages_reference_nothing_on_a_network(full_run):
    for page in [*full_run.glob("*.html"), full_run.parent / "index.html"]:
        text = page.read_text(encoding="utf-8")
        assert not NETWORK_REF.search(text), f"{page.name} loads from a network"
        assert text.count("window.vegaEmbed=") <= 1, f"{page.name}: vega bundle inlined more than once"


def test_reports_render_offline_in_chromium(full_run, offline_browser):
    drawn = {}
    for name in [*NOTEBOOKS, "index"]:
        result = offline_browser.load(full_run / f"{name}.html")
        assert result["attempted"] == [], f"{name} tried the network: {result['attempted'][:3]}"
        assert result["errors"] == [], f"{name}: console errors {result['errors'][:3]}"
        assert result["chart_errors"] == [], f"{name}: {result['chart_errors'][:2]}"
        assert all(n > 0 for n in result["marks"]), f"{name}: a chart drew no marks {result['marks']}"
        assert result["code_cells"] == 0, f"{name}: code shown without --show-code"
        assert result["broken"] == [], f"{name}: values broken over lines: {result['broken']}"
        drawn[name] = result["charts"]
        if name != "index":
            assert result["title"] == f"{title(name, 'en')} — cluster1", f"{name}: <title> {result['title']!r}"
            assert "index.html" in result["nav"] and "../index.html" in result["nav"], f"{name}: no way back"
            assert all(f"{n}.html" in result["nav"] for n in NOTEBOOKS if n != name), f"{name}: nav misses a page"
        assert result["lang"] == "en"
    for name in ("mirror_performance", "system_resources", "summary", "incident_timeline", "cluster_statistics"):
        assert drawn[name] > 0, f"{name} drew no chart"


def test_every_chart_of_every_report_keeps_the_palette_and_units(full_run):
    """And is a valid Vega-Lite spec: the pages display them unvalidated (clpkit.report.html.show)."""
    import altair as alt
    from altair.vegalite.v6.schema.core import Root

    from clpkit.report.html import LAB_MIMETYPE

    from .spec_rules import problems

    seen = 0
    for name in NOTEBOOKS:
        nb = nbformat.read(full_run / f"{name}.ipynb", as_version=4)
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                spec = out.get("data", {}).get(LAB_MIMETYPE)
                if spec:
                    seen += 1
                    assert problems(spec) == [], f"{name}: {problems(spec)[:3]}"
                    Root.validate({**spec, "$schema": alt.SCHEMA_URL})  # raises on a spec Vega-Lite refuses
    assert seen >= 6


def test_an_invalid_spec_is_refused_by_the_check_above():
    """The validation the test above relies on catches a property Vega-Lite does not know."""
    import altair as alt
    import jsonschema
    from altair.vegalite.v6.schema.core import Root

    spec = alt.Chart(alt.Data(values=[{"a": 1}])).mark_line().encode(x="a:Q").to_dict(validate=False)
    Root.validate(spec)
    with pytest.raises(jsonschema.ValidationError):
        Root.validate({**spec, "mark": {"type": "line", "colour": "red"}})


def test_tables_sort_and_filter_offline(full_run, offline_browser):
    """Click a heading: rows sort (numbers as numbers); type in the box: rows filter."""
    from playwright.sync_api import sync_playwright  # noqa: F401  (the fixture's browser)

    page = offline_browser.browser.new_page()
    page.goto((full_run / "cluster_statistics.html").as_uri())
    page.wait_for_selector("input.clpkit-filter")
    table = page.locator("table.clpkit-table").nth(3)  # monitors against their timeouts
    heading = table.locator("th", has_text="Count")
    heading.click()
    counts = [int(v) for v in table.locator("tbody td:nth-child(2)").evaluate_all("cs => cs.map(c => c.dataset.sort)")]
    assert counts == sorted(counts) and len(counts) > 2
    heading.click()
    again = [int(v) for v in table.locator("tbody td:nth-child(2)").evaluate_all("cs => cs.map(c => c.dataset.sort)")]
    assert again == sorted(counts, reverse=True)
    table.locator("xpath=preceding-sibling::input[1]").fill("genw1")
    visible = table.locator("tbody tr:visible")
    assert visible.count() == 1 and "genw1" in visible.inner_text()
    page.close()


def test_incident_events_collapse_repeats_with_file_and_line(full_run):
    text = (full_run / "incident_timeline.html").read_text(encoding="utf-8")
    assert re.search(r"×\d{2,}", text), "a monitor failing every minute is one row with its count"
    assert re.search(r"sv\d/[^<]+:\d+</td>", text), "every event row says file:line"
    assert text.count("<h2") == len(set(re.findall(r"<h2[^>]*>([^<]+)", text))), "no heading twice"


def test_top_index_renders_offline(full_run, offline_browser):
    result = offline_browser.load(full_run.parent / "index.html")
    assert result["attempted"] == [] and result["errors"] == [] and result["broken"] == []
    assert full_run.name in result["text"]
    key = pl.read_parquet(full_run / "figures.parquet")
    found = dict(key.filter(pl.col("metric").str.starts_with("findings.")).select("metric", "value").iter_rows())
    counts = r"\s+".join(str(int(found[f"findings.{s}"])) for s in figures.SEVERITIES)
    period = rf"{key['period_start'][0]} – {key['period_end'][0]}"
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d – \d{4}-", period), f"the summary stored no period: {period!r}"
    row = rf"{full_run.name}\s+cluster1\s+{re.escape(period)}\s+complete\s+English\s+{counts}\s"
    assert re.search(row, result["text"]), f"run row without period, status, language and findings: {result['text'][:300]}"


def test_japanese_run(ja_run, offline_browser):
    run = json.loads((ja_run / "run.json").read_text())
    assert run["lang"] == "ja" and run["reports"] == ["mirror_performance", "cluster_reference", "summary"]
    mirror_page = offline_browser.load(ja_run / "mirror_performance.html")
    assert mirror_page["lang"] == "ja" and mirror_page["title"].startswith("ミラー性能")
    assert "ミラー性能" in mirror_page["text"] and "推奨設定" in mirror_page["text"]
    assert mirror_page["charts"] > 0 and mirror_page["errors"] == [] and mirror_page["attempted"] == []
    assert mirror_page["broken"] == [], f"values broken over lines: {mirror_page['broken']}"
    summary = offline_browser.load(ja_run / "summary.html")
    assert "クラスタ概要" in summary["text"] and "検出事項" in summary["text"]
    assert "Findings" not in summary["text"]
    assert summary["code_cells"] > 0 and "import" in summary["text"], "--show-code keeps the code"
    reference = offline_browser.load(ja_run / "cluster_reference.html")
    assert reference["errors"] == [] and reference["attempted"] == []
    for words in ("クラスタ構成リファレンス", "緊急ログアーカイブ", "サーバダウン条件と設定された最終動作", "リソース活性ストール",
                  "クラスタ起動同期待ち時間"):
        assert words in reference["text"], words
    assert "Emergency log archives" not in reference["text"]


def _exec_start(env: dict[str, str], clpkit: str) -> list[str]:
    """The service's ExecStart as argv, expanded the way systemd does (${X} whole, $X split).

    The executable is a literal absolute path (systemd expands no variable
    there); the test puts this environment's clpkit in its place.
    """
    unit = (ROOT / "contrib" / "systemd" / "clpkit-report.service").read_text()
    line = next(l.split("=", 1)[1] for l in unit.splitlines() if l.startswith("ExecStart="))
    executable, *words = shlex.split(line)
    assert executable.startswith("/") and "$" not in executable and executable.endswith("/clpkit")
    argv = [clpkit]
    for word in words:
        whole = re.fullmatch(r"\$\{(\w+)\}", word)
        split = re.fullmatch(r"\$(\w+)", word)
        if whole:
            argv.append(env[whole.group(1)])
        elif split:
            argv.extend(env.get(split.group(1), "").split())
        else:
            argv.append(re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], word))
    return argv


def test_scheduled_runs_accumulate_and_a_failure_leaves_the_index(tmp_path):
    out = tmp_path / "reports"
    clpkit = str(Path(sys.executable).with_name("clpkit"))
    env = {"CLPKIT_BUNDLE": str(SAMPLE), "CLPKIT_OUT": str(out), "CLPKIT_REPORT_OPTS": "--only summary"}
    argv = _exec_start(env, clpkit)
    assert argv[:2] == [clpkit, "report"]

    first = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stderr == "", "a scheduled run that succeeds is silent (no kernel warnings)"
    second = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    done = runs(out)
    assert len(done) == 2 and len({r.folder for r in done}) == 2
    index = (out / "index.html").read_text()
    assert all(f'href="{r.folder}/index.html"' in index for r in done)
    trend = figures.history(out, done[0].cluster)
    assert trend["run_time"].n_unique() == 2, "summary's trend sees both runs"

    broken = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS_DIR, broken)
    nb = nbformat.read(broken / "summary.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell('raise RuntimeError("deliberately broken report")'))
    nbformat.write(nb, broken / "summary.ipynb")
    before = (out / "index.html").read_bytes()
    failed = subprocess.run(argv, capture_output=True, text=True, cwd=tmp_path,
                            env={**os.environ, "CLPKIT_NOTEBOOKS": str(broken)})
    assert failed.returncode == 2
    assert "report summary failed" in failed.stderr and "deliberately broken report" in failed.stderr
    assert (out / "index.html").read_bytes() == before, "a failed run must not touch the index"
    assert len(runs(out)) == 2
    newest = sorted(p for p in out.iterdir() if p.is_dir())[-1]
    state = json.loads((newest / "run.json").read_text())
    assert state["status"] == "failed" and state["failed"] == "summary"
    partial = nbformat.read(newest / "summary.ipynb", as_version=4)
    assert any(o.output_type == "error" for c in partial.cells if c.cell_type == "code" for o in c.outputs)
    assert (newest / "summary.html").exists(), "the partial page is kept for reading"
    assert not list(out.glob("**/.*.tmp-*")), "no temporary file left behind"


@pytest.mark.parametrize("args, message", [
    (["--since", "last week"], "not an ISO date"),
    (["--only", "nope"], "Invalid value for '--only'"),
    (["--lang", "fr"], "Invalid value for '--lang'"),
])
def test_bad_options_are_one_clear_error(tmp_path, args, message):
    from click.testing import CliRunner

    from clpkit.cli import main

    result = CliRunner().invoke(main, ["report", str(SAMPLE), "--out", str(tmp_path), *args])
    assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "index.html").exists()


def test_missing_bundle_is_one_clear_error(tmp_path):
    done = subprocess.run([sys.executable, "-m", "clpkit", "report", str(tmp_path / "none"), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True)
    assert done.returncode == 2 and "no such bundle" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_the_run_reads_the_dataset_and_reuses_it_when_the_collection_is_unchanged(tmp_path):
    from clpkit.report.runner import DATASET, run_reports

    out = tmp_path / "reports"
    first = run_reports(SAMPLE, out, only=["cluster_statistics"])
    dataset = out / DATASET
    parts = {p: p.stat().st_mtime_ns for p in dataset.glob("*/cluster=*/server=*/part-*.parquet")}
    assert parts, "the collection was ingested under OUT"
    nb = nbformat.read(first / "cluster_statistics.ipynb", as_version=4)
    injected = next(c.source for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert f"dataset = {str(dataset)!r}" in injected or f'dataset = "{dataset}"' in injected
    done = json.loads((first / "run.json").read_text())["dataset"]
    assert done["parsed"] > 0 and done["reused"] == 0

    second = run_reports(SAMPLE, out, only=["cluster_statistics"])
    again = json.loads((second / "run.json").read_text())["dataset"]
    assert again == {"parsed": 0, "reused": done["parsed"], "removed": 0}
    assert {p: p.stat().st_mtime_ns for p in dataset.glob("*/cluster=*/server=*/part-*.parquet")} == parts, "no file's part rewritten (bundle.parquet is rewritten every run by design)"
    assert (second / "cluster_statistics.html").read_text(encoding="utf-8").count("<table") == \
        (first / "cluster_statistics.html").read_text(encoding="utf-8").count("<table")


def test_an_unchanged_input_reuses_the_last_runs_events_and_findings(tmp_path):
    """The second run links what the first computed; a file of the collection that changed computes again."""
    from clpkit.report import computed
    from clpkit.report.runner import COMPUTED_CACHE, run_reports

    bundle = tmp_path / "bundle"
    shutil.copytree(SAMPLE, bundle)
    out = tmp_path / "reports"
    first = run_reports(bundle, out, only=["summary"])
    second = run_reports(bundle, out, only=["summary"])
    said = [json.loads((r / "run.json").read_text())["computed"] for r in (first, second)]
    assert said == ["computed", "reused"]
    for name in computed.FILES:
        assert (second / name).read_bytes() == (first / name).read_bytes()
    assert len(list((out / COMPUTED_CACHE).iterdir())) == 1

    def tables(run):  # the page's tables (its trend chart grows with each run)
        return re.findall(r"<table.*?</table>", (run / "summary.html").read_text(encoding="utf-8"), re.S)

    assert tables(second) == tables(first) and len(tables(first)) >= 2, "the same tables from the reused results"
    os.utime(bundle / "README.md", ns=(1, 1))  # any file of the collection
    third = run_reports(bundle, out, only=["summary"])
    assert json.loads((third / "run.json").read_text())["computed"] == "computed"


def test_events_on_the_extracted_collection_reuse_the_report_runs_dataset(tmp_path):
    """What the README says: the report's dataset is keyed by OUT/.unpacked/NAME; given that, nothing is parsed."""
    from clpkit.report.runner import DATASET, UNPACKED, run_reports

    out = tmp_path / "reports"
    run_reports(SAMPLE, out, only=["cluster_reference"])
    dataset = out / DATASET
    parts = {p: p.stat().st_mtime_ns for p in dataset.glob("*/cluster=*/server=*/part-*.parquet")}
    assert parts
    done = subprocess.run([sys.executable, "-m", "clpkit", "events", str(out / UNPACKED / SAMPLE.name),
                           "--dataset", str(dataset)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) > 10, "the events are printed"
    assert {p: p.stat().st_mtime_ns for p in dataset.glob("*/cluster=*/server=*/part-*.parquet")} == parts, \
        "no file parsed again: no part rewritten, none added or removed"

"""The report logic in lib: recommendations, limits, headroom, windows, indexes (no kernel)."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from clpkit.report import cluster, data, mirror, system, timeline
from clpkit.i18n import MESSAGES, t
from clpkit.report.runner import Run, runs, top_index

T0 = dt.datetime(2026, 11, 1)


def mirror_stats(**cols) -> pl.DataFrame:
    n = len(next(iter(cols.values())))
    return pl.DataFrame({"time": [T0 + dt.timedelta(minutes=i) for i in range(n)], "server": ["sv1"] * n,
                         "mirror": ["nmp1"] * n, **cols})


def test_ack_peak_near_timeout_raises_the_timeout():
    rec = mirror.recommendations(mirror_stats(sync_ack_time_max=[10.0, 85_000.0]), {"nmp1": {"acktimeout": 100}})
    row = rec.filter(pl.col("statistic") == "Sync Ack Time, Max").row(0, named=True)
    assert row["usage_pct"] == pytest.approx(85.0)
    assert row["suggested"] == 170.0 and row["setting"] == "acktimeout"
    assert "Ack timeout" in row["why"]


def test_every_maximum_says_on_which_server_and_when():
    ms = pl.concat([mirror_stats(sync_ack_time_max=[10.0, 85_000.0, 20.0]),
                    mirror_stats(sync_ack_time_max=[90_000.0, 5.0, 5.0]).with_columns(server=pl.lit("sv2"))])
    row = mirror.recommendations(ms, {"nmp1": {"acktimeout": 100}}).row(0, named=True)
    assert (row["observed"], row["server"], row["time_of_max"]) == (90_000.0, "sv2", T0)
    ss = pl.DataFrame({"time": [T0 + dt.timedelta(minutes=i) for i in range(3)], "server": ["sv1"] * 3,
                       "file_current_size": [100, 700, 300], "file_limit_size": [1000] * 3})
    assert system.limit_usage(ss).select("max_pct", "time_of_max").row(0) == (70.0, T0 + dt.timedelta(minutes=1))
    cs = pl.DataFrame({"category": ["monitor"] * 3, "name": ["genw1"] * 3, "action": ["Monitor"] * 3,
                       "result": ["Success"] * 3, "elapsed_time_ms": [1_000, 54_000, 2_000],
                       "server": ["sv1", "sv2", "sv1"], "time": [T0 + dt.timedelta(minutes=i) for i in range(3)]})
    head = cluster.monitor_headroom(cs, {"genw1": 60.0})
    assert head.select("max_s", "server", "time_of_max").row(0) == (54.0, "sv2", T0 + dt.timedelta(minutes=1))


def test_cluster_tables_in_japanese_use_the_products_words():
    cs = pl.DataFrame({"category": ["group", "resource", "resource"], "name": ["failover1", "md1", "md1"],
                       "action": ["Move", "Start", "Stop"], "result": ["Success", "Success", "Failure"],
                       "elapsed_time_ms": [1_000, 2_000, 3_000]})
    assert cluster.localised(cluster.durations(cs, "resource"), "ja", "resource").sort("max_s")["action"].to_list() \
        == ["活性", "非活性"]
    assert cluster.localised(cluster.failovers(cs), "ja", "group").select("action", "result").row(0) == ("移動", "成功")
    assert cluster.localised(cluster.outcome_table(cs), "ja")["category"].to_list() == ["グループ", "リソース"]
    assert cluster.localised(cluster.failovers(cs), "en", "group")["action"].to_list() == ["Move"]
    assert timeline.event_table(pl.DataFrame({"time": [T0], "server": ["sv1"], "level": ["warning"],
                                              "message": ["x"]}), "ja")["level"].to_list() == ["警告"]


def test_ack_peak_well_under_timeout_changes_nothing():
    rec = mirror.recommendations(mirror_stats(sync_ack_time_max=[1_000.0]), {"nmp1": {"acktimeout": 100}})
    assert rec["suggested"].to_list() == [None]
    assert rec["usage_pct"].to_list() == [1.0]


def test_send_queue_is_judged_only_in_asynchronous_mode():
    stats = mirror_stats(send_queue_max=[1900.0])
    sync = mirror.recommendations(stats, {"nmp1": {"syncmode": 1, "sendqueuesize": 2048}})
    asyn = mirror.recommendations(stats, {"nmp1": {"syncmode": 0, "sendqueuesize": 2048}})
    assert sync["suggested"].to_list() == [None] and sync["current"].to_list() == [None]
    assert asyn["suggested"].to_list() == [3800.0]


def test_recommendations_in_japanese_and_unknown_settings():
    rec = mirror.recommendations(mirror_stats(unmount_time_max=[250.0], fsck_time_max=[1.0]), {}, lang="ja")
    assert rec["current"].null_count() == rec.height, "no clp.conf: no limit invented"
    assert all("。" in why for why in rec["why"])


def test_guide_typo_in_waiting_headers_is_matched():
    stats = mirror_stats(local_write_watiting_recovery_read_time_total=[3.0])
    assert mirror.recommendations(stats, {})["statistic"].to_list() == ["Local-Write Waiting Recovery-Read Time, Total"]


def test_system_limits_and_anomalies():
    n = 200
    ss = pl.DataFrame({
        "time": [T0 + dt.timedelta(minutes=i) for i in range(n)], "server": ["sv1"] * n,
        "cpu_utilization": [5.0] * (n - 1) + [99.0],
        "file_current_size": [100] * n, "file_limit_size": [1000] * n,
        "process_current_count": [150] * n,
    })
    usage = system.limit_usage(ss)
    assert usage.select("resource", "max_pct").rows() == [("Open files", 10.0)]
    odd = system.anomalies(ss)
    assert odd.height == 1 and odd["value"][0] == 99.0


def test_monitor_headroom_and_outcomes():
    cs = pl.DataFrame({
        "category": ["monitor", "monitor", "group", "resource"], "type": ["genw", "genw", "group", "exec"],
        "name": ["genw1", "genw1", "failover1", "exec1"], "action": ["Monitor", "Monitor", "Start", "Start"],
        "result": ["Success", "Timeout", "Success", "Failure"], "elapsed_time_ms": [1_000, 54_000, 7_140, 1_790_000],
    })
    head = cluster.monitor_headroom(cs, {"genw1": 60.0})
    assert head.select("name", "max_s", "headroom_pct", "use_pct").row(0) == ("genw1", 54.0, 10.0, 90.0)
    res = cluster.resources_against_timeouts(cs, {("exec1", "start"): 1800.0})
    assert res.select("name", "headroom_pct").row(0) == ("exec1", pytest.approx(0.6, abs=0.1))
    assert cluster.outcomes(cs).rows() == [("monitor", "Timeout", 1), ("resource", "Failure", 1)]


def test_window_domain_fixes_the_time_axis():
    from clpkit import charts

    spec = charts.lines(mirror_stats(sync_ack_time_max=[1.0]).select("time", "server", series=pl.lit("a"), value=pl.lit(1.0)),
                        label="Ack time", unit="ms", domain=["2026-11-01T00:00:00", "2026-11-01T06:30:00"]).to_dict()
    lo, hi = spec["layer"][0]["encoding"]["x"]["scale"]["domain"]
    assert (lo["hours"], hi["hours"], hi["minutes"]) == (0, 6, 30)


def test_window_on_naive_and_aware_times():
    naive = pl.DataFrame({"time": [T0, T0 + dt.timedelta(hours=2)]})
    aware = naive.with_columns(pl.col("time").dt.replace_time_zone("UTC"))
    assert data.window(naive, "2026-11-01T01:00", "").height == 1
    assert data.window(aware, "", "2026-11-01T01:00").height == 1


def test_timeline_window_defaults_to_the_last_incident():
    times = [T0 - dt.timedelta(days=2), T0 - dt.timedelta(hours=1), T0, T0 + dt.timedelta(days=1)]
    ev = pl.DataFrame({"time": times, "level": ["ERROR", "ERROR", "ERROR", "INFO"]}).with_columns(
        pl.col("time").dt.replace_time_zone("UTC"))
    assert timeline.default_window(ev, "", "") == ("2026-10-31T22:30:00", "2026-11-01T00:30:00")
    only_info = ev.filter(pl.col("level") == "INFO")
    assert timeline.default_window(only_info, "", "") == ("2026-11-01T23:30:00", "2026-11-02T00:30:00")
    assert timeline.default_window(ev, "2026-01-01", "") == ("2026-01-01", "")


def test_every_report_title_has_both_languages():
    from clpkit.report import NOTEBOOKS

    for name in NOTEBOOKS:
        en, ja = MESSAGES[name]
        assert en and ja and en != ja
    with pytest.raises(ValueError, match="unknown language"):
        t("summary", "fr")


def test_top_index_links_complete_runs_and_marks_failed_ones(tmp_path):
    for folder, status in [("2026-11-01T060000Z", "ok"), ("2026-11-08T060000Z", "failed"), ("2026-11-15T060000Z", "ok")]:
        (tmp_path / folder).mkdir()
        run = Run(folder=folder, cluster="cluster1", bundle="b", since="", until="", lang="en", started="",
                  status=status, reports=["summary"] if status == "ok" else [], failed="" if status == "ok" else "summary",
                  period_start="2026-10-25 06:00", period_end="2026-11-01 06:00",
                  findings={"critical": 0, "error": 2, "warning": 5, "info": 1} if status == "ok" else {})
        (tmp_path / folder / "run.json").write_text(json.dumps(run.__dict__))
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "run.json").write_text("{not json")
    assert [r.folder for r in runs(tmp_path)] == ["2026-11-15T060000Z", "2026-11-01T060000Z"]
    page = top_index(tmp_path)
    assert page.index("2026-11-15T06") < page.index("2026-11-08T06") < page.index("2026-11-01T06")
    assert 'href="2026-11-08T060000Z/index.html"' not in page, "a failed run has no index to link to"
    assert "failed: summary" in page and page.count('class="clpkit-status-ok"') == 2
    assert "2026-10-25 06:00 – 2026-11-01 06:00" in page and "English" in page
    assert '<td class="num">2</td><td class="num">5</td>' in page, "findings counts per severity"
    assert "- – -" not in page


def test_unpack_extracts_server_archives_once_and_keeps_the_rest(tmp_path):
    import tarfile

    from clpkit.report.runner import unpack

    src = tmp_path / "collection"
    (src / "sv2" / "perf" / "disk").mkdir(parents=True)
    (src / "README.md").write_text("notes")
    member = tmp_path / "nmp1.cur"
    member.write_text('"Date","Write, Total"\n')
    (src / "sv2" / "perf" / "disk" / "nmp1.cur").write_text(member.read_text())
    with tarfile.open(src / "sv1.tar.gz", "w:gz") as tar:
        tar.add(member, arcname="sv1/perf/disk/nmp1.cur")
    work = tmp_path / "work"
    work.mkdir()
    out = unpack(src, work)
    assert out == work / "collection"
    assert (out / "sv1" / "sv1" / "perf" / "disk" / "nmp1.cur").read_text().startswith('"Date"')
    # the rest is there as regular files (links would be refused by the bundle's folder safety), not copied bytes
    assert not (out / "sv2").is_symlink() and not (out / "README.md").is_symlink()
    assert (out / "README.md").read_text() == "notes"
    assert (out / "README.md").stat().st_ino == (src / "README.md").stat().st_ino
    import clpkit

    with clpkit.open_bundle(out) as opened:
        assert opened.servers == ["sv1", "sv2"] and opened.problems.is_empty()
    plain = tmp_path / "plain"
    (plain / "sv1").mkdir(parents=True)
    assert unpack(plain, work) == plain, "a folder without archives is used as it is"


def test_unpack_keeps_its_extraction_and_inflates_only_a_changed_archive(tmp_path):
    import os
    import tarfile

    from clpkit.report.runner import unpack

    def archive(name: str, text: str, evil: bool = False) -> None:
        member = tmp_path / "nmp1.cur"
        member.write_text(text)
        with tarfile.open(src / name, "w:gz") as tar:
            tar.add(member, arcname=f"{name[:3]}/perf/disk/nmp1.cur")
            if evil:
                tar.add(member, arcname="../escape.cur")

    src, work = tmp_path / "collection", tmp_path / "work"
    src.mkdir()
    archive("sv1.tar.gz", '"Date","Write, Total"\n', evil=True)
    archive("sv2.tar.gz", '"Date","Write, Total"\n')
    lost: list = []
    out = unpack(src, work, lost)
    one, two = out / "sv1" / "sv1" / "perf" / "disk" / "nmp1.cur", out / "sv2" / "sv2" / "perf" / "disk" / "nmp1.cur"
    first = {p: p.stat().st_ino for p in (one, two)}
    assert [p.file for p in lost] == ["collection/sv1.tar.gz"], "the refused member is a problem"

    archive("sv2.tar.gz", '"Date","Write, Total","Read, Total"\n')
    os.utime(src / "sv2.tar.gz", ns=(1, 1))  # a new fingerprint whatever the clock's resolution
    lost_again: list = []
    assert unpack(src, work, lost_again) == out
    assert one.stat().st_ino == first[one], "an unchanged archive is not extracted again"
    assert "Read, Total" in two.read_text(), "a changed one is (its new content; an inode number may be reused)"
    assert [(p.file, p.reason) for p in lost_again] == [(p.file, p.reason) for p in lost], "its problems are remembered"

    (src / "sv2.tar.gz").unlink()
    unpack(src, work, [])
    assert sorted(p.name for p in out.iterdir()) == ["sv1"], "what left the collection leaves the extraction"


def test_the_vega_bundle_is_kept_under_out_for_the_next_run(tmp_path):
    from clpkit.report.html import vega_bundle
    from clpkit.report.runner import _keep_vega_bundle, cached_vega_bundle, vega_cache

    assert cached_vega_bundle(tmp_path) == vega_bundle(), "no cache yet: built"
    _keep_vega_bundle(tmp_path, "kept bundle")
    assert vega_cache(tmp_path).read_text() == "kept bundle"
    assert cached_vega_bundle(tmp_path) == "kept bundle", "a later run reads the kept file"
    _keep_vega_bundle(tmp_path, "another")
    assert cached_vega_bundle(tmp_path) == "kept bundle", "an existing file is left alone"


def test_cluster_page_reads_only_its_columns_and_gets_the_same_tables():
    """figures.table(keep=cluster.COLUMNS): the cluster statistics page computes the same tables as from the whole table."""
    from clpkit.report import figures

    from .conftest import SAMPLE

    b = data.open_bundle(str(SAMPLE), "", "", "")
    whole = b.scan("cluster_stats").filter(pl.col("problem").is_null()).with_columns(time=pl.col("end_time")).collect()
    kept = figures.table(b, "cluster_stats", keep=cluster.COLUMNS)
    assert set(kept.columns) == set(cluster.COLUMNS) and kept.height == whole.height > 0
    assert not set(figures.ROW_LOCATION) & set(figures.table(b, "system_stats").columns)
    timeouts = cluster.monitor_timeouts(b.config)
    for step in (lambda s: cluster.durations(s, "group"), lambda s: cluster.durations(s, "resource"),
                 cluster.failovers, cluster.outcomes, cluster.outcome_table,
                 lambda s: cluster.monitor_headroom(s, timeouts),
                 lambda s: cluster.resources_against_timeouts(s, cluster.resource_timeouts(b.config))):
        assert step(kept).equals(step(whole))

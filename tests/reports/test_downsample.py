"""Downsampling: a fixed number of buckets, each keeping its lowest and highest sample.

A 90-day, 8-server system chart is the case that used to stop the report
(altair's 5,000-row limit); these tests build that shape in memory.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from clpkit import charts
from clpkit.report import data, system
from clpkit.units import bucket_text

T0 = dt.datetime(2026, 9, 1)


def minutes(days: int, servers: int, series: tuple[str, ...] = ("CPU",)) -> pl.DataFrame:
    times = pl.datetime_range(T0, T0 + dt.timedelta(days=days), "1m", eager=True, closed="left")
    base = pl.DataFrame({"time": times}).with_columns(value=(pl.int_range(pl.len()) % 97).cast(pl.Float64))
    return pl.concat(
        base.with_columns(server=pl.lit(f"sv{s}"), series=pl.lit(name)) for s in range(1, servers + 1) for name in series
    ).select("time", "server", "series", "value")


def test_each_bucket_keeps_its_lowest_and_highest_sample_at_their_own_times():
    frame = minutes(1, 1)
    spike_at, dip_at = T0 + dt.timedelta(hours=5, minutes=7), T0 + dt.timedelta(hours=9, minutes=41)
    frame = frame.with_columns(
        pl.when(pl.col("time") == spike_at).then(10_000.0).when(pl.col("time") == dip_at).then(-50.0)
        .otherwise(pl.col("value")).alias("value")
    )
    small = data.downsample(frame, max_points=48)  # 24 buckets over one day: 1 h each
    assert small["bucket_s"].unique().to_list() == [3600]
    assert small.height <= 48
    assert small.filter(pl.col("value") == 10_000.0)["time"].to_list() == [spike_at], "the one-minute peak survives"
    assert small.filter(pl.col("value") == -50.0)["time"].to_list() == [dip_at], "so does the dip"
    per_bucket = small.group_by(pl.col("time").dt.truncate("1h")).agg(pl.col("value").min().alias("lo"),
                                                                     pl.col("value").max().alias("hi"))
    truth = frame.group_by(pl.col("time").dt.truncate("1h")).agg(pl.col("value").min().alias("lo"),
                                                                pl.col("value").max().alias("hi"))
    assert per_bucket.sort("time").equals(truth.sort("time"))


def test_a_bucket_with_one_sample_gives_one_row():
    frame = pl.DataFrame({"time": [T0, T0 + dt.timedelta(hours=1)], "server": ["sv1"] * 2,
                          "series": ["x"] * 2, "value": [1.0, 2.0]})
    assert data.downsample(frame, max_points=500)["value"].to_list() == [1.0, 2.0]


def test_many_lines_shrink_the_buckets_to_stay_under_the_row_limit():
    frame = minutes(90, 8, ("CPU", "Memory", "Swap", "Threads", "Open files", "Inodes"))
    small = data.downsample(frame, max_points=400)
    assert small.height <= data.MAX_CHART_ROWS
    assert small["value"].max() == frame["value"].max()
    charts.lines(small, label="CPU", unit="%").to_dict()  # altair accepts it


def test_many_servers_get_one_panel_each_with_full_detail():
    frame = minutes(90, 8, ("CPU", "Memory"))
    panels = data.panels(frame, max_points=400)
    assert [name for name, _ in panels] == [f"sv{i}" for i in range(1, 9)]
    for name, part in panels:
        assert part["server"].unique().to_list() == [name]
        assert part.height <= 400 * 2
        assert part["bucket_s"][0] <= 90 * 86400 / 150, "a panel keeps a fine bucket"
    few = data.panels(minutes(2, 2), max_points=400)
    assert [name for name, _ in few] == [None]


def test_the_chart_states_the_bucket_size():
    small = data.downsample(minutes(30, 2), max_points=400)
    spec = charts.lines(small, label="CPU", unit="%", title="CPU").to_dict()
    assert spec["title"]["text"] == "CPU"
    assert spec["title"]["subtitle"] == f"each point: lowest and highest value of {bucket_text(small['bucket_s'][0])}"
    ja = charts.lines(small, label="CPU", unit="%", title="CPU", lang="ja").to_dict()
    assert "最小値と最大値" in ja["title"]["subtitle"]
    raw = charts.lines(minutes(1, 1).head(10), label="CPU", unit="%", title="CPU").to_dict()
    assert raw["title"] == "CPU", "a frame that was not bucketed claims no bucket"


def test_system_panels_of_eight_servers_serialise():
    times = pl.datetime_range(T0, T0 + dt.timedelta(days=90), "1m", eager=True, closed="left")
    stats = pl.concat(
        pl.DataFrame({"time": times}).with_columns(
            server=pl.lit(f"sv{s}"), CPUUtilization=(pl.int_range(pl.len()) % 100),
            MemoryCurrentSize=pl.lit(10), MemoryTotalSize=pl.lit(100), ProcessCurrentCount=pl.lit(200),
        )
        for s in range(1, 9)
    )
    for frames in (system.utilisation_panels(stats), system.counts_panels(stats)):
        assert len(frames) == 8
        for _, frame in frames:
            assert frame.height <= data.MAX_CHART_ROWS
            charts.lines(frame, label="Use", unit="%").to_dict()


def test_system_page_of_eight_servers_has_a_panel_per_server_and_family():
    times = pl.datetime_range(T0, T0 + dt.timedelta(days=2), "1m", eager=True, closed="left")
    stats = pl.concat(
        pl.DataFrame({"time": times}).with_columns(
            server=pl.lit(f"sv{s}"), CPUTotal=pl.lit(6000), CPUUser=(pl.int_range(pl.len()) % 3000),
            MemoryCurrentSize=pl.lit(10), MemoryTotalSize=pl.lit(100), ProcessCurrentCount=pl.lit(200),
        )
        for s in range(1, 9)
    )
    (page,) = system.charts_for(stats)
    spec = page.to_dict()
    def title_of(panel):
        while "title" not in panel and "layer" in panel:  # a limit line wraps the chart in a layer
            panel = panel["layer"][0]
        return panel["title"]["text"] if isinstance(panel.get("title"), dict) else panel.get("title")
    titles = [title_of(p) for p in spec["vconcat"][0]["vconcat"]]
    assert {f"CPU: sv{s}" for s in range(1, 9)} <= set(titles)
    assert {f"Memory: sv{s}" for s in range(1, 9)} <= set(titles)

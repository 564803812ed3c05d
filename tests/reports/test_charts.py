"""Every chart function: its spec serialises, typed encodings, the theme, the one palette, units."""

from __future__ import annotations

import datetime as dt

import altair as alt
import polars as pl
import pytest

from clpkit import charts
from clpkit.report import data

from .spec_rules import problems

T0 = dt.datetime(2026, 11, 1)


def long_frame(n: int = 50) -> pl.DataFrame:
    return pl.DataFrame({
        "time": [T0 + dt.timedelta(minutes=i) for i in range(n)],
        "server": ["sv1", "sv2"] * (n // 2),
        "series": ["Write"] * n,
        "value": [float(i) for i in range(n)],
    })


EVENTS = pl.DataFrame({"time": [T0, T0], "server": ["sv1", "sv2"], "level": ["ERROR", "warning"],
                       "module": ["rc", "rm"], "message": ["activation failed", "delay"]})
MONITORS = pl.DataFrame({"name": ["genw1", "ipw1", "mdw1"], "max_s": [60.0, 50.0, 1.0],
                         "timeout_s": [60.0, 60.0, 60.0], "use_pct": [100.0, 83.3, 1.7]})
CASES = {
    "lines": lambda: charts.lines(long_frame(), label="Throughput", unit="B/s"),
    "against_limit": lambda: charts.against_limit(long_frame(), 40.0, label="Ack time", unit="ms", limit_label="Ack timeout"),
    "against_no_limit": lambda: charts.against_limit(long_frame(), None, label="Ack time", unit="ms", limit_label="x"),
    "bars": lambda: charts.bars(pl.DataFrame({"n": ["a", "b"], "v": [1.0, 2.0]}), x="v", y="n", label="Max", unit="s", y_title="name"),
    "timeout_use": lambda: charts.timeout_use(MONITORS),
    "outcome_counts": lambda: charts.outcome_counts(pl.DataFrame({"category": ["monitor"] * 2, "result": ["Timeout", "Failure"], "count": [3, 4]})),
    "severity_counts": lambda: charts.severity_counts(pl.DataFrame({"severity": ["error", "warning"], "count": [1, 2]})),
    "event_timeline": lambda: charts.event_timeline(EVENTS),
    "overlay": lambda: charts.overlay(charts.lines(long_frame(), label="CPU", unit="%"), pl.DataFrame({"time": [T0], "label": ["x"]})),
    "overview": lambda: charts.overview(long_frame(), alt.selection_interval(name="z", encodings=["x"])),
    "linked": lambda: charts.linked([lambda z: charts.event_timeline(EVENTS, zoom=z),
                                     lambda z: charts.lines(long_frame(), label="Queue", unit="count", zoom=z)],
                                    [long_frame()], domain=["2026-11-01T00:00:00", "2026-11-01T01:00:00"]),
    "trend": lambda: charts.trend(pl.DataFrame({"run_time": [T0, T0 + dt.timedelta(days=7)], "metric": ["error"] * 2, "value": [1.0, 3.0]})),
}


def _units(spec: dict):
    for key in ("vconcat", "hconcat", "layer"):
        for part in spec.get(key, []):
            yield from _units(part)
    if "mark" in spec:
        yield spec


@pytest.mark.parametrize("name", sorted(CASES))
def test_chart_serialises_with_types_theme_palette_and_units(name):
    spec = CASES[name]().to_dict()
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
    assert spec["config"]["view"]["continuousWidth"] == charts.WIDTH, "the clpkit theme is applied"
    fields = [e for u in _units(spec) for e in u.get("encoding", {}).values() if isinstance(e, dict) and "field" in e]
    assert fields and all(e.get("type") in ("temporal", "quantitative", "nominal") for e in fields)
    assert problems(spec) == []


def test_the_rules_catch_a_chart_without_unit_or_palette():
    bad = alt.Chart(long_frame()).mark_line(color="#ff00ff").encode(
        alt.X("time:T"), alt.Y("value:Q", title="Value"), alt.Color("server:N")).to_dict()
    found = problems(bad)
    assert any("no unit" in p for p in found) and any("#ff00ff" in p for p in found)
    assert any("without the status palette" in p for p in found)


def test_every_public_chart_function_is_covered():
    public = {n for n, f in vars(charts).items() if callable(f) and not n.startswith("_")
              and getattr(f, "__module__", "") == "clpkit.charts"}
    helpers = {"status", "status_colour", "axis_title", "threshold", "t_result", "level_word"}
    covered = {n.removesuffix("_no_limit") for n in CASES}
    assert public - helpers <= covered, f"charts without a test case: {public - helpers - covered}"


def test_one_meaning_one_colour_across_charts():
    """An error is the same red in the severity bars, the event ticks and the outcome bars."""
    def colours(spec):
        out = {}
        for u in _units(spec):
            enc = u.get("encoding", {}).get("color", {})
            if "scale" in enc and "range" in enc["scale"]:
                out.update(zip(enc["scale"]["domain"], enc["scale"]["range"]))
        return out
    sev = colours(CASES["severity_counts"]().to_dict())
    ev = colours(CASES["event_timeline"]().to_dict())
    out = colours(CASES["outcome_counts"]().to_dict())
    red = charts.STATUS_COLOURS["error"]
    assert sev["error"] == ev["error"] == out["Failure"] == red
    assert sev["warning"] == ev["warning"] == charts.STATUS_COLOURS["warning"]
    assert not set(charts.PALETTE) & set(charts.STATUS_COLOURS.values()) - {charts.STATUS_COLOURS["info"]}, \
        "metric lines never use a colour that means error, warning or success"
    ja = colours(charts.outcome_counts(pl.DataFrame({"category": ["m"], "result": ["Failure"], "count": [1]}), lang="ja").to_dict())
    assert ja == {"失敗": red}, "translated legends keep the colour of their meaning"


def test_monitor_at_its_timeout_draws_a_full_bar_and_the_threshold():
    spec = CASES["timeout_use"]().to_dict()
    bars = spec["layer"][0]
    assert bars["encoding"]["x"]["field"] == "use_pct"
    rows = spec["datasets"][bars["data"]["name"]]
    assert {r["name"]: r["state"] for r in rows} == {"genw1": "error", "ipw1": "warning", "mdw1": "ok"}
    rule = spec["datasets"][spec["layer"][1]["data"]["name"]]
    assert rule[0]["limit"] == 100.0 and "100 %" in rule[0]["label"]


def test_linked_charts_share_one_zoom_brush():
    spec = CASES["linked"]().to_dict()
    zoom = [p for p in spec["params"] if p["name"].startswith("zoom")]
    assert len(zoom) == 1 and zoom[0]["select"]["type"] == "interval"
    details = spec["vconcat"][0]["vconcat"]
    domains = [u["encoding"]["x"]["scale"]["domain"] for d in details for u in _units(d)
               if u["encoding"].get("x", {}).get("scale", {}).get("domain")]
    assert domains and all(d == {"param": zoom[0]["name"], "encoding": "x"} for d in domains)
    hovers = [p for p in spec["params"] if p["name"].startswith("hover")]
    assert hovers, "a crosshair on the line chart"


def test_theme_is_registered_and_active():
    assert charts.THEME in alt.theme.names()
    assert alt.theme.active == charts.THEME


def test_downsampled_month_stays_under_altairs_row_limit():
    month = pl.DataFrame({"time": pl.datetime_range(T0, T0 + dt.timedelta(days=30), "1m", eager=True)})
    month = month.with_columns(server=pl.lit("sv1"), series=pl.lit("Write"), value=pl.int_range(pl.len()).cast(pl.Float64))
    assert month.height > 40_000
    small = data.downsample(month, max_points=500)
    assert small.height <= 500
    assert small["value"].max() == month["value"].max(), "buckets keep the peak"
    charts.lines(small, label="x", unit="B").to_dict()
    with pytest.raises(alt.MaxRowsError):
        charts.lines(month, label="x", unit="B").to_dict()


def test_bytes_are_drawn_in_the_binary_unit_of_the_limit():
    """Memory against a 16 GiB limit: values in GiB, axis titled (GiB), the rule at 16 and labelled 16 GiB."""
    gib = 1024**3
    frame = long_frame().with_columns(pl.col("value") * 0.2 * gib)  # up to 9.8 GiB
    spec = charts.against_limit(frame, 16 * gib, label="Size", unit="B", limit_label="total").to_dict()
    line = spec["layer"][0]["layer"][0]
    assert line["encoding"]["y"]["title"] == "Size (GiB)"
    data = (line.get("data") or spec["layer"][0]["data"])["name"]
    values = [r["value"] for r in spec["datasets"][data]]
    assert max(values) == pytest.approx(49 * 0.2) and min(values) == 0
    rule = spec["datasets"][spec["layer"][1]["data"]["name"]][0]
    assert rule["limit"] == 16 and rule["label"] == "total: 16 GiB"


def test_byte_rates_without_a_limit_follow_their_own_largest_value():
    spec = charts.lines(long_frame().with_columns(pl.col("value") * 1024**2), label="Throughput", unit="B/s").to_dict()
    line = spec["layer"][0]
    assert line["encoding"]["y"]["title"] == "Throughput (MiB/s)"
    data = (line.get("data") or spec["data"])["name"]
    assert max(r["value"] for r in spec["datasets"][data]) == 49


def test_charts_held_as_plain_dicts_make_altairs_spec(monkeypatch):
    """charts._plain (marks, encodings and transforms as dicts, so that layering and linking copy them fast)
    writes the spec altair's own objects write; only the views' hashed names differ (they hash the objects)."""
    import json
    import re

    def text(name):
        spec = json.dumps(CASES[name]().to_dict(), sort_keys=True)
        return re.sub(r"(view_[0-9a-f]{16}|hover\d+|zoom\d+)", "NAME", spec)

    composed = ["lines", "against_limit", "overlay", "overview", "event_timeline", "linked"]
    line = CASES["lines"]().layer[0]
    assert isinstance(line._kwds["mark"], dict) and isinstance(line.encoding._kwds["x"], dict), "held as dicts"
    fast = {n: text(n) for n in composed}
    monkeypatch.setattr(charts, "_plain", lambda chart: chart)
    assert not isinstance(CASES["lines"]().layer[0]._kwds["mark"], dict)
    assert {n: text(n) for n in composed} == fast

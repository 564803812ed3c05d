"""Every chart function returns a chart whose spec serialises, with typed encodings and the theme."""

from __future__ import annotations

import datetime as dt

import altair as alt
import polars as pl
import pytest

from clpkit import charts
from clpkit.report import data

T0 = dt.datetime(2026, 11, 1)


def long_frame(n: int = 50) -> pl.DataFrame:
    return pl.DataFrame({
        "time": [T0 + dt.timedelta(minutes=i) for i in range(n)],
        "server": ["sv1", "sv2"] * (n // 2),
        "series": ["Write"] * n,
        "value": [float(i) for i in range(n)],
    })


CASES = {
    "lines": lambda: charts.lines(long_frame(), y_title="bytes/s"),
    "against_limit": lambda: charts.against_limit(long_frame(), 40.0, y_title="ms", limit_label="Ack timeout"),
    "against_no_limit": lambda: charts.against_limit(long_frame(), None, y_title="ms", limit_label="x"),
    "bars": lambda: charts.bars(pl.DataFrame({"n": ["a", "b"], "v": [1.0, 2.0]}), x="v", y="n", x_title="s", y_title="name"),
    "headroom": lambda: charts.headroom(pl.DataFrame({"name": ["genw1", "ipw1"], "headroom_pct": [10.0, 80.0]})),
    "outcome_counts": lambda: charts.outcome_counts(pl.DataFrame({"category": ["monitor"], "result": ["Timeout"], "count": [3]})),
    "severity_counts": lambda: charts.severity_counts(pl.DataFrame({"severity": ["error", "warning"], "count": [1, 2]})),
    "event_timeline": lambda: charts.event_timeline(pl.DataFrame({
        "time": [T0], "server": ["sv1"], "level": ["ERROR"], "module": ["rc"], "message": ["activation failed"]})),
    "overlay": lambda: charts.overlay(charts.lines(long_frame(), y_title="%"), pl.DataFrame({"time": [T0], "label": ["x"]})),
    "trend": lambda: charts.trend(pl.DataFrame({"run_time": [T0, T0 + dt.timedelta(days=7)], "metric": ["failovers"] * 2, "value": [1.0, 3.0]})),
}


def _encodings(spec: dict) -> list[dict]:
    layers = spec.get("layer", [spec])
    return [enc for layer in layers for enc in layer.get("encoding", {}).values() if isinstance(enc, dict)]


@pytest.mark.parametrize("name", sorted(CASES))
def test_chart_serialises_with_types_and_theme(name):
    chart = CASES[name]()
    assert isinstance(chart, (alt.Chart, alt.LayerChart))
    spec = chart.to_dict()
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
    assert spec["config"]["view"]["continuousWidth"] == charts.WIDTH, "the clpkit theme is applied"
    fields = [e for e in _encodings(spec) if "field" in e]
    assert fields and all(e.get("type") in ("temporal", "quantitative", "nominal") for e in fields)


def test_every_public_chart_function_is_covered():
    public = {n for n, f in vars(charts).items() if callable(f) and not n.startswith("_")
              and getattr(f, "__module__", "") == "clpkit.charts"}
    covered = {n.removesuffix("_no_limit") for n in CASES}
    assert public <= covered, f"charts without a test case: {public - covered}"


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
    charts.lines(small, y_title="x").to_dict()
    with pytest.raises(alt.MaxRowsError):
        charts.lines(month, y_title="x").to_dict()

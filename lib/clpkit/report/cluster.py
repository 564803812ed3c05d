"""Cluster statistics (perf/cluster/*.cur): durations, timeouts, headroom, outcomes.

Timeouts come from clp.conf (taken as seconds): a monitor's ``timeout``; for
an exec resource ``timeout/start`` and ``timeout/stop``; for a mirror
resource ``mount/timeout`` (start) and ``umount/timeout`` (stop).

>>> cs = pl.DataFrame({"category": ["monitor"], "type": ["genw"], "name": ["genw1"],
...                    "action": ["Monitor"], "result": ["Success"], "elapsed_time_ms": [45_000]})
>>> monitor_headroom(cs, {"genw1": 60.0}).select("name", "headroom_pct").row(0)
('genw1', 25.0)
"""

from __future__ import annotations

import polars as pl

FAILOVER_ACTIONS = ("failover",)
GROUP_ACTIONS = ("start", "stop", "move", "failover")

#: The cluster_stats columns this module reads (the page loads only these: 8 servers x 90 days is millions of rows).
COLUMNS = ("time", "end_time", "category", "type", "name", "action", "result", "elapsed_time_ms", "server")

# resource type -> {action: parameter path of its timeout}
RESOURCE_TIMEOUTS: dict[str, dict[str, tuple[str, ...]]] = {
    "exec": {"start": ("timeout/start", "parameters/timeout/start"), "stop": ("timeout/stop", "parameters/timeout/stop")},
    "md": {"start": ("mount/timeout", "parameters/mount/timeout"), "stop": ("umount/timeout", "parameters/umount/timeout")},
    "hd": {"start": ("mount/timeout", "parameters/mount/timeout"), "stop": ("umount/timeout", "parameters/umount/timeout")},
    "disk": {"start": ("mount/timeout", "parameters/mount/timeout"), "stop": ("umount/timeout", "parameters/umount/timeout")},
}


def _seconds():
    return (pl.col("elapsed_time_ms").cast(pl.Float64) / 1000.0)


def durations(stats: pl.DataFrame, category: str) -> pl.DataFrame:
    """Per name and action of one category: count, mean and max seconds, where and when the max was, failures.

    >>> import datetime as dt
    >>> cs = pl.DataFrame({"category": ["group"] * 2, "name": ["failover1"] * 2, "action": ["Stop"] * 2,
    ...                    "result": ["Success"] * 2, "elapsed_time_ms": [2_000, 9_000], "server": ["sv1", "sv2"],
    ...                    "time": [dt.datetime(2026, 1, 1, 3), dt.datetime(2026, 1, 1, 4)]})
    >>> durations(cs, "group").select("max_s", "server", "time_of_max").row(0)
    (9.0, 'sv2', datetime.datetime(2026, 1, 1, 4, 0))
    """
    part = stats.filter(pl.col("category") == category)
    at_max = [pl.col(c).sort_by(_seconds(), nulls_last=False).last().alias(alias)
              for c, alias in (("server", "server"), ("time", "time_of_max")) if c in part.columns]
    return (
        part.group_by("name", "action")
        .agg(
            pl.len().alias("count"),
            _seconds().mean().round(2).alias("mean_s"),
            _seconds().max().round(2).alias("max_s"),
            *at_max,
            (pl.col("result") != "Success").sum().alias("not_success"),
        )
        .sort(["max_s", "name", "action"], descending=[True, False, False], nulls_last=True)  # ties by name: the same page every run
    )


def localised(frame: pl.DataFrame, lang: str, category: str | None = None) -> pl.DataFrame:
    """A table of this module for reading in ``lang``: category, action and result in the product's words.

    ``category`` names the table's category when it has no column of its own
    (the start of a resource is 活性, of a group 起動).

    >>> localised(pl.DataFrame({"action": ["Start"], "result": ["Failure"]}), "ja", "resource").row(0)
    ('活性', '失敗')
    """
    from clpkit.i18n import cell_word

    def word(col: str, kind) -> pl.Expr:
        return pl.struct(frame.columns).map_elements(
            lambda r: cell_word(kind(r), r[col], lang), return_dtype=pl.String).alias(col)

    if lang == "en" or frame.is_empty():
        return frame
    exprs = []
    if "action" in frame.columns:
        exprs.append(word("action", lambda r: f"action_{category or r.get('category')}"))
    if "result" in frame.columns:
        exprs.append(word("result", lambda r: "result"))
    if "category" in frame.columns:
        exprs.append(word("category", lambda r: "category"))
    return frame.with_columns(exprs)


def failovers(stats: pl.DataFrame) -> pl.DataFrame:
    """Group failovers and moves (written on the destination server), newest first."""
    part = stats.filter(
        (pl.col("category") == "group") & pl.col("action").str.to_lowercase().is_in(["failover", "move"])
    )
    cols = [c for c in ("end_time", "server", "name", "action", "result") if c in part.columns]
    return part.select(*cols, _seconds().round(2).alias("duration_s")).sort(cols[0], descending=True)


def resource_timeouts(config) -> dict[tuple[str, str], float]:
    """(resource name, action lower-case) → timeout seconds, from clp.conf."""
    found: dict[tuple[str, str], float] = {}
    for res in getattr(config, "resources", []) if config is not None else []:
        params = getattr(res, "params", {}) or {}
        for action, paths in RESOURCE_TIMEOUTS.get(getattr(res, "type", ""), {}).items():
            for p in paths:
                if params.get(p) not in (None, ""):
                    try:
                        found[(res.name, action)] = float(params[p])
                    except ValueError:
                        pass
                    break
    return found


def monitor_timeouts(config) -> dict[str, float]:
    """Monitor name → timeout seconds, from clp.conf."""
    found = {}
    for mon in getattr(config, "monitors", []) if config is not None else []:
        if getattr(mon, "timeout", None) is not None:
            found[mon.name] = float(mon.timeout)
    return found


def resources_against_timeouts(stats: pl.DataFrame, timeouts: dict[tuple[str, str], float]) -> pl.DataFrame:
    """Resource start/stop: max seconds, timeout seconds and headroom % (null when unknown)."""
    d = durations(stats, "resource").with_columns(pl.col("action").str.to_lowercase().alias("_a"))
    t = pl.DataFrame(
        [(n, a, s) for (n, a), s in timeouts.items()],
        schema={"name": pl.String, "_a": pl.String, "timeout_s": pl.Float64}, orient="row",
    )
    return (
        d.join(t, on=["name", "_a"], how="left")
        .drop("_a")
        .with_columns(headroom_pct=(100.0 * (1 - pl.col("max_s") / pl.col("timeout_s"))).round(1))
    )


def monitor_headroom(stats: pl.DataFrame, timeouts: dict[str, float]) -> pl.DataFrame:
    """Per monitor: runs, mean/max elapsed seconds, timeout, use % = max/timeout, headroom % = 100 − use."""
    d = durations(stats, "monitor")
    at_max = [pl.col(c).sort_by("max_s", nulls_last=False).last() for c in ("server", "time_of_max") if c in d.columns]
    d = d.group_by("name").agg(pl.col("count").sum(), pl.col("mean_s").mean().round(2), pl.col("max_s").max(), *at_max)
    t = pl.DataFrame(list(timeouts.items()), schema={"name": pl.String, "timeout_s": pl.Float64}, orient="row")
    return (
        d.join(t, on="name", how="left")
        .with_columns(use_pct=(100.0 * pl.col("max_s") / pl.col("timeout_s")).round(1))
        .with_columns(headroom_pct=(100.0 - pl.col("use_pct")).round(1))
        .sort(["headroom_pct", "name"], nulls_last=True)  # ties by name: the same page every run
    )


RESULTS = ("Failure", "Timeout", "Warning", "Cancel")  # every result other than Success (SPEC 3.4)


def outcome_table(stats: pl.DataFrame) -> pl.DataFrame:
    """Per category: the count of each result other than Success, zeros included.

    >>> cs = pl.DataFrame({"category": ["monitor", "group"], "result": ["Timeout", "Success"]})
    >>> outcome_table(cs).rows()
    [('group', 0, 0, 0, 0), ('monitor', 0, 1, 0, 0)]
    """
    return (
        stats.group_by("category")
        .agg(*[(pl.col("result") == r).sum().cast(pl.Int64).alias(r) for r in RESULTS])
        .sort("category")
    )


def outcomes(stats: pl.DataFrame) -> pl.DataFrame:
    """Counts of Failure, Timeout, Warning and Cancel per category (Success left out)."""
    return (
        stats.filter(pl.col("result") != "Success")
        .group_by("category", "result")
        .agg(pl.len().cast(pl.Int64).alias("count"))
        .sort("category", "result")
    )

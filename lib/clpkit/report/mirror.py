"""Mirror statistics against the mirror settings, and what to change.

The guide names, for each mirror statistic, the setting it is there to size
(SPEC §3.2): the Ack times against the mirror driver's Ack timeout, Send
Queue against the asynchronous queue size, Request Queue against the
maximum request queue, the waiting totals against the recovery data size,
Unmount and Fsck times against their timeouts. :data:`CHECKS` holds that as
data; :func:`recommendations` compares the observed peaks with the values
in clp.conf and says what to change, to what, and why.

Units: the Ack times in the file are milliseconds; the Ack timeout,
unmount and fsck timeouts in clp.conf are taken as seconds (the public
parameter documentation gives them in seconds; the guide is silent).

>>> ms = pl.DataFrame({"mirror": ["nmp1"], "sync_ack_time_max": [90_000.0]})
>>> rec = recommendations(ms, {"nmp1": {"acktimeout": 100}})
>>> rec.select("statistic", "current", "suggested", "usage_pct").row(0)
('Sync Ack Time, Max', 100.0, 180.0, 90.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl

from clpkit.report.data import column
from clpkit.i18n import t

WARN_PCT = 80.0  # a peak above this share of its setting gets a recommendation
MDC_HB_LIMIT_S = 2.0  # public monitors alarm on MDC HB Time above 2 s


@dataclass(frozen=True)
class Check:
    """One statistic of nmpN.cur, the setting the guide names for it, and how to size it."""

    statistic: str  # header name in nmpN.cur (SPEC §3.2)
    setting: str | None  # key of the mirror's settings (clp.conf mddriver/..., umount/...)
    scale: float  # statistic units per setting unit (ms per s for the Ack times)
    advice_en: str
    advice_ja: str


CHECKS: tuple[Check, ...] = (
    Check("Sync Ack Time, Max", "acktimeout", 1000.0,
          "A reply slower than the Ack timeout breaks the mirror; keep the peak under half of it.",
          "応答が Ack タイムアウトを超えるとミラーが切断されます。最大値がその半分以下になるよう設定します。"),
    Check("Recovery Ack Time, Max", "acktimeout", 1000.0,
          "Mirror recovery waits for these replies too; the same Ack timeout applies.",
          "ミラー復帰中の応答にも同じ Ack タイムアウトが適用されます。"),
    Check("Send Queue, Max", "sendqueuesize", 1.0,
          "In asynchronous mode a full send queue stalls writes; give it twice the peak.",
          "非同期モードで送信キューが満杯になると書き込みが待たされます。最大値の 2 倍を確保します。"),
    Check("Request Queue, Max", "reqqueuesize", 1.0,
          "The cluster's maximum request queue must hold the peak of pending requests.",
          "クラスタの最大リクエストキュー数は、滞留したリクエストの最大値を収容できる必要があります。"),
    Check("Local-Write Waiting Recovery-Read Time, Total", "recoverysize", 1.0,
          "Writes waited for recovery reads: a smaller recovery data size shortens those waits.",
          "書き込みが復帰用の読み込みを待ちました。復帰データサイズを小さくすると待ち時間が短くなります。"),
    Check("Recovery-Read Waiting Local-Write Time, Total", "recoverysize", 1.0,
          "Recovery reads waited for writes: review the recovery data size.",
          "復帰用の読み込みが書き込みを待ちました。復帰データサイズを見直します。"),
    Check("Unmount Time, Max", "umount_timeout", 1.0,
          "An unmount slower than its timeout fails the deactivation; keep the peak under half.",
          "アンマウントがタイムアウトを超えると非活性に失敗します。最大値がその半分以下になるよう設定します。"),
    Check("Fsck Time, Max", "fsck_timeout", 1.0,
          "An fsck slower than its timeout fails the activation; keep the peak under half.",
          "fsck がタイムアウトを超えると活性に失敗します。最大値がその半分以下になるよう設定します。"),
    Check("MDC HB Time, Max2", None, 1.0,
          "Mirror disk connect heartbeats above 2 s point at the mirror connect network.",
          "ミラーディスクコネクトのハートビートが 2 秒を超えています。ミラー通信経路を確認します。"),
)

# Where each setting key is read from a mirror resource's parameters (clp.conf paths, SPEC §3.7).
SETTING_PATHS: dict[str, tuple[str, ...]] = {
    "acktimeout": ("acktimeout", "mddriver/acktimeout"),
    "sendqueuesize": ("sendqueuesize", "mddriver/sendqueuesize"),
    "syncmode": ("syncmode", "mddriver/syncmode"),
    "reqqueuesize": ("reqqueuesize", "mddriver/reqqueuesize", "reqqueue"),
    "recoverysize": ("recoverysize", "mddriver/recoverysize"),
    "umount_timeout": ("umount_timeout", "umount/timeout", "umount_timeout_s"),
    "fsck_timeout": ("fsck_timeout", "fsck/timeout", "fsck_timeout_s"),
}

SCHEMA = pl.Schema({
    "mirror": pl.String, "statistic": pl.String, "observed": pl.Float64, "server": pl.String,
    "time_of_max": pl.Datetime("ms"), "setting": pl.String,
    "current": pl.Float64, "usage_pct": pl.Float64, "suggested": pl.Float64, "why": pl.String,
})


def settings_value(settings, key: str) -> float | None:
    """A mirror setting as a number, from a mapping or an object, by any of its known names."""
    for name in SETTING_PATHS.get(key, (key,)):
        if isinstance(settings, dict):
            value = settings.get(name)
        else:
            value = getattr(settings, name.replace("/", "_"), None)
        if value is not None:
            try:
                return float(value)
            except (TypeError, ValueError):
                continue
    return None


def _suggest(peak_in_setting_units: float) -> float:
    """Twice the peak, rounded up to a whole setting unit."""
    return float(math.ceil(peak_in_setting_units * 2))


def recommendations(stats: pl.DataFrame, settings: dict[str, object], lang: str = "en") -> pl.DataFrame:
    """One row per mirror and statistic: observed peak (on which server, when), setting, use %, suggestion, why.

    ``settings`` maps the ``mirror`` value (nmpN) to that mirror's settings
    (a mapping or an object such as ``ClusterConfig.mirror(name)``).
    ``suggested`` is null when the current setting is fine or unknown.
    """
    rows = []
    for mirror in sorted(stats["mirror"].unique().drop_nulls().to_list()) if "mirror" in stats.columns else []:
        part = stats.filter(pl.col("mirror") == mirror)
        conf = settings.get(mirror) or {}
        asynchronous = settings_value(conf, "syncmode") == 0
        for check in CHECKS:
            col = column(part, check.statistic)
            if col is None:
                continue
            values = part[col].cast(pl.Float64)
            peak = values.max()
            if peak is None:
                continue
            at = values.arg_max()  # the peak's row: which server, when
            where = [part[c][at] if c in part.columns else None for c in ("server", "time")]
            current = settings_value(conf, check.setting) if check.setting else None
            usage = suggested = None
            advice = check.advice_ja if lang == "ja" else check.advice_en
            if check.setting == "sendqueuesize" and not asynchronous:
                advice = ("同期モードでは送信キューの設定は使われません。" if lang == "ja"
                          else "The send queue size is only used in asynchronous mode.")
                current = None
            if current and current > 0:
                usage = 100.0 * peak / (current * check.scale)
                if usage >= WARN_PCT:
                    suggested = _suggest(peak / check.scale)
            if check.statistic.startswith("MDC HB") and peak > MDC_HB_LIMIT_S:
                usage = 100.0 * peak / MDC_HB_LIMIT_S
            if check.setting == "recoverysize" and peak > 0:
                usage = None
            rows.append((mirror, check.statistic, float(peak), *where, check.setting, current, usage, suggested, advice))
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def needs_action(rec: pl.DataFrame) -> pl.DataFrame:
    """The recommendations that change a setting."""
    return rec.filter(pl.col("suggested").is_not_null())


# Units of the statistics (SPEC 3.2) and of the settings they are compared with.
STATISTIC_UNITS = {"Sync Ack Time, Max": "ms", "Recovery Ack Time, Max": "ms", "Send Queue, Max": "count",
                   "Request Queue, Max": "count", "Unmount Time, Max": "s", "Fsck Time, Max": "s",
                   "MDC HB Time, Max2": "s", "Local-Write Waiting Recovery-Read Time, Total": "s",
                   "Recovery-Read Waiting Local-Write Time, Total": "s"}
SETTING_UNITS = {"acktimeout": "s", "sendqueuesize": "count", "reqqueuesize": "count",
                 "umount_timeout": "s", "fsck_timeout": "s"}


def display_table(rec: pl.DataFrame, lang: str) -> pl.DataFrame:
    """The recommendations for reading: every number with its unit, headings in ``lang``.

    >>> rec = recommendations(pl.DataFrame({"mirror": ["nmp1"], "sync_ack_time_max": [82_417.4]}),
    ...                       {"nmp1": {"acktimeout": 100}})
    >>> display_table(rec, "en").row(0)[2:3] + display_table(rec, "en").row(0)[5:8]
    ('82,417 ms', 'acktimeout', '100 s', '82.4 %')
    """
    from clpkit.units import human

    def fmt(col: str, units) -> pl.Expr:
        return pl.struct(col, "statistic", "setting").map_elements(
            lambda r: human(r[col], units(r)), return_dtype=pl.String).alias(col)

    shown = rec.with_columns(
        fmt("observed", lambda r: STATISTIC_UNITS.get(r["statistic"], "")),
        fmt("current", lambda r: SETTING_UNITS.get(r["setting"] or "", "")),
        fmt("suggested", lambda r: SETTING_UNITS.get(r["setting"] or "", "")),
        pl.col("usage_pct").map_elements(lambda v: human(None if v is None else round(v, 1), "%"), return_dtype=pl.String,
                                         skip_nulls=False),
    )
    return shown.rename(
        {c: t(c, lang) for c in ("mirror", "statistic", "observed", "server", "time_of_max", "setting", "current", "usage_pct",
                                 "suggested", "why")}
    )


# The lines of each mirror chart: statistic header name -> message key of its label.
SERIES: dict[str, dict[str, str]] = {
    "throughput": {"Write, Avg": "write", "Read, Avg": "read", "Send, Avg": "send"},
    "ack": {"Sync Ack Time, Max": "sync_ack", "Recovery Ack Time, Max": "recovery_ack"},
    "queue": {"Send Queue, Max": "send_queue", "Request Queue, Max": "request_queue"},
    "sync_diff": {"Sync Diff, Max": "sync_diff"},
    "mdc_hb": {"MDC HB Time, Max2": "mdc_hb"},
    "unmount": {"Unmount Time, Max": "unmount_time"},
    "fsck": {"Fsck Time, Max": "fsck_time"},
}


def series(stats: pl.DataFrame, mirror: str, chart: str, lang: str = "en", max_points: int = 500) -> pl.DataFrame:
    """The long, downsampled frame (time, server, series, value) of one chart of one mirror."""
    from clpkit.report.data import downsample, to_long

    labels = {k: t(v, lang) for k, v in SERIES[chart].items()}
    if "mirror" not in stats.columns:
        return downsample(to_long(stats.clear(), labels, by=("server",)), max_points=max_points)
    wanted = [c for c in (column(stats, k) for k in labels) if c]
    part = stats.select("time", "server", "mirror", *wanted).filter(pl.col("mirror") == mirror)
    return downsample(to_long(part, labels, by=("server",)), max_points=max_points)


def mirror_settings(config) -> dict[str, dict]:
    """nmpN → that mirror's settings (:meth:`ClusterConfig.mirror`), keyed by its nmppath.

    ``/dev/NMP1`` is written as ``nmp1.cur`` (SPEC §3.2). Without a
    configuration (no clp.conf in the bundle) the mapping is empty and the
    reports show the statistics without limits.
    """
    if config is None:
        return {}
    found = {}
    for name in config.mirrors():
        settings = config.mirror(name)
        nmppath = settings.get("nmppath") or ""
        if nmppath:
            found[nmppath.rsplit("/", 1)[-1].lower()] = settings
    return found


# The unit of each chart's values (SPEC 3.2: averages in bytes/s, Ack times in ms, other times in s).
UNITS: dict[str, str] = {"throughput": "B/s", "ack": "ms", "queue": "count", "sync_diff": "B", "mdc_hb": "s",
                         "unmount": "s", "fsck": "s"}
LABELS: dict[str, str] = {"throughput": "throughput", "ack": "ack_time", "queue": "queue", "sync_diff": "sync_diff",
                          "mdc_hb": "mdc_hb", "unmount": "unmount_time", "fsck": "fsck_time"}


def charts_for(stats: pl.DataFrame, mirror: str, settings, lang: str = "en") -> list:
    """The time charts of one mirror, linked on one zoomable time axis, each against its limit when known."""
    from clpkit import charts

    ack = settings_value(settings, "acktimeout")
    queue = settings_value(settings, "sendqueuesize") if settings_value(settings, "syncmode") == 0 else None
    limits = {
        "ack": (ack * 1000 if ack else None, "ack_timeout"),
        "queue": (queue or None, "send_queue_size"),
        "mdc_hb": (MDC_HB_LIMIT_S, "mdc_hb_limit"),
        "unmount": (settings_value(settings, "umount_timeout"), "unmount_timeout"),
        "fsck": (settings_value(settings, "fsck_timeout"), "fsck_timeout"),
    }
    panels, frames = [], []
    for chart in SERIES:
        frame = series(stats, mirror, chart, lang)
        if frame.is_empty() and chart != "throughput":
            continue
        limit, limit_key = limits.get(chart, (None, ""))
        title = " / ".join(t(v, lang) for v in SERIES[chart].values())

        def panel(zoom, frame=frame, chart=chart, limit=limit, limit_key=limit_key, title=title):
            return charts.against_limit(frame, limit, label=t(LABELS[chart], lang), unit=UNITS[chart],
                                        limit_label=t(limit_key, lang) if limit_key else "", title=title,
                                        lang=lang, zoom=zoom)
        panels.append(panel)
        frames.append(frame)
    return [charts.linked(panels, frames, lang=lang)]

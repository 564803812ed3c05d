"""What a plan learns from a log collection: how long a full mirror copy takes.

>>> parse_size("500G")
536870912000
>>> human_duration(5400)
'1 h 30 min'
"""

from __future__ import annotations

import re

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)i?B?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """Bytes from ``"123"``, ``"500G"``, ``"1.5T"`` (binary multiples)."""
    m = _SIZE.match(str(text))
    if not m:
        raise ValueError(f"not a size: {text!r} (use bytes or a K/M/G/T suffix)")
    power = " KMGT".index(m[2].upper() or " ")
    return int(float(m[1]) * 1024**power)


def human_duration(seconds: float) -> str:
    """A duration the way an operator reads it."""
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def copy_seconds(mirror_stats, size_bytes: int, mirror: str | None = None) -> tuple[float, float] | None:
    """(best, median) seconds a full copy of ``size_bytes`` takes at the Send rates seen; None without a rate.

    >>> import polars as pl
    >>> copy_seconds(pl.DataFrame({"mirror": ["nmp1"] * 2, "send_avg": [0.0, 2**20]}), 60 * 2**20, "nmp1")
    (60.0, 60.0)
    """
    import polars as pl

    frame = mirror_stats
    if "send_avg" not in frame.columns:
        return None
    if mirror is not None and "mirror" in frame.columns:
        frame = frame.filter(pl.col("mirror") == mirror)
    rates = frame.get_column("send_avg").cast(pl.Float64).drop_nulls()
    rates = rates.filter(rates > 0)
    if rates.len() == 0:
        return None
    return size_bytes / float(rates.max()), size_bytes / float(rates.median())


def copy_estimate(mirror_stats, size_bytes: int, mirror: str | None = None) -> str:
    """How long a full copy of ``size_bytes`` takes at the Send rates seen.

    ``mirror_stats`` is the bundle's ``mirror_stats`` table (``send_avg`` is
    the ``Send, Avg`` column in bytes/s, ``mirror`` the ``nmpN`` series).
    Only samples that sent something count: idle minutes say nothing about
    the link, and Send is only meaningful on the active server (the standby
    records zeros). The highest rate seen is the best case; the median is what the
    mirror usually achieved while serving the application.

    >>> import polars as pl
    >>> df = pl.DataFrame({"mirror": ["nmp1"] * 3, "send_avg": [0.0, 50 * 2**20, 100 * 2**20]})
    >>> copy_estimate(df, 60 * 2**30, "nmp1")
    'full copy of 60.0 GiB: about 10 min at the highest Send rate seen (100.0 MiB/s), 13 min at the median (75.0 MiB/s), from 2 samples of nmp1'
    """
    import polars as pl

    frame = mirror_stats
    if "send_avg" not in frame.columns:
        return "no estimate: the mirror statistics have no Send, Avg column"
    if mirror is not None and "mirror" in frame.columns:
        frame = frame.filter(pl.col("mirror") == mirror)
    rates = frame.get_column("send_avg").cast(pl.Float64).drop_nulls()
    rates = rates.filter(rates > 0)
    label = mirror or "every mirror"
    if rates.len() == 0:
        return f"no estimate: no sample of {label} sent any data"
    best, median = float(rates.max()), float(rates.median())
    gib, mib = size_bytes / 2**30, 2**20
    return (
        f"full copy of {gib:.1f} GiB: about {human_duration(size_bytes / best)} at the highest Send rate seen "
        f"({best / mib:.1f} MiB/s), {human_duration(size_bytes / median)} at the median ({median / mib:.1f} MiB/s), "
        f"from {rates.len()} samples of {label}"
    )

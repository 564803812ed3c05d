"""What procedures read from a parsed clp.conf and a log collection.

Procedures ask these few functions, never the configuration model directly,
so that the plan code stays the same whatever shape ``clpkit.config`` gives
its objects (attributes or mappings).

>>> mirror_settings(None, "md1")["fullcopy"] is None
True
>>> parse_size("500G")
536870912000
>>> human_duration(5400)
'1 h 30 min'
"""

from __future__ import annotations

import re
from typing import Any

# Defaults the public parameter docs give (SPEC §3.7).
_MIRROR_DEFAULTS = {"fullcopy": 1, "mkfs": 0}


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def cluster_name(config: Any) -> str | None:
    """The cluster's name, or None without a configuration."""
    return _get(config, "name")


def server_names(config: Any) -> list[str]:
    """The servers in the configuration's priority order (empty without one)."""
    return [s if isinstance(s, str) else _get(s, "name") for s in (_get(config, "servers") or [])]


def mirror_settings(config: Any, resource: str) -> dict[str, Any]:
    """``fullcopy``, ``mkfs`` (as 0/1 ints), ``cppath``, ``dppath`` and
    ``nmppath`` of a mirror or hybrid resource; every value None without a
    configuration, defaults applied when the resource leaves one unset."""
    keys = ("fullcopy", "mkfs", "cppath", "dppath", "nmppath")
    if config is None:
        return dict.fromkeys(keys)
    found: Any = None
    getter = getattr(config, "mirror", None)
    if callable(getter):
        try:
            found = getter(resource)
        except (KeyError, LookupError, ValueError):
            found = None
    out = {}
    for key in keys:
        value = _get(found, key)
        if value is None and callable(getattr(config, "get", None)):
            for rtype in ("md", "hd"):
                path = f"/root/resource/{rtype}@{resource}/parameters/" + (f"diskdev/{key}" if key in ("cppath", "dppath") else key)
                try:
                    value = config.get(path)
                except (KeyError, LookupError, ValueError):
                    value = None
                if value is not None:
                    break
        if value is None and key in _MIRROR_DEFAULTS:
            value = _MIRROR_DEFAULTS[key]
        if key in _MIRROR_DEFAULTS and value is not None:
            value = int(value)
        out[key] = value
    return out


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


def copy_estimate(mirror_stats, size_bytes: int, mirror: str | None = None) -> str:
    """How long a full copy of ``size_bytes`` takes at the Send rates seen.

    ``mirror_stats`` is the bundle's ``mirror_stats`` table (``send_avg`` is
    the ``Send, Avg`` column in bytes/s, ``mirror`` the ``nmpN`` series).
    Only samples that sent something count: idle minutes say nothing about
    the link. The highest rate seen is the best case; the median is what the
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

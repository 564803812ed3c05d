"""Numbers as people read them: bytes in KiB/MiB/GiB, thousands separated, the unit beside.

Charts and tables of the reports print every number through :func:`human`
so that "17,179,869,184" reads "16 GiB" and a limit line says what it is.

>>> human(17_179_869_184, "B"), human(20_000_000, "B/s"), human(82417.4, "ms"), human(3, "count")
('16 GiB', '19.1 MiB/s', '82,417 ms', '3')
>>> human(0.25, "s"), human(None, "s")
('0.25 s', '–')
>>> bucket_text(300), bucket_text(7200), bucket_text(86400)
('5 min', '2 h', '1 d')
"""

from __future__ import annotations

import math

_BINARY = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def human(value: float | int | None, unit: str = "") -> str:
    """``value`` with ``unit`` ('count' and '' print the bare number)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit in ("B", "B/s"):
        return _bytes(float(value)) + ("/s" if unit == "B/s" else "")
    text = _number(float(value))
    return text if unit in ("", "count") else f"{text} {unit}" if unit != "%" else f"{text} %"


def _binary_step(value: float) -> int:
    """How many times 1024 goes into ``value`` (0: B, 1: KiB, ... up to PiB)."""
    step = 0
    while abs(value) >= 1024 and step < len(_BINARY) - 1:
        value /= 1024
        step += 1
    return step


def _bytes(value: float) -> str:
    step = _binary_step(value)
    value /= 1024**step
    digits = 0 if step == 0 or abs(value) >= 100 or value == int(value) else 1
    return f"{value:,.{digits}f} {_BINARY[step]}"


def axis_unit(unit: str, top: float | None) -> tuple[float, str]:
    """(divisor, unit) for an axis whose largest value is ``top``: bytes in the binary unit people read.

    An axis of 17 GB reads 0-16 GiB with the rule of a 16 GiB limit at 16,
    not "0G-15G" (decimal prefixes) beside a label saying 16 GiB. Other
    units are left alone.

    >>> axis_unit("B", 17_179_869_184), axis_unit("B/s", 20_000_000), axis_unit("B", 900), axis_unit("ms", 5e6)
    ((1073741824, 'GiB'), (1048576, 'MiB/s'), (1, 'B'), (1, 'ms'))
    """
    if unit not in ("B", "B/s") or not top:
        return 1, unit
    step = _binary_step(top)  # the unit human() would print the largest value in
    return 1024**step, _BINARY[step] + ("/s" if unit == "B/s" else "")


def _number(value: float) -> str:
    if value == int(value) or abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:,.1f}".rstrip("0").rstrip(".")
    return f"{value:.3g}"


def bucket_text(seconds: int) -> str:
    """A bucket size as the chart states it: ``5 min``, ``2 h``, ``1 d``."""
    for unit, size in (("d", 86400), ("h", 3600)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds // 60} min"

"""The compiled scanners, when they were built, as polars objects.

``clpkit._native`` (C, sources in ``lib/native/``) does the per-line and
per-value work of the hottest parsers in one pass: statistics timestamps,
system log lines and module log lines. It is optional. ``pip install``
builds it when a C compiler is present and goes on without it otherwise;
every parser then takes its polars-expression path, which gives the same
frames more slowly. The tests run both paths on the same inputs and compare
them.

Set ``CLPKIT_NATIVE=0`` to use the polars paths even when the module is
built (to compare, or to rule the scanners out when chasing a bug).

>>> s = parse_times(pl.Series(["2025/12/17 00:00:10.323", "17.12.2025"])) if available() else None
>>> s.to_list() if s is not None else [datetime.datetime(2025, 12, 17, 0, 0, 10, 323000), None]
[datetime.datetime(2025, 12, 17, 0, 0, 10, 323000), None]
"""

from __future__ import annotations

import datetime  # noqa: F401  (the doctest above)
import os

import polars as pl

try:
    from clpkit import _native
except ImportError:  # not built: no C compiler at install time
    _native = None


#: The scanners' string columns hold at most 2 GiB each; no column holds more than its input.
MAX_INPUT_BYTES = 2**31 - 1


def available(size: int = 0) -> bool:
    """True when the compiled scanners are built, not switched off by ``CLPKIT_NATIVE=0``,
    and can take an input of ``size`` bytes (see :data:`MAX_INPUT_BYTES`)."""
    return _native is not None and size <= MAX_INPUT_BYTES and os.environ.get("CLPKIT_NATIVE", "1") != "0"


def describe() -> str:
    """One line for logs and benchmark output: which parsing paths run."""
    if available():
        return "compiled scanners: on"
    return "compiled scanners: off (" + ("CLPKIT_NATIVE=0" if _native is not None else "not built") + ")"


class _Capsules:
    """An Arrow array handed over by the C code, in the form ``pl.Series`` imports."""

    __slots__ = ("pair",)

    def __init__(self, pair: tuple[object, object]):
        self.pair = pair

    def __arrow_c_array__(self, requested_schema: object = None) -> tuple[object, object]:
        return self.pair


def series(name: str, pair: tuple[object, object]) -> pl.Series:
    """A Series over the buffers of one exported array (no copy)."""
    return pl.Series(_Capsules(pair)).alias(name)


def parse_times(values: pl.Series) -> pl.Series:
    """Statistics timestamps (``YYYY/MM/DD HH:MM:SS[.fff]``) as Datetime("ms"); null where the layout differs.

    Only the exact layouts the cluster writes are read (see ``lib/native/stats.c``);
    the caller gives the nulls to polars' general parser.
    """
    return series(values.name, _native.parse_times(values.__arrow_c_stream__()))


def utf8_valid(data: bytes) -> bool:
    """Whether ``data.decode("utf-8")`` would succeed, without building the str."""
    return _native.utf8_valid(data)


def count_lines(data: bytes) -> int:
    """``data.count(b"\\n")``, several times faster on large buffers."""
    return _native.count_lines(data)


def read_csv(data: bytes, start: int, end: int, kinds: str) -> list[pl.Series] | None:
    """The statistics CSV lines ``data[start:end]`` as one Series per column, or None.

    ``kinds`` has one letter per column: ``s`` String, ``i`` Int64,
    ``f`` Float64, ``t`` Datetime("ms"). Only plain files are read (bare or
    fully quoted fields, plain numbers, the cluster's timestamp layouts,
    ASCII text; see ``lib/native/stats.c``); for anything else the result is
    None and the caller reads the file with polars.
    """
    pairs = _native.read_csv(data, start, end, kinds)
    return None if pairs is None else [series(f"c{i}", pair) for i, pair in enumerate(pairs)]


def scan_module_log(data: bytes) -> dict[str, pl.Series]:
    """The lines of a module log, one row each (see ``lib/native/modlog.c``).

    ``data`` must be valid UTF-8 with LF line ends. Keys: ``canonical``
    (Boolean: the usual ``L yy/mm/dd HH:MM:SS.mmm[pid] `` head), ``level``,
    ``time`` (Datetime("ms"), two-digit years as polars reads them), ``pid``,
    ``tid`` (Int64) and ``text`` (the body of a canonical line whose values
    were all read, else the whole line). A canonical line with a null
    ``time`` was left for the polars rules (see ``clpkit.formats._logline``).
    """
    return {name: series(name, pair) for name, pair in _native.scan_module_log(data).items()}


def scan_syslog(data: bytes) -> dict[str, object]:
    """The usual classic cluster lines of a system log, and the lines left for polars (``lib/native/syslog.c``).

    ``data`` must be valid UTF-8 with LF line ends (as :func:`clpkit.text.decode`
    leaves it). Counts: ``lines``, ``blank`` (ASCII-blank lines). Columns of
    the lines read here:
    ``line``, ``month``, ``year_ms`` (ms from 1 January 00:00 of a common
    year), ``host``, ``ident`` and ``module`` (lower case), ``pid``,
    ``event_id``, ``message``. Lines left for the polars rules (non-ASCII
    text, or an ident anywhere in another shape): ``candidate_line``,
    ``candidate_text``. Every other line is unrelated to the cluster.
    """
    found = _native.scan_syslog(data)
    return {name: series(name, v) if isinstance(v, tuple) else v for name, v in found.items()}

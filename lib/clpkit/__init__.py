"""clpkit: parse, report on and maintain CLUSTERPRO X / EXPRESSCLUSTER X clusters.

The library reads every statistics and log format the cluster writes into
polars frames (:mod:`clpkit.formats`), one file at a time or a whole log
collection at once (:func:`open_bundle`).
"""

from __future__ import annotations

from clpkit.bundle import Bundle, open_bundle
from clpkit.problems import ClpkitError, ParseError, Problem

__version__ = "0.1.0"

__all__ = ["Bundle", "ClpkitError", "ParseError", "Problem", "__version__", "open_bundle"]

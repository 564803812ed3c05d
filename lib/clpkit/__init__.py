"""clpkit: parse, report on and maintain CLUSTERPRO X / EXPRESSCLUSTER X clusters.

The library reads every statistics and log format the cluster writes into
polars frames (:mod:`clpkit.formats`), one file at a time or a whole log
collection at once (:func:`open_bundle`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from clpkit.bundle import Bundle, open_bundle
    from clpkit.problems import ClpkitError, ParseError, Problem

__version__ = "0.1.0"

__all__ = ["Bundle", "ClpkitError", "ParseError", "Problem", "__version__", "open_bundle"]

#: Public names -> the module that defines them. Imported on first use, so that
#: ``clpkit parse FILE`` does not pay for the bundle and archive machinery.
_LAZY = {
    "Bundle": "clpkit.bundle",
    "open_bundle": "clpkit.bundle",
    "ClpkitError": "clpkit.problems",
    "ParseError": "clpkit.problems",
    "Problem": "clpkit.problems",
}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'clpkit' has no attribute {name!r}")

"""``clpkit report``: the report notebooks, run by papermill into offline HTML.

:data:`NOTEBOOKS` is the report set, in the order the reports run. Adding a
report is one line here plus its notebook pair in ``notebooks/`` (see
docs/ARCHITECTURE.md). ``summary`` runs last: it links to the others and
reads this run's key figures.

>>> NOTEBOOKS[-1]
'summary'
"""

from __future__ import annotations

import sys

# altair validates charts with jsonschema, whose format checker imports
# rfc3987_syntax when it is installed (Jupyter's own dependencies install
# it). That import builds a grammar and costs seconds in every report kernel
# (3 s of a 5 s start-up on the project machine); no chart uses the IRI
# formats it checks, so the module is marked absent before altair loads.
sys.modules.setdefault("rfc3987_syntax", None)

NOTEBOOKS: tuple[str, ...] = (
    "mirror_performance",
    "system_resources",
    "cluster_statistics",
    "incident_timeline",
    "cluster_reference",
    "summary",
)

__all__ = ["NOTEBOOKS"]

"""``clpkit report``: the report notebooks, run by papermill into offline HTML.

:data:`NOTEBOOKS` is the report set, in the order the reports run. Adding a
report is one line here plus its notebook pair in ``notebooks/`` (see
docs/ARCHITECTURE.md). ``summary`` runs last: it links to the others and
reads this run's key figures.

>>> NOTEBOOKS[-1]
'summary'
"""

from __future__ import annotations

import clpkit._no_iri_grammar  # noqa: F401  (before papermill, nbformat and altair load jsonschema: see that module)

NOTEBOOKS: tuple[str, ...] = (
    "mirror_performance",
    "system_resources",
    "cluster_statistics",
    "incident_timeline",
    "cluster_reference",
    "summary",
)

__all__ = ["NOTEBOOKS"]

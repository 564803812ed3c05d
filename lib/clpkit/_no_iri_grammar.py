"""Imported for its effect, before anything loads jsonschema (altair, nbformat, papermill).

jsonschema's format checker imports rfc3987_syntax when it is installed
(Jupyter's own dependencies install it). That import builds a grammar and
costs seconds in every report kernel (3 s of a 5 s start-up on the project
machine); no chart or notebook uses the IRI formats it checks, so the module
is marked absent. :mod:`clpkit.report` and :mod:`clpkit.charts` import this
first.
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)

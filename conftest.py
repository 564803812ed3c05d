"""Root pytest configuration: what is collected besides tests/.

Doctests run for the whole package (STYLE 2). The jupytext ``.py`` twins of
notebooks are not modules, and benchmarks are run by hand, so neither is
imported by the doctest collector.
"""

collect_ignore_glob = [
    "notebooks/*.py",
    "runbooks/*.py",
    "benchmarks/*",
    "contrib/*",
    "scripts/*",
    "out/*",
    "data/*",
    ".venv/*",
]

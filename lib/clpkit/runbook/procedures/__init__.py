"""The Maintenance Guide's procedures, one module each.

A procedure module holds ``NAME`` (the runbook's name on the command line,
e.g. ``replace-mirror-disk``), ``GUIDE`` (the guide section it follows, e.g.
``"L2496-3084"``), ``TITLE``, a ``Params`` dataclass of typed parameters, and
``plan(params, config=None) -> Plan``. Modules are found by listing this
package, so adding a procedure is adding a module.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType


def all_procedures() -> dict[str, ModuleType]:
    """Every procedure module, keyed by its runbook name, sorted by name."""
    found = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found[module.NAME] = module
    return dict(sorted(found.items()))


def get(name: str) -> ModuleType:
    """The procedure module of a runbook name; a clear error listing the known ones."""
    procedures = all_procedures()
    if name not in procedures:
        raise KeyError(f"unknown runbook {name!r}; known: {', '.join(procedures) or 'none'}")
    return procedures[name]

"""What every chart spec must keep: the one palette, and a unit on every quantitative axis.

Used on the chart functions' own output (test_charts.py) and on every chart
of every executed report notebook of the full sample run (test_report_run.py).
"""

from __future__ import annotations

import re

from clpkit import charts

UNIT = re.compile(r"\(((B|KiB|MiB|GiB|TiB|PiB)(/s)?|%|ms|s|σ|count|件)\)$")
GREYS = {"#555", "#555555", "#8c8c8c", "#5a5a5a"}


def _leaves(spec: dict):
    """Groups of unit specs that share axes: each layer (or lone unit) of the spec tree."""
    for key in ("vconcat", "hconcat", "concat"):
        for part in spec.get(key, []):
            yield from _leaves(part)
    if "layer" in spec:
        flat = []

        def walk(s):
            if "layer" in s:
                for inner in s["layer"]:
                    walk(inner)
            else:
                flat.append(s)
        walk(spec)
        yield flat
    elif "mark" in spec:
        yield [spec]


def problems(spec: dict) -> list[str]:
    """Every breach of the rules in ``spec`` (a chart's to_dict()), as text."""
    found = []
    allowed = set(charts.PALETTE) | set(charts.STATUS_COLOURS.values()) | GREYS
    if spec.get("config", {}).get("range", {}).get("category") != charts.PALETTE:
        found.append("the theme's category palette is not charts.PALETTE")
    for group in _leaves(spec):
        titles = {"x": [], "y": []}
        quantitative = {"x": False, "y": False}
        for unit in group:
            mark = unit.get("mark")
            colour = mark.get("color") if isinstance(mark, dict) else None
            if colour and colour not in allowed:
                found.append(f"mark colour {colour} outside the palette")
            for channel, enc in unit.get("encoding", {}).items():
                if not isinstance(enc, dict):
                    continue
                if channel == "color":
                    rng = enc.get("scale", {}).get("range")
                    if rng is None and enc.get("field") not in ("series", None):
                        found.append(f"colour by {enc.get('field')} without the status palette")
                    if rng is not None and not set(rng) <= set(charts.STATUS_COLOURS.values()):
                        found.append(f"colour range {rng} outside STATUS_COLOURS")
                    if isinstance(enc.get("value"), str) and enc["value"] not in allowed:
                        found.append(f"colour value {enc['value']} outside the palette")
                if channel in ("x", "y") and enc.get("type") == "quantitative" and "field" in enc \
                        and enc.get("scale", {}) is not None:
                    quantitative[channel] = True
                    if "title" in enc:
                        titles[channel].append(enc["title"])
        for channel in ("x", "y"):
            if quantitative[channel]:
                if not titles[channel]:
                    found.append(f"{channel} axis without a title")
                found += [f"{channel} title {t!r} has no unit" for t in titles[channel] if not UNIT.search(t)]
    return found

"""What several reports of one run need, computed once per run: the events, the findings, the incidents.

The incident timeline and the summary both need the event table, the
findings and the explainer's incidents; computed in each kernel, a run
made them three times over (events alone is a full pass over every log).
``clpkit report`` now computes them once (:func:`write`, in the runner
while the first notebooks run) into the run's folder:

- ``events.parquet``: :func:`clpkit.events.events` of the whole collection
  (true UTC);
- ``findings.parquet``: :func:`clpkit.findings.timed_findings`, every
  finding that has a time, in the run's language (a page cuts them to its
  period and adds the settings checks of that period, which depend on it);
- ``explain.json``: the clock offsets applied, and each incident of
  :func:`clpkit.explain.explain` (its dataclass fields, times as
  ``{"$time": ISO}``) with its out-of-service record
  (:func:`clpkit.explain.outage.records`).

The readers (:func:`events`, :func:`findings`, :func:`incidents`) take the
folder a notebook was given (its ``computed`` parameter) and compute the
same thing themselves when it is empty (a notebook run on its own), so a
page is the same either way.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from pathlib import Path

import polars as pl

EVENTS = "events.parquet"
FINDINGS = "findings.parquet"
EXPLAIN = "explain.json"
VERSION = 1


def write(bundle, folder: str | Path, lang: str = "en") -> None:
    """Compute the events, the timed findings and the incidents of ``bundle`` once, into ``folder``."""
    from clpkit import events as events_mod
    from clpkit import findings as findings_mod
    from clpkit.explain import explain
    from clpkit.explain.outage import records

    folder = Path(folder)
    tz = bundle.zone.name
    ev = events_mod.events(bundle, tz=tz)
    _write_parquet(ev, folder / EVENTS)
    explained = explain(bundle, tz=tz)
    timed, applied = findings_mod.timed_findings(bundle, tz=tz, lang=lang, events=ev, explained=explained)
    del ev
    _write_parquet(timed, folder / FINDINGS)
    found, estimate = explained
    doc = {"version": VERSION, "tz": tz, "lang": lang, "offsets": applied,
           "incidents": [{"incident": asdict(inc), "outage": rec}
                         for inc, rec in zip(found, records(bundle, found, estimate, tz))]}
    tmp = folder / f".{EXPLAIN}.tmp"
    tmp.write_text(json.dumps(doc, ensure_ascii=False, default=_encode), encoding="utf-8")
    tmp.replace(folder / EXPLAIN)


def events(bundle, folder: str | Path = "") -> pl.DataFrame:
    """The collection's events (true UTC), read from ``folder`` when given, else computed."""
    if folder:
        return pl.read_parquet(Path(folder) / EVENTS)
    from clpkit import events as events_mod

    return events_mod.events(bundle, tz=bundle.zone.name)


def findings(bundle, since="", until="", lang: str = "en", folder: str | Path = "") -> pl.DataFrame:
    """:func:`clpkit.findings.findings` of ``[since, until)``; the timed ones read from ``folder`` when given."""
    from clpkit import findings as findings_mod

    if not folder:
        return findings_mod.findings(bundle, lang=lang, since=since or None, until=until or None)
    doc = _explain_doc(folder)
    if doc["lang"] != lang:  # the texts are in the run's language; another one is computed here
        return findings_mod.findings(bundle, lang=lang, since=since or None, until=until or None)
    timed = pl.read_parquet(Path(folder) / FINDINGS)
    return findings_mod.in_period(bundle, timed, doc["offsets"], tz=doc["tz"], lang=lang,
                                  since=since or None, until=until or None)


def incidents(bundle, since: str = "", until: str = "", folder: str | Path = ""):
    """The incidents that began in ``[since, until)`` and their out-of-service records (for the summary).

    Bounds are in the servers' zone, as :func:`clpkit.explain.page.for_period`'s.
    """
    from clpkit import zone as zones

    if not folder:
        from clpkit.explain.outage import outages
        from clpkit.explain.page import for_period

        kept, estimate = for_period(bundle, since, until)
        return kept, outages(bundle, kept, estimate, bundle.zone.name)
    zone = bundle.zone
    lo, hi = zones.bound(since or None, zone, "since"), zones.bound(until or None, zone, "until")
    kept, records = [], []
    for entry in _explain_doc(folder)["incidents"]:
        inc = incident_from_dict(entry["incident"])
        if (lo is None or inc.start >= lo) and (hi is None or inc.start < hi):
            kept.append(inc)
            if entry["outage"] is not None:
                records.append(entry["outage"])
    return kept, records


def incident_from_dict(raw: dict):
    """An :class:`~clpkit.explain.Incident` from its stored fields (times already datetimes)."""
    from clpkit.explain import Incident, Link, Timing

    links = [Link(**{**r, "timing": Timing(**r["timing"]) if r.get("timing") is not None else None})
             for r in raw["links"]]
    return Incident(**{**raw, "links": links})


def _explain_doc(folder: str | Path) -> dict:
    doc = json.loads((Path(folder) / EXPLAIN).read_text(encoding="utf-8"), object_hook=_decode)
    if doc.get("version") != VERSION:
        raise ValueError(f"{folder}/{EXPLAIN}: version {doc.get('version')}, expected {VERSION}")
    return doc


def _encode(value):
    """JSON for what json does not know: datetimes as ``{"$time": ISO}`` (read back by :func:`_decode`), else text."""
    if isinstance(value, dt.datetime):
        return {"$time": value.isoformat()}
    return str(value)


def _decode(obj: dict):
    return dt.datetime.fromisoformat(obj["$time"]) if obj.keys() == {"$time"} else obj


def _write_parquet(frame: pl.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    frame.write_parquet(tmp)
    tmp.replace(path)

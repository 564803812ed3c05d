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
  (:func:`clpkit.explain.outage.records`);
- ``period_findings.parquet``: the findings of the periods the pages will
  show (the run's ``since``/``until``, the summary's, and the incident
  timeline's window, :func:`pages_periods`), settings checks included, so no
  page reads the statistics again to check the settings of its period.

A run whose input did not change since the last run under the same OUT
computes nothing: :func:`write_or_reuse` keeps the last results under
``OUT/.computed/<key>/`` and links them into the new run folder when
:func:`inputs_key` (every file of the collection, the dataset's manifest,
the parameters and clpkit's own code) is the same.

The readers (:func:`events`, :func:`findings`, :func:`incidents`) take the
folder a notebook was given (its ``computed`` parameter) and compute the
same thing themselves when it is empty (a notebook run on its own), so a
page is the same either way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from dataclasses import asdict
from pathlib import Path

import polars as pl

EVENTS = "events.parquet"
FINDINGS = "findings.parquet"
PERIOD_FINDINGS = "period_findings.parquet"
EXPLAIN = "explain.json"
FILES = (EVENTS, FINDINGS, PERIOD_FINDINGS, EXPLAIN)
VERSION = 2  # 2: the findings of the pages' periods
#: The columns of ``period_findings.parquet`` that say which period a row belongs to.
PERIOD = ("period_since", "period_until")


def write(bundle, folder: str | Path, lang: str = "en", since: str = "", until: str = "") -> None:
    """Compute the events, the timed findings and the incidents of ``bundle`` once, into ``folder``.

    ``since``/``until`` are the run's period (as the notebooks get them):
    the findings of the pages' periods (:func:`pages_periods`) are stored too.
    """
    from clpkit import events as events_mod
    from clpkit import findings as findings_mod
    from clpkit.explain import explain
    from clpkit.explain.outage import records

    folder = Path(folder)
    tz = bundle.zone.name
    ev = events_mod.events(bundle, tz=tz)
    _write_parquet(ev, folder / EVENTS)
    periods = pages_periods(bundle, ev, since, until)
    explained = explain(bundle, tz=tz)
    timed, applied = findings_mod.timed_findings(bundle, tz=tz, lang=lang, events=ev, explained=explained)
    del ev
    _write_parquet(timed, folder / FINDINGS)
    by_period = [findings_mod.in_period(bundle, timed, applied, tz=tz, lang=lang, since=lo or None, until=hi or None)
                 .with_columns(pl.lit(lo).alias(PERIOD[0]), pl.lit(hi).alias(PERIOD[1])) for lo, hi in periods]
    _write_parquet(pl.concat(by_period), folder / PERIOD_FINDINGS)
    found, estimate = explained
    doc = {"version": VERSION, "tz": tz, "lang": lang, "offsets": applied, "periods": [list(p) for p in periods],
           "incidents": [{"incident": asdict(inc), "outage": rec}
                         for inc, rec in zip(found, records(bundle, found, estimate, tz))]}
    tmp = folder / f".{EXPLAIN}.tmp"
    tmp.write_text(json.dumps(doc, ensure_ascii=False, default=_encode), encoding="utf-8")
    tmp.replace(folder / EXPLAIN)


def pages_periods(bundle, events: pl.DataFrame, since: str, until: str) -> list[tuple[str, str]]:
    """The periods whose findings the pages show: the run's (the summary's) and the incident timeline's window."""
    from clpkit import zone as zones
    from clpkit.report import timeline

    window = timeline.default_window(zones.in_zone(events, bundle.zone), since, until)
    return list(dict.fromkeys([(since, until), window]))


def write_or_reuse(bundle, folder: str | Path, cache: str | Path, key: str, lang: str = "en",
                   since: str = "", until: str = "") -> bool:
    """:func:`write` into ``folder``, or the results kept in ``cache`` for the same ``key`` (True: reused).

    ``key`` is :func:`inputs_key` of what the results depend on. The results
    of the last key are kept in ``cache/<key>/`` (written under a temporary
    name and renamed, so a run that stops midway leaves none); older keys
    are removed. Files are hard-linked where the file system allows.
    """
    from clpkit.archive import link_or_copy

    folder, cache = Path(folder), Path(cache)
    kept = cache / key
    if all((kept / name).is_file() for name in FILES):
        for name in FILES:
            link_or_copy(kept / name, folder / name)
        return True
    write(bundle, folder, lang, since, until)
    tmp = cache / f".tmp-{os.getpid()}-{key[:12]}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name in FILES:
        link_or_copy(folder / name, tmp / name)
    try:
        tmp.rename(kept)
    except OSError:  # another run under the same OUT kept the same results meanwhile
        shutil.rmtree(tmp, ignore_errors=True)
    for old in cache.iterdir():
        if old.name != kept.name and not old.name.startswith(".tmp-"):
            shutil.rmtree(old, ignore_errors=True)
    return False


def inputs_key(collection: str | Path, dataset: str | Path, *values: str) -> str:
    """A digest of everything :func:`write` reads, so that an unchanged input is not computed again.

    It covers every file under ``collection`` (relative path, size,
    modification time: the archives extracted by ``clpkit report`` keep
    their members' times, and a changed archive is extracted again), the
    dataset's manifest (each parsed file's fingerprint, with a hash of its
    head), ``values`` (the
    run's language, period, zone and input problems), and clpkit's own code
    and polars' version: a changed clpkit computes again.
    """
    from clpkit.ingest import MANIFEST

    digest = hashlib.sha256()
    _hash_tree(digest, Path(collection))
    digest.update(b"\0manifest\0")
    try:
        digest.update((Path(dataset) / MANIFEST).read_bytes())
    except OSError:
        digest.update(b"none")
    digest.update(b"\0code\0" + f"{VERSION}/{pl.__version__}".encode())
    _hash_tree(digest, Path(__file__).resolve().parents[1], skip="__pycache__")
    for value in values:
        digest.update(b"\0" + value.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _hash_tree(digest, root: Path, skip: str = "") -> None:
    """Path, size and modification time of every file under ``root`` (not in folders named ``skip``), in order."""
    if not root.is_dir():
        digest.update(f"{root.name}\0{_stamp(root)}\n".encode("utf-8", "surrogateescape"))
        return
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != skip)
        for name in sorted(files):
            path = os.path.join(folder, name)
            digest.update(f"{os.path.relpath(path, root)}\0{_stamp(path)}\n".encode("utf-8", "surrogateescape"))


def _stamp(path) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return "unreadable"
    return f"{st.st_size}/{st.st_mtime_ns}"


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
    if [since, until] in doc["periods"]:
        stored = pl.scan_parquet(Path(folder) / PERIOD_FINDINGS)
        return stored.filter((pl.col(PERIOD[0]) == since) & (pl.col(PERIOD[1]) == until)).drop(PERIOD).collect()
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

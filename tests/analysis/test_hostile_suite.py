"""The hostile-input suite: every case of the generated corpus (:mod:`.hostile`), counted.

For each case: nothing escapes as an exception (the bundle, every table, its
problems, its configuration, and ``clpkit findings`` on it); the good files
beside the hostile input still load in full; every line of every file read
is a row, a rejected row or a counted skip; a damage that must be seen is a
problem naming the file and why (and, for a whole-file problem, a line on
the command's stderr); a damage that is no damage (a BOM, CRLF, blank and
repeated header lines) changes no row and gives no problem.

The suite counts the cases it ran, per category, and fails when a category
falls under its minimum, so cases cannot silently vanish from the corpus.
"""

from __future__ import annotations

import re
import traceback
from collections import Counter
from pathlib import Path

import polars as pl
from click.testing import CliRunner

import clpkit
from clpkit import formats

from . import hostile

#: The fewest cases each category must run (the corpus holds these or more).
MINIMUM = {"parsers": 120, "archives": 15, "folders": 7, "clp.conf": 10}
STATS = {"mirror_stats", "system_stats", "cluster_stats"}


def _accounting_errors(bundle) -> list[str]:
    errors = []
    for f in bundle.entries():
        rows = bundle.load(f)
        if rows.lines is None or rows.frame is None:
            continue
        header = 1 if f.kind in STATS and rows.lines else 0
        accounted = header + rows.frame.height + sum(rows.skipped.values())
        if rows.lines != accounted:
            errors.append(f"{f.source}: {rows.lines} lines, {accounted} accounted for")
    return errors


def _sample_rows(kind: str) -> int:
    return formats.scan_bytes(kind, hostile.sample(kind), source="sample").frame.height


def check(case: hostile.Case, root: Path) -> list[str]:
    """What is wrong with how one case was handled (empty when all is well)."""
    from clpkit.cli import main

    errors = []
    inp = case.build(root)
    with clpkit.open_bundle(inp) as b:
        tables = {kind: b.table(kind) for kind in b.tables()}
        b.config  # a clp.conf that cannot be read becomes a problem
        problems = b.problems
        mirror = tables.get("mirror_stats", pl.DataFrame({"source": []}, schema={"source": pl.String}))
        sv1 = mirror.filter(pl.col("source") == "col/sv1/perf/disk/nmp1.cur").height
        sv2 = mirror.filter(pl.col("source").str.contains("sv2") & pl.col("source").str.ends_with("sv2/perf/disk/nmp1.cur")).height
        if sv1 != hostile.GOOD_ROWS:
            errors.append(f"sv1's good file gave {sv1} rows, not {hostile.GOOD_ROWS}")
        if case.sv2_good and sv2 < hostile.GOOD_ROWS:
            errors.append(f"sv2's good file gave {sv2} rows, not {hostile.GOOD_ROWS}")
        errors += _accounting_errors(b)
        mine = problems.filter(pl.col("file") == case.damaged)
        if case.flags:
            if mine.is_empty():
                errors.append(f"no problem names {case.damaged}; problems: {problems.rows()}")
            elif not any(re.search(case.reason, r) for r in mine["reason"]):
                errors.append(f"no reason for {case.damaged} matches {case.reason!r}: {mine['reason'].to_list()}")
        damage = case.name.partition(": ")[2]
        if case.category == "parsers" and damage in hostile.HARMLESS and not case.flags:
            kind = case.name.partition(": ")[0]
            if not mine.is_empty():
                errors.append(f"a harmless change gave problems: {mine.rows()}")
            got = tables[kind].filter(pl.col("source") == case.damaged).height if kind in tables else 0
            want = 0 if damage in ("empty", "header only") else _sample_rows(kind)
            if got != want:
                errors.append(f"a harmless change gave {got} rows, not the sample's {want}")
        whole_file = mine.filter(pl.col("line").is_null()) if case.flags else mine.clear()
    res = CliRunner().invoke(main, ["findings", str(inp)])
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        errors.append("clpkit findings: " + "".join(traceback.format_exception(res.exception))[-600:])
    elif res.exit_code not in (0, 1):
        errors.append(f"clpkit findings exit {res.exit_code}: {res.stderr.strip()}")
    if not whole_file.is_empty() and case.damaged not in res.stderr:
        errors.append(f"clpkit findings' stderr does not name {case.damaged}: {res.stderr!r}")
    if "Traceback" in res.stderr:
        errors.append(f"a traceback on stderr: {res.stderr[-600:]}")
    return errors


def test_every_hostile_case_is_handled_and_counted(tmp_path):
    cases = hostile.all_cases()
    assert len({c.name for c in cases}) == len(cases), "case names are unique"
    ran: Counter[str] = Counter()
    failures: dict[str, list[str]] = {}
    for i, case in enumerate(cases):
        root = tmp_path / f"case{i:03}"
        root.mkdir()
        try:
            errors = check(case, root)
        except Exception:  # an escaped exception is a failure of this case, not the end of the suite
            errors = ["exception: " + traceback.format_exc()[-1200:]]
        ran[case.category] += 1
        if errors:
            failures[case.name] = errors
    print(f"hostile-input suite: {sum(ran.values())} cases run ("
          + ", ".join(f"{cat} {n}" for cat, n in sorted(ran.items())) + f"), {len(failures)} failed")
    assert not failures, "\n".join(f"{name}:\n  " + "\n  ".join(errs) for name, errs in failures.items())
    assert sum(ran.values()) == len(cases)
    short = {cat: (ran[cat], least) for cat, least in MINIMUM.items() if ran[cat] < least}
    assert not short, f"categories under their minimum number of cases (ran, minimum): {short}"


def test_every_format_meets_every_damage_that_applies():
    """The parser cases are the registry times the damages: a new format joins the suite by itself."""
    names = {c.name for c in hostile.parser_cases()}
    for spec in formats.REGISTRY:
        assert spec.kind in hostile.PLACES, f"no place in sv2 for {spec.kind}: add it to hostile.PLACES"
        assert spec.matches(Path(hostile.PLACES[spec.kind]).name)
        damages = [d for d, (_, kinds) in hostile.DAMAGES.items() if spec.kind in kinds]
        assert len(damages) >= 2, spec.kind
        assert {f"{spec.kind}: {d}" for d in damages} <= names

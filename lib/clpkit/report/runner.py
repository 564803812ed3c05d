"""One report run: notebooks executed by papermill, pages, indexes, key figures.

Safe to run from cron or a systemd timer:

- every run writes into its own dated folder ``OUT/<UTC time>/``: the
  executed notebooks, one HTML page per report, the run's ``index.html``,
  ``run.json`` and, written by ``summary``, ``figures.parquet`` (the
  run's key figures);
- a notebook that fails leaves its partial notebook and page in that folder
  and makes the run fail (non-zero exit); the top ``OUT/index.html`` is only
  rewritten after every report of a run succeeded, under a lock, by writing
  a temporary file and renaming it over the old one, so it is never half
  written and never lists a failed run.

>>> run_folder_name(dt.datetime(2026, 11, 24, 3, 0, 5, tzinfo=dt.UTC))
'2026-11-24T030005Z'
"""

from __future__ import annotations

import datetime as dt
import fcntl
import html
import json
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from clpkit.problems import ClpkitError
from clpkit.report import NOTEBOOKS
from clpkit.report import html as pages
from clpkit.report.figures import cluster_name as figures_cluster_name
from clpkit.report.i18n import check_lang, t, title
from clpkit.report.kernels import ENGINE, KernelPool

RUN_FILE = "run.json"
STAMP = "%Y-%m-%dT%H%M%SZ"


def default_notebooks_dir() -> Path:
    """``notebooks/`` of the source tree (override with ``CLPKIT_NOTEBOOKS``)."""
    env = os.environ.get("CLPKIT_NOTEBOOKS")
    return Path(env) if env else Path(__file__).resolve().parents[3] / "notebooks"


def run_folder_name(when: dt.datetime) -> str:
    """The dated folder name of a run started at ``when`` (UTC, sortable)."""
    return when.astimezone(dt.UTC).strftime(STAMP)


@dataclass
class Run:
    """What ``run.json`` records about one run."""

    folder: str
    cluster: str
    bundle: str
    since: str
    until: str
    lang: str
    started: str
    finished: str = ""
    status: str = "running"  # running | ok | failed
    reports: list[str] = field(default_factory=list)
    failed: str = ""
    error: str = ""
    seconds: dict[str, float] = field(default_factory=dict)  # per step: figures, each report


def run_reports(
    bundle: str | Path,
    out: str | Path,
    *,
    only: list[str] | tuple[str, ...] = (),
    since: str = "",
    until: str = "",
    lang: str = "en",
    show_code: bool = False,
    notebooks_dir: Path | None = None,
    names: tuple[str, ...] = NOTEBOOKS,
    now: dt.datetime | None = None,
    jobs: int = 2,
) -> Path:
    """Run the reports of ``bundle`` into a new dated folder under ``out``; return it.

    ``jobs`` notebooks run at the same time (each in its own kernel; the
    reports do not depend on one another). Raises :class:`ClpkitError` (the
    CLI exits 2) when the bundle is missing, a report name is unknown, or a
    notebook fails; the other reports of the run still finish.
    """
    import papermill

    check_lang(lang)
    for iso in (since, until):
        _check_iso(iso)
    bundle = Path(bundle).resolve()
    if not bundle.exists():
        raise ClpkitError(f"{bundle}: no such bundle (directory or log-collection archive)")
    unknown = sorted(set(only) - set(names))
    if unknown:
        raise ClpkitError(f"unknown report {', '.join(unknown)}; known: {', '.join(names)}")
    selected = [n for n in names if not only or n in only]
    nb_dir = notebooks_dir or default_notebooks_dir()
    missing = [n for n in selected if not (nb_dir / f"{n}.ipynb").is_file()]
    if missing:
        raise ClpkitError(f"{nb_dir}: no notebook {', '.join(f'{n}.ipynb' for n in missing)}")
    out = Path(out).resolve()
    with tempfile.TemporaryDirectory(prefix="clpkit-report-") as work:
        # Kernels start first: they import their libraries while the bundle is prepared.
        pool = KernelPool(min(max(1, jobs), len(selected)), Path(work))
        try:
            unpacked = unpack(bundle, Path(work))
            cluster = _cluster_of(unpacked)  # a bundle that cannot be opened stops here, before any folder
            out.mkdir(parents=True, exist_ok=True)
            run_dir = _new_run_dir(out, now or dt.datetime.now(dt.UTC))
            run = Run(folder=run_dir.name, cluster=cluster, bundle=str(bundle), since=since, until=until, lang=lang,
                      started=_now())
            _write_run(run_dir, run)
            values = {"bundle": str(unpacked), "since": since, "until": until, "lang": lang,
                      "history": str(out), "run_dir": str(run_dir), "reports": ",".join(selected)}
            _write_atomic(run_dir / pages.VEGA_FILE, pages.vega_bundle())  # once per run; every page refers to it

            def execute(name: str) -> tuple[str, str, float]:
                """Run one notebook and write its page; the error text ('' on success)."""
                clock = time.perf_counter()
                source, target = nb_dir / f"{name}.ipynb", run_dir / f"{name}.ipynb"
                declared = papermill.inspect_notebook(str(source))
                try:
                    with pool.kernel() as km:
                        papermill.execute_notebook(
                            str(source), str(target), engine_name=ENGINE, km=km, kernel_name="python3",
                            language="python", progress_bar=False, request_save_on_cell_execute=False,
                            parameters={k: v for k, v in values.items() if k in declared},
                        )
                except Exception as exc:  # papermill saved the partial notebook at target
                    if target.exists():
                        _write_page(run_dir, name, target, show_code=True, lang=lang)
                    return name, _first_line(exc), time.perf_counter() - clock
                _write_page(run_dir, name, target, show_code=show_code, lang=lang)
                return name, "", time.perf_counter() - clock

            # Each kernel is a process; threads only wait for them.
            with ThreadPoolExecutor(max_workers=max(1, jobs)) as workers:
                results = list(workers.map(execute, selected))
        finally:
            pool.close()
    for name, error, seconds in results:
        run.seconds[name] = round(seconds, 2)
        if not error:
            run.reports.append(name)
    failures = [(name, error) for name, error, _ in results if error]
    if failures:
        run.status, run.finished = "failed", _now()
        run.failed, run.error = failures[0]
        _write_run(run_dir, run)
        names_failed = ", ".join(name for name, _ in failures)
        raise ClpkitError(f"report {names_failed} failed: {run.error} (partial output in {run_dir})")

    _write_atomic(run_dir / "index.html", run_index(run))
    run.status, run.finished = "ok", _now()
    _write_run(run_dir, run)
    with _locked(out):
        _write_atomic(out / "index.html", top_index(out, lang))
    return run_dir


def _write_page(run_dir: Path, name: str, notebook: Path, *, show_code: bool, lang: str) -> None:
    html_text = pages.export(notebook, show_code=show_code, lang=lang, vega_src=pages.VEGA_FILE)
    _write_atomic(run_dir / f"{name}.html", html_text)


def unpack(bundle: Path, work: Path) -> Path:
    """The bundle with its server archives extracted once, for every notebook to share.

    Each notebook opens the bundle in its own kernel; left as archives, each
    would inflate them again (seconds per notebook on a month of statistics).
    A folder without archives is used as it is. Extraction is the bundle's
    own safe one (:func:`clpkit.archive.extract`); what it refuses is left
    out here as it would be there. File sources in evidence read
    ``sv1/...`` instead of ``sv1.tar.gz/...``.
    """
    from clpkit.archive import archive_stem, extract, is_archive

    if bundle.is_file() and is_archive(bundle):
        dest = work / archive_stem(bundle)
        extract(bundle, dest)
        return dest
    if not bundle.is_dir() or not any(is_archive(p) for p in bundle.iterdir() if p.is_file()):
        return bundle
    target = work / bundle.name
    target.mkdir()
    for entry in sorted(bundle.iterdir()):
        if entry.is_file() and is_archive(entry):
            extract(entry, target / archive_stem(entry))
        else:
            (target / entry.name).symlink_to(entry)
    return target


def _cluster_of(bundle: Path) -> str:
    """The cluster name (clp.conf), read before the run starts; opening fails early on a bad bundle."""
    from clpkit.report import data

    opened = data.open_bundle(bundle)
    try:
        return figures_cluster_name(opened, bundle)
    finally:
        close = getattr(opened, "close", None)
        if close:
            close()


def runs(out: Path) -> list[Run]:
    """The successful runs under ``out``, newest first."""
    found = []
    for path in sorted(out.glob(f"*/{RUN_FILE}"), reverse=True):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            run = Run(**data)
        except (ValueError, TypeError):
            continue
        if run.status == "ok":
            found.append(run)
    return found


def run_index(run: Run) -> str:
    """The page of one run: its reports, period and cluster."""
    items = "\n".join(
        f'<li><a href="{name}.html">{html.escape(title(name, run.lang))}</a></li>'
        for name in run.reports
    )
    period = f"{run.since or t('from_start', run.lang)} – {run.until or t('to_end', run.lang)}"
    body = (
        f"<p>{t('cluster', run.lang)}: {html.escape(run.cluster)}<br>{t('period', run.lang)}: {html.escape(period)}"
        f"<br>{t('generated', run.lang)}: {html.escape(run.started)}</p>\n<ul>\n{items}\n</ul>\n"
        f'<p><a href="../index.html">{t("back_to_runs", run.lang)}</a></p>'
    )
    return pages.page(f"{t('reports', run.lang)}: {run.cluster} {run.folder}", body, run.lang)


def top_index(out: Path, lang: str = "en") -> str:
    """The page listing every successful run under ``out``, newest first."""
    rows = "\n".join(
        f'<tr><td><a href="{r.folder}/index.html">{r.folder}</a></td><td>{html.escape(r.cluster)}</td>'
        f"<td>{html.escape(r.since or '-')} – {html.escape(r.until or '-')}</td>"
        f"<td>{_report_links(r)}</td></tr>"
        for r in runs(out)
    )
    head = "".join(f"<th>{t(k, lang)}</th>" for k in ("run", "cluster", "period", "reports"))
    return pages.page(t("runs", lang), f"<table><tr>{head}</tr>\n{rows}\n</table>", lang)


def _report_links(run: Run) -> str:
    return " ".join(f'<a href="{run.folder}/{name}.html">{name}</a>' for name in run.reports)


def _new_run_dir(out: Path, when: dt.datetime) -> Path:
    base = run_folder_name(when)
    for n in range(1, 1000):
        candidate = out / (base if n == 1 else f"{base}-{n}")
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
    raise ClpkitError(f"{out}: too many runs named {base}")


def _write_run(run_dir: Path, run: Run) -> None:
    _write_atomic(run_dir / RUN_FILE, json.dumps(asdict(run), indent=2, ensure_ascii=False) + "\n")


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


@contextmanager
def _locked(out: Path):
    """Serialises index updates of runs that overlap (two timers, a manual run)."""
    with open(out / ".clpkit-report.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _check_iso(value: str) -> None:
    if value:
        try:
            dt.datetime.fromisoformat(value)
        except ValueError:
            raise ClpkitError(f"{value!r} is not an ISO date/time (e.g. 2026-11-01 or 2026-11-01T03:00)") from None


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _first_line(exc: Exception) -> str:
    ename = getattr(exc, "ename", type(exc).__name__)
    evalue = getattr(exc, "evalue", str(exc))
    return f"{ename}: {evalue}".strip().splitlines()[0]

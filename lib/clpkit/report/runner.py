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
  written and never lists a failed run;
- the collection is parsed once per run, into the Parquet dataset
  ``OUT/.dataset`` (:func:`refresh_dataset`, clpkit ingest's layout): the
  notebooks read their tables from it, and a collection that did not change
  since the last run under the same OUT is not parsed at all (``run.json``'s
  ``dataset`` says how many files were parsed and reused);
- the archives are extracted once into ``OUT/.unpacked`` and kept: the next
  run inflates only an archive that changed (:func:`unpack`); the Vega
  bundle every page loads is built once per OUT into ``OUT/.vega`` and
  copied into each run folder (``vega.js``);
- the events, the findings and the incidents are computed once per run, in
  the runner as one of the ``jobs`` (so its tables and ``jobs`` kernels are
  not all in memory at once) while the first reports run, into the run folder
  (``events.parquet``, ``findings.parquet``, ``explain.json``,
  :mod:`clpkit.report.computed`): the reports that use them (those with a
  ``computed`` parameter) read them from there and run last. A run whose
  input is the same as the last one's links the last results from
  ``OUT/.computed`` instead (``run.json``'s ``computed`` says which);
- the servers' zone is detected once and handed to every notebook
  (``detected_zone``).

>>> run_folder_name(dt.datetime(2026, 11, 24, 3, 0, 5, tzinfo=dt.UTC))
'2026-11-24T030005Z'
"""

from __future__ import annotations

import datetime as dt
import fcntl
import html
import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from clpkit.problems import ClpkitError, Problem
from clpkit.report import NOTEBOOKS, computed, data
from clpkit.report import html as pages
from clpkit.report.figures import cluster_name as figures_cluster_name
from clpkit.i18n import check_lang, t, title
from clpkit.report.kernels import ENGINE, KernelPool
from clpkit.shipped import shipped_folder

RUN_FILE = "run.json"
#: The Parquet dataset of the collection last reported under OUT (clpkit ingest's layout), reused when unchanged.
DATASET = ".dataset"
#: The collection's archives extracted under OUT, kept between runs (an unchanged archive is not inflated again).
UNPACKED = ".unpacked"
UNPACK_STAMPS = "_unpacked.json"
#: The events, findings and incidents of the last run under OUT, reused when its input is the same.
COMPUTED_CACHE = ".computed"
#: The Vega bundle kept under OUT between runs (vl-convert takes seconds to build it; each run copies it).
VEGA_CACHE = ".vega"
KERNEL_LOG = "kernels.log"
#: The notebook parameter naming the run folder that holds what is computed once per run (:mod:`clpkit.report.computed`).
COMPUTED = "computed"
STAMP = "%Y-%m-%dT%H%M%SZ"


def default_notebooks_dir() -> Path:
    """The report notebooks: the installed package's, else ``notebooks/`` of the source tree (override with
    ``CLPKIT_NOTEBOOKS``)."""
    env = os.environ.get("CLPKIT_NOTEBOOKS")
    return Path(env) if env else shipped_folder("notebooks")


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
    period_start: str = ""  # the data's period as the summary showed it (since/until when given)
    period_end: str = ""
    findings: dict[str, int] = field(default_factory=dict)  # severity -> count, from the summary
    dataset: dict[str, int] = field(default_factory=dict)  # files parsed / reused / removed by the run's ingest
    computed: str = ""  # events, findings, incidents: "computed" by this run, or "reused" from the last (same input)


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
    tz: str = "",
) -> Path:
    """Run the reports of ``bundle`` into a new dated folder under ``out``; return it.

    ``jobs`` notebooks run at the same time (each in its own kernel; the
    reports do not depend on one another). Raises :class:`ClpkitError` (the
    CLI exits 2) when the bundle is missing, a report name is unknown, or a
    notebook fails; the other reports of the run still finish.
    """
    import papermill

    from clpkit import zone as zones

    check_lang(lang)
    for iso in (since, until):
        _check_iso(iso)
    if tz:
        zones.check(tz)
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

    # ``workers`` run the notebooks and the step computed once (:mod:`computed`): ``jobs`` of them at a time, so
    # that step's tables and two kernels' are not in memory all at once. Each kernel is a process; threads wait.
    with tempfile.TemporaryDirectory(prefix="clpkit-report-") as work, ThreadPoolExecutor(max_workers=1) as checker, \
            ThreadPoolExecutor(max_workers=max(1, jobs)) as workers:
        # Kernels start first: they import their libraries while the bundle is prepared.
        pool = KernelPool(min(max(1, jobs), len(selected)), Path(work),
                          _ipc_kernel_manager(Path(work), Path(work) / KERNEL_LOG))
        run_dir = None
        vega = checker.submit(cached_vega_bundle, out)  # seconds to build: meanwhile the bundle is unpacked
        exporter = checker.submit(pages.prepare, show_code, lang)  # nbconvert's import and templates, a second
        try:
            lost: list[Problem] = []
            dataset = out / DATASET
            out_existed = out.exists()
            try:
                unpacked = unpack(bundle, out / UNPACKED, lost)
                problems_file = Path(work) / "input-problems.json"
                problems_text = write_problems(problems_file, lost)
                ingested = refresh_dataset(unpacked, dataset)  # a bundle that cannot be opened stops here
            except ClpkitError:
                if not out_existed:  # a refused input leaves no output folder that looks like a result
                    shutil.rmtree(out, ignore_errors=True)
                raise
            opened = data.open_bundle(unpacked, tz, str(problems_file), str(dataset))
            cluster = figures_cluster_name(opened, unpacked)
            out.mkdir(parents=True, exist_ok=True)
            run_dir = _new_run_dir(out, now or dt.datetime.now(dt.UTC))
            declared = {n: papermill.inspect_notebook(str(nb_dir / f"{n}.ipynb")) for n in selected}
            detected = "" if tz else data.zone_text(opened.zone)  # detected once, for every notebook
            # Events, findings and incidents, once for every report that reads them (first, as one of the
            # jobs, while the other reports run), or the last run's when the input is the same; then what the
            # input lacked, for stderr.
            key = computed.inputs_key(unpacked, dataset, lang, since, until, tz, problems_text)
            shared = workers.submit(computed.write_or_reuse, opened, run_dir, out / COMPUTED_CACHE, key, lang,
                                    since, until) if any(COMPUTED in declared[n] for n in selected) else None
            incomplete = checker.submit(_stderr_lines_and_close, opened, shared)
            run = Run(folder=run_dir.name, cluster=cluster, bundle=str(bundle), since=since, until=until, lang=lang,
                      started=_now(), dataset=ingested["files"])
            _write_run(run_dir, run)
            values = {"bundle": str(unpacked), "dataset": str(dataset), "since": since, "until": until, "lang": lang, "tz": tz,
                      "problems": str(problems_file), "detected_zone": detected, "history": str(out),
                      "run_dir": str(run_dir), "reports": ",".join(selected), COMPUTED: str(run_dir)}
            _write_atomic(run_dir / pages.VEGA_FILE, vega.result())  # once per run; every page refers to it
            _keep_vega_bundle(out, vega.result())
            exporter.result()

            def write_page(name: str, executed, code: bool) -> None:
                """The page of one report (its executed notebook, or the file of it): title, language, links, Vega file."""
                text = pages.export(executed, show_code=code, lang=lang, title=f"{title(name, lang)} — {cluster}",
                                    nav=pages.nav_html(nav_links(selected, lang), current=f"{name}.html"),
                                    vega_src=pages.VEGA_FILE)
                _write_atomic(run_dir / f"{name}.html", text)

            def execute(name: str) -> tuple[str, str, float]:
                """Run one notebook and write its page; the error text ('' on success)."""
                clock = time.perf_counter()
                source, target = nb_dir / f"{name}.ipynb", run_dir / f"{name}.ipynb"
                try:
                    if COMPUTED in declared[name]:
                        shared.result()  # its error is this report's
                    with pool.kernel() as km:
                        executed = papermill.execute_notebook(
                            str(source), str(target), engine_name=ENGINE, km=km, kernel_name="python3",
                            language="python", progress_bar=False, request_save_on_cell_execute=False,
                            parameters={k: v for k, v in values.items() if k in declared[name]},
                        )
                except Exception as exc:  # papermill saved the partial notebook at target
                    if target.exists():
                        write_page(name, target, True)
                    return name, _first_line(exc), time.perf_counter() - clock
                write_page(name, executed, show_code)  # the notebook in memory: not read back from its file
                return name, "", time.perf_counter() - clock

            # The reports that read what is computed once go last (in their order), so the others need not wait.
            order = sorted(selected, key=lambda n: COMPUTED in declared[n])
            done = {r[0]: r for r in workers.map(execute, order)}
            results = [done[n] for n in selected]
        finally:
            pool.close()
            if run_dir is not None and (Path(work) / KERNEL_LOG).exists():
                shutil.copyfile(Path(work) / KERNEL_LOG, run_dir / KERNEL_LOG)
        for line in incomplete.result():
            print(line, file=sys.stderr)
    if shared is not None and shared.done() and shared.exception() is None:
        run.computed = "reused" if shared.result() else "computed"
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

    run.status, run.finished = "ok", _now()
    read_summary(run_dir, run)
    _write_atomic(run_dir / "index.html", run_index(run))
    _write_run(run_dir, run)
    with _locked(out):
        _write_atomic(out / "index.html", top_index(out, lang))
    return run_dir


def vega_cache(out: Path) -> Path:
    """Where the Vega bundle is kept under ``out``, one file per Vega-Lite and vl-convert version."""
    import vl_convert

    return out / VEGA_CACHE / f"vega-{pages.vega_lite_version()}-{vl_convert.__version__}.js"


def cached_vega_bundle(out: Path) -> str:
    """The Vega bundle every page of a run loads: read from ``out``'s cache, else built (seconds, vl-convert)."""
    try:
        return vega_cache(out).read_text(encoding="utf-8")
    except OSError:
        return pages.vega_bundle()


def _keep_vega_bundle(out: Path, text: str) -> None:
    """Keep the bundle for the next run under ``out`` (once: an existing file is left alone)."""
    path = vega_cache(out)
    if not path.is_file():
        path.parent.mkdir(exist_ok=True)
        _write_atomic(path, text)


def refresh_dataset(collection: Path, dataset: Path) -> dict:
    """Bring ``dataset`` up to date with ``collection`` (parse once; every notebook reads the Parquet parts).

    :func:`clpkit.ingest.ingest` re-parses only the files that changed since
    the last run under the same OUT (an unchanged collection is not parsed
    at all) and, with ``prune``, drops the servers this collection lacks, so
    the dataset is exactly this collection. The summary is returned.
    """
    from clpkit.ingest import ingest

    return ingest(collection, dataset, progress=False, prune=True)


def unpack(bundle: Path, work: Path, problems: list[Problem] | None = None) -> Path:
    """The bundle with its server archives extracted once, for every notebook to share.

    Each notebook opens the bundle in its own kernel; left as archives, each
    would inflate them again (seconds per notebook on a month of statistics).
    A folder without archives is used as it is. Extraction is the bundle's
    own safe one (:func:`clpkit.archive.extract`); what it refuses or cannot
    read is appended to ``problems`` (the pages' "incomplete input" notice
    shows it). File sources in evidence read ``sv1/...`` instead of
    ``sv1.tar.gz/...``.

    The extraction stays in ``work`` (``clpkit report`` gives ``OUT/.unpacked``)
    for the next run: an archive whose fingerprint (size, modification time,
    hash of its head: :func:`clpkit.ingest.fingerprint`) did not change is not
    inflated again, and its problems are those remembered in
    ``work/_unpacked.json``; what left the collection leaves ``work``.
    """
    from clpkit.archive import is_archive

    problems = problems if problems is not None else []
    if not (bundle.is_file() and is_archive(bundle)) and (
            not bundle.is_dir() or not any(is_archive(p) for p in bundle.iterdir() if p.is_file())):
        return bundle
    work.mkdir(parents=True, exist_ok=True)
    with open(work / "_unpacked.lock", "w") as lock:  # overlapping runs under one OUT take turns
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _unpack_kept(bundle, work, problems)


def _unpack_kept(bundle: Path, work: Path, problems: list[Problem]) -> Path:
    from clpkit.archive import archive_stem, extract, is_archive, link_or_copy
    from clpkit.ingest import fingerprint

    stamps = work / UNPACK_STAMPS
    try:
        old = json.loads(stamps.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        old = {}
    stamps.unlink(missing_ok=True)  # until every archive is in place: a crash meanwhile re-extracts all
    kept = old.get("archives", {}) if old.get("bundle") == str(bundle) else {}
    done: dict[str, dict] = {}

    def take(archive: Path, dest: Path, label: str) -> None:
        stamp, was = fingerprint(archive), kept.get(archive.name)
        if was is not None and was["fingerprint"] == stamp and dest.is_dir():
            lost = [Problem(**p) for p in was["problems"]]
        else:
            _remove(dest)
            lost = [Problem(archive_stem(archive), label, p.line, p.reason) for p in extract(archive, dest)]
        problems.extend(lost)
        done[archive.name] = {"fingerprint": stamp, "problems": [asdict(p) for p in lost]}

    if bundle.is_file():
        target = work / archive_stem(bundle)
        take(bundle, target, bundle.name)
        wanted = {target.name}
    else:
        target = work / bundle.name
        target.mkdir(exist_ok=True)
        wanted = {target.name}
        inside = set()
        for entry in sorted(bundle.iterdir()):
            if entry.is_file() and is_archive(entry):
                inside.add(archive_stem(entry))
                take(entry, target / archive_stem(entry), f"{bundle.name}/{entry.name}")
                continue
            inside.add(entry.name)
            dest = target / entry.name
            _remove(dest)
            if entry.is_symlink():
                dest.symlink_to(os.readlink(entry))  # refused or followed as the bundle itself would
            elif entry.is_dir():
                shutil.copytree(entry, dest, symlinks=True, copy_function=link_or_copy)
            else:
                link_or_copy(entry, dest)
        for gone in [p for p in target.iterdir() if p.name not in inside]:
            _remove(gone)
    for gone in [p for p in work.iterdir() if p.name not in wanted and not p.name.startswith("_unpacked")]:
        _remove(gone)  # another collection's extraction
    stamps.write_text(json.dumps({"bundle": str(bundle), "archives": done}, ensure_ascii=False), encoding="utf-8")
    return target


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def _ipc_kernel_manager(folder: Path, log: Path):
    """A kernel manager on local sockets (IPC) in ``folder``, the kernel's stderr in ``log``.

    The kernel warns on stderr at every start that TCP is not encrypted;
    six reports made six warnings, so a cron job mailed root every run.
    Unix sockets in the run's private temporary folder are both private and
    quiet; each kernel gets its own socket name (kernels run side by side).
    What a kernel still prints (a message at shutdown) goes to the run's
    ``kernels.log``; a notebook's failure is reported by the run itself.
    """
    import uuid

    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    class IPCKernelManager(AsyncKernelManager):
        @default("transport")
        def _transport_default(self):
            return "ipc"

        @default("ip")
        def _ip_default(self):
            return str(folder / f"k-{uuid.uuid4().hex[:12]}")

        async def start_kernel(self, **kw):
            with open(log, "ab") as err:  # the child keeps its own copy of the descriptor
                kw.setdefault("stderr", err)
                return await super().start_kernel(**kw)

    return IPCKernelManager


def write_problems(path: Path, problems: list[Problem]) -> str:
    """The problems met while unpacking, for the notebooks (:func:`clpkit.report.data.open_bundle`); the text written."""
    text = json.dumps([asdict(p) for p in problems], ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return text


def _stderr_lines_and_close(opened, after=None) -> list[str]:
    """What the input lacked, once the step computed once (the future ``after``) is done with ``opened``."""
    from concurrent.futures import wait

    from clpkit.health import stderr_lines

    if after is not None:
        wait([after])
    try:
        return stderr_lines(opened, parse=True)
    finally:
        opened.close()
        opened.forget()  # the events and statistics computed.write read: not held while the kernels run


def nav_links(names: list[str], lang: str) -> list[tuple[str, str]]:
    """The links at the top of every page of a run: this run, its reports, every run."""
    return [("index.html", t("this_run", lang)), *[(f"{n}.html", title(n, lang)) for n in names],
            ("../index.html", t("back_to_runs", lang))]


def read_summary(run_dir: Path, run: Run) -> None:
    """The period and findings counts the summary stored (figures.parquet), into ``run``."""
    import polars as pl

    path = run_dir / "figures.parquet"
    if not path.is_file():
        return
    try:
        fig = pl.read_parquet(path)
    except Exception:  # a damaged file leaves the index without counts, not the run failed
        return
    counts = fig.filter(pl.col("metric").str.starts_with("findings."))
    run.findings = {m.removeprefix("findings."): int(v) for m, v in counts.select("metric", "value").iter_rows()}
    if "period_start" in fig.columns and fig.height:
        run.period_start, run.period_end = fig["period_start"][0] or "", fig["period_end"][0] or ""


def runs(out: Path, *, failed: bool = False) -> list[Run]:
    """The successful runs under ``out`` (and the failed ones when asked), newest first."""
    found = []
    for path in sorted(out.glob(f"*/{RUN_FILE}"), reverse=True):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            run = Run(**data)
        except (ValueError, TypeError):
            continue
        if run.status == "ok" or (failed and run.status == "failed"):
            found.append(run)
    return found


SEVERITY_ORDER = ("critical", "error", "warning", "info")


def _period(run: Run, lang: str) -> str:
    first = run.since or run.period_start or t("from_start", lang)
    last = run.until or run.period_end or t("to_end", lang)
    return f"{first} – {last}"


def _findings_cells(run: Run) -> str:
    if not run.findings:
        return "".join('<td class="num">–</td>' for _ in SEVERITY_ORDER)
    return "".join(f'<td class="num">{run.findings.get(s, 0)}</td>' for s in SEVERITY_ORDER)


def _status_cell(run: Run, lang: str) -> str:
    words = t("ok", lang) if run.status == "ok" else f"{t('failed', lang)}: {run.failed}"
    return f'<td class="clpkit-status-{html.escape(run.status)}">{html.escape(words)}</td>'


def run_index(run: Run) -> str:
    """The page of one run: cluster, period, status, findings, its reports."""
    lang = run.lang
    items = "\n".join(
        f'<li><a href="{name}.html">{html.escape(title(name, lang))}</a></li>' for name in run.reports
    )
    head = "".join(f"<th>{t(k, lang)}</th>" for k in ("cluster", "period", "status", "language"))
    sev = "".join(f"<th>{t('findings', lang)}: {t(s, lang)}</th>" for s in SEVERITY_ORDER)
    row = (f"<tr><td>{html.escape(run.cluster)}</td><td>{html.escape(_period(run, lang))}</td>"
           f"{_status_cell(run, lang)}<td>{LANGUAGE_NAMES.get(lang, lang)}</td>{_findings_cells(run)}</tr>")
    body = (
        f'<table class="clpkit-table"><thead><tr>{head}{sev}</tr></thead><tbody>{row}</tbody></table>\n'
        f"<p>{t('generated', lang)}: {html.escape(run.started)}</p>\n<h2>{t('reports', lang)}</h2>\n<ul>\n{items}\n</ul>"
    )
    nav = pages.nav_html(nav_links(run.reports, lang), current="index.html")
    return pages.page(f"{t('reports', lang)}: {run.cluster} {run.folder}", body, lang, nav=nav)


LANGUAGE_NAMES = {"en": "English", "ja": "日本語"}


def top_index(out: Path, lang: str = "en") -> str:
    """The page listing the runs under ``out``, newest first: period, status, language, findings, reports."""
    rows = "\n".join(
        f'<tr><td data-sort="{r.folder}">{_run_link(r)}</td><td>{html.escape(r.cluster)}</td>'
        f"<td>{html.escape(_period(r, lang))}</td>{_status_cell(r, lang)}"
        f"<td>{LANGUAGE_NAMES.get(r.lang, r.lang)}</td>{_findings_cells(r)}"
        f'<td class="wrap">{_report_links(r, lang)}</td></tr>'
        for r in runs(out, failed=True)
    )
    head = "".join(f"<th>{t(k, lang)}</th>" for k in ("run", "cluster", "period", "status", "language"))
    head += "".join(f"<th>{t(s, lang)}</th>" for s in SEVERITY_ORDER) + f"<th>{t('reports', lang)}</th>"
    table = f'<table class="clpkit-table"><thead><tr>{head}</tr></thead><tbody>\n{rows}\n</tbody></table>'
    return pages.page(t("runs", lang), f'<div class="clpkit-table-wrap">{table}</div>', lang)


def _run_link(run: Run) -> str:
    if run.status == "ok":
        return f'<a href="{run.folder}/index.html">{run.folder}</a>'
    return html.escape(run.folder)


def _report_links(run: Run, lang: str) -> str:
    names = run.reports if run.status == "ok" else [run.failed] if run.failed else []
    return " · ".join(f'<a href="{run.folder}/{name}.html">{html.escape(title(name, lang))}</a>' for name in names)


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

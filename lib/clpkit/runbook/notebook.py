"""What every runbook notebook calls: one :class:`Session` per run.

A runbook notebook holds a parameters cell and then only these calls::

    rb = notebook.open_runbook("delete-logs", dict(init=init), config=config, mode=mode, ...)
    rb.show_plan()           # the plan as a checklist, every command in full, its notes and the execute token
    rb.preconditions()       # checks before the first change
    rb.steps()               # the changes, behind the gates
    rb.verification()        # the checks after the last change

In ``plan`` mode (the default) nothing is contacted and nothing is written;
each phase shows what would run. In ``execute`` mode every phase runs
through :class:`clpkit.runbook.engine.Runner` and records to the run
directory; a failure raises, so papermill stops and saves the notebook
with the error marked.

Tables are shown whole (:class:`FullTable`): a notebook never cuts a
command or an output short, as polars' own display does.

>>> rb = open_runbook("suppress-failover", {"method": "monitors"}, echo=lambda s: None)
>>> rb.table().select("n", "phase", "command").rows()[:2]
[(1, 'preconditions', 'clpstat'), (2, 'steps', 'clpmonctrl -s')]
>>> rb.steps().height
1
>>> long = "x" * 500
>>> long in FullTable(__import__("polars").DataFrame({"command": [long]}))._repr_html_()
True
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from clpkit.problems import ClpkitError
from clpkit.runbook import render
from clpkit.runbook.engine import Runner, token
from clpkit.runbook.params import make_plan
from clpkit.runbook.plan import Plan
from clpkit.runbook.transport import LocalTransport, SSHTransport, parse_hosts

#: Where execute runs are recorded when no run directory is given.
DEFAULT_RUNS = Path("runbook-runs")


def _display(obj: Any) -> None:
    try:
        from IPython.display import Markdown, display

        display(Markdown(obj) if isinstance(obj, str) else obj)
    except ImportError:  # outside Jupyter
        print(obj)


class FullTable:
    """A polars frame that Jupyter shows in full: every row and every character of every cell.

    Anything else is the frame's own (``.height``, ``.filter`` …)."""

    def __init__(self, frame):
        self.frame = frame

    def __getattr__(self, name: str):
        return getattr(self.frame, name)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.frame.columns)
        rows = "".join(
            "<tr>" + "".join(f'<td style="text-align:left"><pre style="white-space:pre-wrap;margin:0">'
                             f"{html.escape('' if v is None else str(v))}</pre></td>" for v in row) + "</tr>"
            for row in self.frame.iter_rows()
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"

    def __repr__(self) -> str:
        return "\n".join(" | ".join("" if v is None else str(v) for v in row) for row in
                         [tuple(self.frame.columns), *self.frame.iter_rows()])


class Session:
    """One runbook, one cluster, one run (or one plan review)."""

    def __init__(self, plan: Plan, runner: Runner | None, run_dir: Path | None):
        self.plan, self.runner, self.run_dir = plan, runner, run_dir

    @property
    def token(self) -> str:
        return token(self.plan)

    def table(self):
        """The plan, one row per step, as a polars frame shown in full."""
        return FullTable(render.table(self.plan))

    def show_plan(self) -> None:
        """Display the plan as the checklist ``clpkit runbook plan`` prints (every command in full)."""
        _display(FullTable(render.table(self.plan)))
        _display("```text\n" + render.checklist(self.plan) + "\n```")

    def _phase(self, phase: str):
        import polars as pl

        numbers = [n for n, p in render.phases(self.plan).items() if p == phase]
        if self.runner is None or self.runner.mode == "plan":
            return FullTable(self.table().frame.filter(pl.col("n").is_in(numbers)))
        self.runner.run_phase(phase)
        return FullTable(self.record().frame.filter(pl.col("n").is_in(numbers)))

    def preconditions(self):
        """Run the checks before the first change (plan mode: list them)."""
        return self._phase("preconditions")

    def steps(self):
        """Run the changes (plan mode: list them)."""
        return self._phase("steps")

    def verification(self):
        """Run the checks after the last change (plan mode: list them)."""
        frame = self._phase("verification")
        if self.runner is not None:
            self.runner.close()
        return frame

    def complete(self) -> bool:
        """Whether the audit log shows the run reached its end."""
        return self.runner is not None and self.runner.record is not None and any(
            e.get("event") == "run-end" for e in self.runner.record.events())

    def record(self):
        """The audit log so far, one row per host and step, as a polars frame."""
        import polars as pl

        schema = {"time": pl.String, "n": pl.Int64, "host": pl.String, "command": pl.String,
                  "exit_code": pl.Int64, "ok": pl.Boolean, "reason": pl.String, "output": pl.String}
        if self.runner is None or self.runner.record is None:
            return FullTable(pl.DataFrame(schema=schema))
        rows = [{k: e.get(k) for k in schema} for e in self.runner.record.events() if e.get("event") == "step-end"]
        rows += [{"time": e["time"], "n": e["n"], "host": None, "command": None, "exit_code": None, "ok": True,
                  "reason": "confirmed by the operator", "output": None}
                 for e in self.runner.record.events() if e.get("event") == "manual-confirmed"]
        return FullTable(pl.DataFrame(rows, schema=schema, orient="row").sort("n", "time"))


def open_runbook(name: str, params: dict[str, Any], *, config: str = "", mode: str = "plan", confirm: str = "",
                 hosts: str = "", known_hosts: str = "", identity: str = "", run_dir: str = "",
                 confirmed_steps: Iterable[int] = (), transport: str = "ssh", poll_interval: float | None = None,
                 echo: Callable[[str], None] = print) -> Session:
    """The plan of a runbook and, in execute mode, the runner that carries it out."""
    plan = make_plan(name, {k: v for k, v in params.items()}, config or None)
    if mode == "plan" and not run_dir:
        return Session(plan, Runner(plan, {}, None, mode="plan", echo=echo), None)
    where = Path(run_dir) if run_dir else DEFAULT_RUNS / f"{name}-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}"
    transports = _transports(plan, transport, hosts, known_hosts, identity) if mode == "execute" else {}
    runner = Runner(plan, transports, where, mode=mode, confirm=confirm, confirmed_steps=confirmed_steps,
                    poll_interval=poll_interval, echo=echo)
    return Session(plan, runner, where)


def _transports(plan: Plan, kind: str, hosts: str, known_hosts: str, identity: str) -> dict[str, Any]:
    names = sorted({h for s in plan.steps for h in s.hosts})
    if kind == "local":
        return {n: LocalTransport(n) for n in names}
    if kind != "ssh":
        raise ClpkitError(f"transport {kind!r}: must be ssh or local")
    specs = parse_hosts(hosts)
    return {n: SSHTransport(spec, known_hosts=known_hosts or None, identity=identity or None) for n, spec in specs.items()}


__all__ = ["Session", "open_runbook"]

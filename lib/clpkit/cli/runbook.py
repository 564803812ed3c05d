"""``clpkit runbook``: list the runbooks, show a plan, run a runbook notebook."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

import clpkit
from clpkit.cli._group import main
from clpkit.problems import ClpkitError
from clpkit.runbook import procedures, render
from clpkit.runbook.audit import RunDir
from clpkit.runbook.engine import require_token
from clpkit.runbook.params import make_plan, parse_pairs
from clpkit.runbook.transport import parse_hosts

PARAM = click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE", help="A runbook parameter (repeatable).")
CONFIG = click.option("--config", type=click.Path(exists=True, dir_okay=False), help="The cluster's clp.conf.")
BUNDLE = click.option("--bundle", type=click.Path(exists=True), help="A log collection (replace-mirror-disk: estimate the copy time; give -p data_size=…).")


def _params(params: tuple[str, ...], bundle: str | None) -> dict[str, str]:
    raw = parse_pairs(params)
    if bundle:
        raw["bundle"] = str(Path(bundle).resolve())
    return raw


def notebooks_dir() -> Path:
    """``runbooks/`` of the source tree clpkit runs from."""
    return Path(clpkit.__file__).resolve().parents[2] / "runbooks"


@main.group()
def runbook() -> None:
    """The Maintenance Guide's procedures: plan, check, run over SSH behind gates."""


@runbook.command("list")
def list_() -> None:
    """Every runbook with its guide section and title."""
    for name, module in procedures.all_procedures().items():
        click.echo(f"{name:<24} {module.GUIDE:<12} {module.TITLE}")


@runbook.command()
@click.argument("name")
@PARAM
@CONFIG
@BUNDLE
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
def plan(name: str, params: tuple[str, ...], config: str | None, bundle: str | None, as_json: bool) -> None:
    """Show the plan of runbook NAME for these parameters; touches nothing."""
    the_plan = make_plan(name, _params(params, bundle), config)
    click.echo(render.to_json(the_plan) if as_json else render.checklist(the_plan))


@runbook.command()
@click.argument("name")
@PARAM
@CONFIG
@BUNDLE
@click.option("--hosts", default="", help="Server addresses: name=user@host[:port],…")
@click.option("--known-hosts", type=click.Path(dir_okay=False), default="", help="known_hosts file to check host keys against (default ~/.ssh/known_hosts).")
@click.option("--identity", type=click.Path(dir_okay=False), default="", help="SSH private key file (default: the SSH agent).")
@click.option("--execute", is_flag=True, help="Run the steps (default: plan mode, nothing is touched).")
@click.option("--confirm", default="", help="The confirmation token `clpkit runbook plan` shows; required with --execute.")
@click.option("--resume", "resume", type=click.Path(file_okay=False, exists=True), help="Continue the run recorded in RUN_DIR.")
@click.option("--confirmed", default="", help="Manual steps already done, e.g. 9,10 (otherwise you are asked).")
@click.option("--runs-dir", default="runbook-runs", type=click.Path(file_okay=False), help="Where new run directories go.")
@click.option("--transport", type=click.Choice(["ssh", "local"]), default="ssh", help="local runs every server's commands on this machine.")
@click.option("--poll-interval", type=float, default=None, help="Seconds between polls of wait steps, also the most a wait pauses before its first poll (default: each step's own).")
def run(name, params, config, bundle, hosts, known_hosts, identity, execute, confirm, resume, confirmed, runs_dir, transport, poll_interval) -> None:
    """Run runbook NAME's notebook with papermill; the executed notebook and the audit log are the record."""
    raw = _params(params, bundle)
    the_plan = make_plan(name, raw, config)
    if execute:
        require_token(the_plan, confirm)
    if transport == "ssh":
        missing = sorted({h for s in the_plan.steps for h in s.hosts} - set(parse_hosts(hosts)))
        if execute and missing:
            raise ClpkitError(f"--hosts has no address for {', '.join(missing)}: give name=user@host[:port] for every server of the plan")
    import papermill  # slow to import: only once the command line is known to be good

    notebook = notebooks_dir() / f"{name}.ipynb"
    if not notebook.is_file():
        raise ClpkitError(f"{notebook}: no notebook for runbook {name}")
    run_dir = Path(resume) if resume else Path(runs_dir) / f"{name}-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%fZ}"
    run_dir.mkdir(parents=True, exist_ok=True)
    done = [int(n) for n in confirmed.replace(" ", "").split(",") if n]
    while True:
        out = _next_notebook(run_dir)
        parameters = {**raw, "config": str(Path(config).resolve()) if config else "", "mode": "execute" if execute else "plan",
                      "confirm": confirm, "hosts": hosts, "known_hosts": known_hosts, "identity": identity,
                      "run_dir": str(run_dir.resolve()), "confirmed_steps": done, "transport": transport,
                      "poll_interval": poll_interval or 0.0}
        try:
            papermill.execute_notebook(str(notebook), str(out), parameters=parameters, progress_bar=False,
                                       cwd=str(run_dir))
        except papermill.PapermillExecutionError as exc:
            waiting = RunDir(run_dir).awaiting()
            if waiting is None:
                raise ClpkitError(f"run stopped: {exc.evalue.splitlines()[0] if exc.evalue else exc.ename}; "
                                  f"record in {run_dir} ({out.name}, audit.jsonl)") from None
            step = the_plan.steps[waiting - 1]
            if not sys.stdin.isatty():
                raise ClpkitError(f"step {waiting} waits for the operator: {step.text}. When it is done: "
                                  f"clpkit runbook run {name} … --resume {run_dir} --confirmed {waiting}") from None
            if not click.confirm(f"Step {waiting} (manual): {step.text}\nIs it done?", default=False):
                raise ClpkitError(f"stopped at manual step {waiting}; resume with --resume {run_dir} --confirmed {waiting}") from None
            done.append(waiting)
            continue
        break
    click.echo(json.dumps({"run_dir": str(run_dir), "notebook": str(out), "audit": str(run_dir / "audit.jsonl"),
                           "mode": "execute" if execute else "plan"}))


def _next_notebook(run_dir: Path) -> Path:
    n = 1
    while (run_dir / f"notebook-{n}.ipynb").exists():
        n += 1
    return run_dir / f"notebook-{n}.ipynb"

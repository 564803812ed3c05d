"""``clpkit runbook``: list the runbooks, show one's parameters, show a plan, run or rehearse it."""

from __future__ import annotations

import json
import os
import secrets
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from clpkit.cli._group import main
from clpkit.problems import ClpkitError
from clpkit.runbook import procedures, render
from clpkit.runbook.audit import LOCK_KEY_ENV, RunDir, describe_holder
from clpkit.runbook.engine import require_saved_plan, require_token
from clpkit.runbook.params import describe, make_plan, parse_pairs
from clpkit.runbook.transport import parse_hosts
from clpkit.shipped import shipped_folder

PARAM = click.option("-p", "--param", "params", multiple=True, metavar="KEY=VALUE", help="A runbook parameter (repeatable).")
CONFIG = click.option("--config", type=click.Path(exists=True, dir_okay=False), help="The cluster's clp.conf.")
BUNDLE = click.option("--bundle", type=click.Path(exists=True), help="A log collection (replace-mirror-disk: estimate the copy time; "
                      "give -p data_size=…; replace-server hybrid-*: the copy source from its saved clpstat output).")


def _params(params: tuple[str, ...], bundle: str | None) -> dict[str, str]:
    raw = parse_pairs(params)
    if bundle:
        raw["bundle"] = str(Path(bundle).resolve())
    return raw


def notebooks_dir() -> Path:
    """The runbook notebooks: the installed package's, else ``runbooks/`` of the source tree."""
    return shipped_folder("runbooks")


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
def show(name: str) -> None:
    """The parameters of runbook NAME: type, default, allowed values and meaning."""
    try:
        module = procedures.get(name)
    except KeyError as exc:
        raise ClpkitError(exc.args[0]) from None
    click.echo(f"{name}: {module.TITLE} (Maintenance Guide {module.GUIDE})")
    click.echo("Parameters (-p NAME=VALUE):")
    for p in describe(module):
        default = "(empty)" if p.default == "" else str(p.default).lower() if isinstance(p.default, bool) else str(p.default)
        click.echo(f"  {p.name} ({p.kind}, default {default})")
        if p.choices:
            click.echo(f"      allowed: {', '.join(p.choices)}")
        if p.meaning:
            click.echo(f"      {p.meaning}")
    click.echo(f"Plan it with: clpkit runbook plan {name} [-p NAME=VALUE ...] [--config clp.conf] [--out plan.json]")


@runbook.command()
@click.argument("name")
@PARAM
@CONFIG
@BUNDLE
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Also save the plan as JSON; `runbook run --plan FILE` refuses to execute anything else.")
def plan(name: str, params: tuple[str, ...], config: str | None, bundle: str | None, as_json: bool, out: str | None) -> None:
    """Show the plan of runbook NAME for these parameters; touches nothing."""
    the_plan = make_plan(name, _params(params, bundle), config)
    click.echo(render.to_json(the_plan) if as_json else render.checklist(the_plan))
    if out:
        Path(out).write_text(render.to_json(the_plan) + "\n", encoding="utf-8")
        click.echo(f"saved the plan to {out}", err=True)


def _saved_plan(path: str) -> dict:
    try:
        saved = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ClpkitError(f"{path}: cannot read the saved plan ({exc})") from None
    except json.JSONDecodeError as exc:
        raise ClpkitError(f"{path}:{exc.lineno}: not a saved plan (JSON: {exc.msg})") from None
    if not isinstance(saved, dict) or not isinstance(saved.get("steps"), list) or "runbook" not in saved:
        raise ClpkitError(f"{path}: not a plan saved by `clpkit runbook plan --out`")
    return saved


@runbook.command()
@click.argument("name", required=False)
@PARAM
@CONFIG
@BUNDLE
@click.option("--plan", "plan_file", type=click.Path(dir_okay=False, exists=True), default=None,
              help="A plan saved by `runbook plan --out`: its runbook and parameters are used, and the run is refused "
                   "when the plan computed now differs from it.")
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
def run(name, params, config, bundle, plan_file, hosts, known_hosts, identity, execute, confirm, resume, confirmed, runs_dir,
        transport, poll_interval) -> None:
    """Run runbook NAME's notebook with papermill; the executed notebook and the audit log are the record."""
    saved = _saved_plan(plan_file) if plan_file else None
    if saved is not None:
        name = name or saved["runbook"]
        raw = _params(params, bundle) if (params or bundle) else dict(saved.get("params") or {})
    elif not name:
        raise ClpkitError("give the runbook's NAME, or --plan FILE saved by `clpkit runbook plan … --out FILE`")
    else:
        raw = _params(params, bundle)
    the_plan = make_plan(name, raw, config)
    if saved is not None:
        require_saved_plan(the_plan, saved, plan_file)
    if execute:
        require_token(the_plan, confirm)
    else:
        click.echo(render.checklist(the_plan))
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
    record = RunDir(run_dir)
    if execute:
        # Held for the whole command, manual confirmations included; the notebook's kernel runs under it.
        key = secrets.token_hex(16)
        record.lock(key=key, steps=False)
        os.environ[LOCK_KEY_ENV] = key
        if record.replaced_holder:  # recorded in the audit log by lock()
            click.echo(f"{run_dir}: its last holder ({describe_holder(record.replaced_holder)}) ended without "
                       "releasing it; taken over", err=True)
    try:
        _run_notebooks(name, notebook, run_dir, raw, config, execute, confirm, hosts, known_hosts, identity, done,
                       transport, poll_interval, the_plan)
    finally:
        os.environ.pop(LOCK_KEY_ENV, None)
        record.unlock()


def _run_notebooks(name, notebook, run_dir, raw, config, execute, confirm, hosts, known_hosts, identity, done,
                   transport, poll_interval, the_plan) -> None:
    import papermill

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
                raise ClpkitError(f"run stopped: {(exc.evalue or exc.ename).strip()}\n"
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


@runbook.command()
@click.argument("name")
@PARAM
@CONFIG
@click.option("--bundle", type=click.Path(exists=True), help="A log collection folder: the simulated cluster starts in the "
              "states its saved clpstat/clpmdstat outputs show (and a runbook with a bundle parameter gets it).")
@click.option("--crash-every-step", is_flag=True, help="Also rehearse a crash right after every step, each followed by a resume.")
@click.option("--keep", type=click.Path(file_okay=False), default=None, help="Keep the simulated cluster and the run record in DIR.")
def rehearse(name, params, config, bundle, crash_every_step, keep) -> None:
    """Dress rehearsal: run runbook NAME's plan against a simulated cluster built from clp.conf (touches nothing real)."""
    from clpkit.runbook import rehearse as rh
    from clpkit.runbook.params import load_config

    raw = parse_pairs(params)
    if bundle and "bundle" in {p.name for p in describe(procedures.get(name))}:
        raw["bundle"] = str(Path(bundle).resolve())
    the_plan = make_plan(name, raw, config)
    parsed = load_config(config)
    work = Path(keep) if keep else None
    if work is not None and work.exists() and any(work.iterdir()):
        raise ClpkitError(f"--keep {work}: the folder is not empty; give a new one")
    click.echo(rh.NOTICE)
    outcome = rh.rehearse(the_plan, parsed, work=work / "run-through" if work else None, bundle=bundle,
                          echo=lambda s: click.echo(f"[rehearsal] {s}"))
    for note in outcome.notes:
        click.echo(f"[rehearsal] simulated cluster: {note}")
    click.echo(f"{name}: {rh.summary(outcome)} (simulated)")
    if outcome.reason and not outcome.ok:
        click.echo(outcome.reason)
    failed = not outcome.ok
    if crash_every_step:
        crashes = rh.rehearse_with_crashes(the_plan, parsed, work=work / "crashes" if work else None, bundle=bundle,
                                           echo=lambda s: click.echo(f"[rehearsal] {s}"))
        bad = [c for c in crashes if not c.ok]
        click.echo(f"{name}: {len(crashes) - len(bad)} of {len(crashes)} crash-and-resume rehearsals reached the verified "
                   "state with no destructive step repeated (simulated)")
        failed = failed or bool(bad)
    if failed:
        sys.exit(1)


def _next_notebook(run_dir: Path) -> Path:
    n = 1
    while (run_dir / f"notebook-{n}.ipynb").exists():
        n += 1
    return run_dir / f"notebook-{n}.ipynb"

"""Runs a plan: gates, preconditions, transports, the audit log, resume.

Two modes. ``plan`` touches nothing. ``execute`` runs the steps and is
refused unless the caller passes the confirmation :func:`token` of the plan
(shown by ``clpkit runbook plan``); the token is a digest of everything that
will run (each step's kind, hosts, command, destructive flag, expected
output, wait timeout and delay, and text; the parameters and the clp.conf digest), so approving one plan
never approves another: a different method, layout, server or clp.conf
gives a different token.

Only one run at a time may use a run directory (:meth:`RunDir.lock`), and
before the first change of a session every server the plan names is
contacted (:meth:`Runner.preflight`): an unknown host key or an unreachable
server stops the run before any server is changed.

A plan runs in three phases (:func:`phases`): the *preconditions* (the
checks before the first change), the *steps*, and the *verification* (the
checks and waits after the last change). Every precondition runs before
anything is changed; a failed check stops the run there. Manual steps run
only when the operator has confirmed them. A resumed run skips what the
audit log shows as done, host by host, so a completed destructive step is
never repeated; a destructive step whose end was never recorded is not
retried blindly: the operator checks it and confirms it.

>>> from clpkit.runbook.plan import Plan, Step, approved_content, differences
>>> p = Plan("demo", {}, (Step("command", "x", hosts=("sv1",), command="true"),), cluster="c1")
>>> token(p)
'demo@c1-...'
>>> token(p) == token(Plan("demo", {}, (Step("command", "x", hosts=("sv2",), command="true"),), cluster="c1"))
False
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from clpkit.problems import ClpkitError
from clpkit.runbook.audit import RunDir, describe_holder
from clpkit.runbook.conditions import Verdict, evaluate
from clpkit.runbook.plan import Plan, Step, approved_content, differences
from clpkit.runbook.transport import HostKeyError, Result, TransportError

MODES = ("plan", "execute")
#: What the pre-flight check runs on every server: it proves the host key, the login and a shell.
PREFLIGHT_COMMAND = "true"
PHASES = ("preconditions", "steps", "verification")
# Commands that take the server down: a dropped connection means they worked.
_GOES_DOWN = re.compile(r"^\s*(reboot|clpstdn|clpdown|shutdown|poweroff)\b")
# Parameter names that would carry a secret: refused everywhere.
_SECRET_NAME = re.compile(r"pass(word|phrase)?|secret|private|credential", re.IGNORECASE)


class RunStopped(ClpkitError):
    """The run stopped before the end: a failed step, a failed check, a missing confirmation."""


class AwaitingConfirmation(RunStopped):
    """A manual step waits for the operator; resume with the step confirmed."""

    def __init__(self, n: int, step: Step):
        self.n, self.step = n, step
        super().__init__(f"step {n} is a manual step waiting for the operator: {step.text}. "
                         f"Do it, then resume this run with step {n} confirmed")


def token(plan: Plan | dict[str, Any]) -> str:
    """The confirmation token of a plan: runbook, cluster and a digest of everything it will run."""
    data = plan.to_dict() if isinstance(plan, Plan) else plan
    content = json.dumps(approved_content(data), sort_keys=True, ensure_ascii=False, default=str)
    digest = hashlib.sha256(content.encode()).hexdigest()[:12]
    return f"{data.get('runbook')}@{data.get('cluster') or 'unnamed'}-{digest}"


def require_saved_plan(plan: Plan, saved: dict[str, Any], source: str = "the saved plan") -> None:
    """Refuse when the plan computed now is not the plan that was saved (and approved); say what differs."""
    diff = differences(saved, plan.to_dict())
    if saved.get("token") and saved["token"] != token(saved):
        diff.insert(0, f"the token written in {source} does not match its content (edited by hand?)")
    if diff:
        raise ClpkitError(f"execute refused: the plan computed now differs from {source}: " + "; ".join(diff)
                          + ". Review the new plan and approve it again")


def require_token(plan: Plan, confirm: str) -> None:
    """Refuse to execute unless ``confirm`` is the plan's token; the message says what is missing."""
    if confirm == token(plan):
        return
    what = "no confirmation token was given" if not confirm else f"the token {confirm!r} is not this plan's"
    raise ClpkitError(f"execute refused: {what}. Review the plan (`clpkit runbook plan {plan.runbook} …`) and pass "
                      f"the confirmation token it shows for runbook {plan.runbook} on cluster {plan.cluster or 'unnamed'}")


def check_no_secrets(params: dict[str, Any]) -> None:
    """Refuse parameters that look like passwords or keys: keys come from the agent or a key file path."""
    for key, value in params.items():
        if _SECRET_NAME.search(str(key)):
            raise ClpkitError(f"parameter {key!r}: clpkit never takes passwords or secrets; use an SSH agent or --identity FILE")
        if isinstance(value, str) and "PRIVATE KEY" in value:
            raise ClpkitError(f"parameter {key!r} holds a private key; pass the key file path with --identity instead")


def phases(plan: Plan) -> dict[int, str]:
    """Step number → phase: leading checks are preconditions, trailing checks/waits verification."""
    kinds = [s.kind for s in plan.steps]
    changes = [i for i, k in enumerate(kinds) if k in ("command", "manual")]
    if not changes:
        return {n: "preconditions" for n in range(1, len(kinds) + 1)}
    first, last = changes[0], changes[-1]
    return {i + 1: "preconditions" if i < first else "verification" if i > last else "steps" for i in range(len(kinds))}


class Runner:
    """Executes one plan against transports (server name → transport), recording to ``run_dir``."""

    def __init__(self, plan: Plan, transports: dict[str, Any], run_dir: str | Path | None, *, mode: str = "plan",
                 confirm: str = "", confirmed_steps: Iterable[int] = (), ask: Callable[[int, Step], bool] | None = None,
                 poll_interval: float | None = None, wait_limit: float | None = None,
                 echo: Callable[[str], None] = print, after_step: Callable[[int], None] | None = None):
        if mode not in MODES:
            raise ClpkitError(f"mode {mode!r}: must be one of {', '.join(MODES)}")
        if mode == "execute":
            require_token(plan, confirm)
        check_no_secrets(plan.params)
        self.plan, self.mode, self.transports = plan, mode, transports
        self.confirmed = {int(n) for n in confirmed_steps}
        self.ask, self.poll_interval, self.echo = ask, poll_interval, echo
        self.wait_limit = wait_limit  # caps every wait step (rehearsals against a simulator)
        self.after_step = after_step  # called once a step is recorded done (a rehearsal injects its crashes here)
        self.phase_of = phases(plan)
        if run_dir is None and mode == "execute":
            raise ClpkitError("execute needs a run directory for the audit log")
        # A plan review without a run directory writes nothing at all.
        self.record = RunDir(run_dir) if run_dir is not None else None
        if self.record is not None and mode == "execute":
            self.record.lock()
            gone = self.record.replaced_holder
            if gone:  # recorded in the audit log by lock()
                echo(f"the run directory's last holder ({describe_holder(gone)}) ended without releasing it; taken over")
        if self.record is not None:
            self.record.save_plan({**plan.to_dict(), "token": token(plan)})
        missing = sorted({h for s in plan.steps for h in s.hosts} - set(transports)) if mode == "execute" else []
        if missing:
            raise ClpkitError(f"no address for {', '.join(missing)}: give --hosts name=user@host[:port] for every server of the plan")
        self._started = False

    # -- phases ---------------------------------------------------------------------------
    def run(self) -> None:
        """Every phase in order."""
        for phase in PHASES:
            self.run_phase(phase)

    def run_phase(self, phase: str) -> list[int]:
        """Run (or, in plan mode, list) the steps of one phase; returns their numbers."""
        numbers = [n for n, p in self.phase_of.items() if p == phase]
        if self.mode == "plan":
            for n in numbers:
                self.echo(f"plan mode, not run: {n}. {self.plan.steps[n - 1].text}")
            return numbers
        if phase != "preconditions":
            self._require_preconditions()
        if not self._started:
            self.record.append({"event": "run-start", "runbook": self.plan.runbook, "cluster": self.plan.cluster,
                                "mode": self.mode, "token": token(self.plan),
                                "hosts": {k: t.describe() for k, t in self.transports.items()}})
            self._started = True
            self.preflight()
        for n in numbers:
            self._step(n)
        if phase == "verification":
            self.record.append({"event": "run-end", "status": "complete"})
            self.record.unlock()
        return numbers

    def preflight(self) -> None:
        """Contact every server with steps still to run (``plan.hosts_later`` aside) before anything changes.

        A missing or wrong host key, a refused key or an unreachable server on
        any of them stops the run here, so no server is changed while another
        could not be reached."""
        done = self.record.done_steps()
        hosts = sorted({h for n, s in enumerate(self.plan.steps, start=1) if n not in done for h in s.hosts}
                       - set(self.plan.hosts_later))
        problems = []
        for host in hosts:
            try:
                result = self.transports[host].run(PREFLIGHT_COMMAND, timeout=60)
            except HostKeyError as exc:
                problems.append(f"{host}: {exc}")
                continue
            except TransportError as exc:
                problems.append(f"{host}: unreachable ({exc})")
                continue
            if result.exit_code != 0:
                problems.append(f"{host}: a test command exits {result.exit_code}: {result.output.strip()[-300:]}")
        self.record.append({"event": "preflight", "hosts": hosts, "ok": not problems, "problems": problems})
        if problems:
            self._stop(0, "preflight", "pre-flight check failed, nothing was changed on any server: " + "; ".join(problems))
        self.echo(f"pre-flight: every server answered ({', '.join(hosts) or 'none'}); nothing changed yet")

    def _require_preconditions(self) -> None:
        done = self.record.done_steps()
        pending = [n for n, p in self.phase_of.items() if p == "preconditions" and n not in done]
        if pending:
            raise RunStopped(f"preconditions {', '.join(map(str, pending))} have not passed: run them first; nothing was changed")

    # -- one step ---------------------------------------------------------------------------
    def _step(self, n: int) -> None:
        step = self.plan.steps[n - 1]
        if n in self.record.done_steps():
            self.echo(f"{n}. already done, skipped: {step.text}")
            return
        if step.kind == "manual":
            self._manual(n, step)
            return
        unknown = {h for (m, h) in self.record.unfinished() if m == n}
        if unknown and step.destructive and n not in self.confirmed:
            self._stop(n, "unknown-outcome", f"step {n} ({step.command}) started on {', '.join(sorted(unknown))} but its end "
                       "was never recorded; check the server by hand, then resume with this step confirmed")
        done = {h for (m, h) in self.record.done_hosts() if m == n} | (unknown if n in self.confirmed else set())
        first_poll_at = time.monotonic() + self._delay(step)
        for host in step.hosts:
            if host in done:
                self.echo(f"{n}. already done on {host}, skipped")
                continue
            verdict, result = self._on_host(n, step, host, first_poll_at)
            if not verdict.ok:
                phase = self.phase_of[n]
                tail = "; nothing was changed" if phase == "preconditions" else ""
                self._stop(n, "failed", f"step {n} failed on {host}: {verdict.reason}{tail}\n{result.output.strip()[-2000:]}")
        self._done(n)

    def _done(self, n: int) -> None:
        self.record.append({"event": "step-done", "n": n})
        if self.after_step is not None:
            self.after_step(n)

    def _manual(self, n: int, step: Step) -> None:
        confirmed = n in self.confirmed or (self.ask is not None and self.ask(n, step))
        if not confirmed:
            self.record.append({"event": "run-stop", "n": n, "reason": "awaiting-confirmation", "text": step.text})
            self.record.unlock()
            raise AwaitingConfirmation(n, step)
        self.record.append({"event": "manual-confirmed", "n": n, "text": step.text, "destructive": step.destructive})
        self._done(n)
        self.echo(f"{n}. confirmed by the operator: {step.text}")

    def _on_host(self, n: int, step: Step, host: str, first_poll_at: float = 0.0) -> tuple[Verdict, Result]:
        transport = self.transports[host]
        base = {"n": n, "kind": step.kind, "host": host, "command": step.command, "destructive": step.destructive}
        self.record.append({"event": "step-start", **base})
        self.echo(f"{n}. {host}: {step.command}")
        try:
            if step.kind == "wait":
                verdict, result, polls = self._wait(step, transport, first_poll_at)
            else:
                result = self._run(step, transport)
                verdict = self._judge(step, result)
                polls = 1
        except HostKeyError as exc:
            # Never retried, never waited out: a wrong host key may be someone else's server.
            self.record.append({"event": "step-end", **base, "exit_code": None, "output": "", "ok": False, "reason": str(exc)})
            self._stop(n, "host-key", f"step {n} refused on {host}: {exc}")
        self.record.append({"event": "step-end", **base, "exit_code": result.exit_code, "output": result.output,
                            "ok": verdict.ok, "reason": verdict.reason, "polls": polls})
        return verdict, result

    def _run(self, step: Step, transport) -> Result:
        try:
            return transport.run(step.command, timeout=step.timeout if step.kind != "wait" else None)
        except HostKeyError:
            raise
        except TransportError as exc:
            return Result(255, f"[clpkit: {exc}]", unreachable=True)

    def _judge(self, step: Step, result: Result) -> Verdict:
        if result.unreachable:
            return Verdict(False, result.output)
        if step.expect is not None:
            return evaluate(step.expect, result.output, result.exit_code)
        if result.exit_code == -1 and _GOES_DOWN.match(step.command or ""):
            return Verdict(True, "the connection closed as the server went down")
        return Verdict(result.exit_code == 0, f"exit status {result.exit_code}")

    def _delay(self, step: Step) -> float:
        """Seconds from a wait step's start to its first poll: the step's ``delay``, paced like its polls
        when the caller sets ``poll_interval`` and capped by ``wait_limit`` (both rehearsal settings)."""
        if step.kind != "wait":
            return 0.0
        delay = step.delay
        if self.poll_interval is not None:
            delay = min(delay, self.poll_interval)
        if self.wait_limit is not None:
            delay = min(delay, self.wait_limit)
        return max(delay, 0.0)

    def _wait(self, step: Step, transport, first_poll_at: float = 0.0) -> tuple[Verdict, Result, int]:
        pause = first_poll_at - time.monotonic()
        if pause > 0:
            self.echo(f"   waiting {pause:.0f} s before the first poll (the step's delay)")
            time.sleep(pause)
        interval = self.poll_interval if self.poll_interval is not None else step.interval
        limit = min(step.timeout or 0, self.wait_limit) if self.wait_limit is not None else (step.timeout or 0)
        deadline = time.monotonic() + limit
        polls = 0
        while True:
            polls += 1
            result = self._run(step, transport)
            verdict = self._judge(step, result)
            if verdict.ok or time.monotonic() >= deadline:
                if not verdict.ok:
                    verdict = Verdict(False, f"{verdict.reason}, still after {limit:g} s ({polls} polls)")
                return verdict, result, polls
            time.sleep(interval)

    def _stop(self, n: int, reason: str, message: str) -> None:
        self.record.append({"event": "run-stop", "n": n, "reason": reason, "message": message})
        self.record.unlock()  # the run is over: a resume may take the directory
        raise RunStopped(message)

    def close(self) -> None:
        for transport in self.transports.values():
            transport.close()
        if self.record is not None:
            self.record.unlock()

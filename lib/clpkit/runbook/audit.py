"""A run's record: a directory with the plan, its parameters and an
append-only JSONL audit log.

Every line of ``audit.jsonl`` is one event with its UTC time: the run's
start, each step's start and end on each host (command, exit status,
output), manual confirmations, and why a run stopped. Lines are only ever
appended and flushed to disk one by one, so a crash leaves every earlier
event in place. A resumed run reads the log back to know what is done.

>>> import tempfile
>>> d = RunDir(tempfile.mkdtemp())
>>> d.append({"event": "step-end", "n": 1, "host": "sv1", "ok": True})
>>> d.done_hosts()
{(1, 'sv1')}
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from clpkit.problems import ClpkitError
from clpkit.runbook.plan import differences


def now() -> str:
    """The current UTC time, ISO 8601 with milliseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


LOCK_KEY_ENV = "CLPKIT_RUN_LOCK"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def _take(path: Path, key: str) -> tuple[int | None, dict[str, Any]]:
    """Try to ``flock`` ``path``: (fd, the previous holder's record) or (None, the current holder's record)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    # A few tries over 0.3 s: a child process forked by another thread holds a copy of a released
    # lock until it executes its program; a real holder keeps it for its whole run.
    for attempt in range(7):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if attempt < 6:
                time.sleep(0.05)
    else:
        holder = _holder(fd)
        os.close(fd)
        return None, holder
    previous = _holder(fd)
    record = {"pid": os.getpid(), "host": socket.gethostname(), "since": now(), "key": key}
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(record) + "\n").encode(), 0)
    return fd, previous


def _holder(fd: int) -> dict[str, Any]:
    text = os.pread(fd, 1000, 0).decode("utf-8", "replace").strip()
    if not text:
        return {}
    try:
        record = json.loads(text)
    except json.JSONDecodeError:
        return {"text": text}
    return record if isinstance(record, dict) else {"text": text}


def _release(fd: int) -> None:
    """Erase the holder's record, then drop the lock: a record found later means a holder that never released."""
    os.ftruncate(fd, 0)
    os.close(fd)


def describe_holder(holder: dict[str, Any]) -> str:
    if "pid" not in holder:
        return holder.get("text") or "a process that left no record"
    return f"pid {holder['pid']} on host {holder.get('host', '?')} since {holder.get('since', '?')}"


def _refusal(run_dir: Path, lock: Path, holder: dict[str, Any]) -> str:
    why = (f"{run_dir}: refused, another run is using this run directory ({describe_holder(holder)}); "
           "one run at a time per run directory: wait for it to end")
    pid = holder.get("pid")
    if isinstance(pid, int) and holder.get("host") == socket.gethostname() and not _alive(pid):
        why += (f". pid {pid} has ended, but a process it started still holds {lock}: "
                f"`fuser -v {lock}` names it; end that process, then resume")
    return why


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


class RunDir:
    """The directory of one run: ``plan.json``, ``params.json``, ``audit.jsonl``."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        # Command outputs can say more than a public log should: the record is private to its owner.
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.log = self.path / "audit.jsonl"
        self._lock_fd: int | None = None
        self._steps_fd: int | None = None
        self.replaced_holder: dict[str, Any] | None = None

    def lock(self, key: str = "", steps: bool = True) -> None:
        """Hold the run directory for this run: a second run on it is refused while this one lives.

        An advisory ``flock`` on ``run.lock``, held from the start of the run
        to its end, waits and manual confirmations included. The kernel drops
        it when its holder ends, however it ends, so a holder that is gone
        never blocks a resume (the resume records the holder it replaced).
        ``clpkit runbook run`` takes it for the whole command and hands its
        notebook's kernel the ``key`` (environment ``CLPKIT_RUN_LOCK``): the
        kernel then runs under its parent's lock. Whoever executes steps
        also holds ``steps.lock`` (``steps``), so a kernel that outlives its
        command still keeps every other run out."""
        if self._lock_fd is not None or self._steps_fd is not None:
            return
        key = key or os.environ.get(LOCK_KEY_ENV, "")
        fd, holder = _take(self.path / "run.lock", key)
        if fd is None and not (key and holder.get("key") == key):
            raise ClpkitError(_refusal(self.path, self.path / "run.lock", holder))
        steps_fd, steps_holder = _take(self.path / "steps.lock", "") if steps else (None, {})
        if steps and steps_fd is None:
            if fd is not None:
                _release(fd)
            raise ClpkitError(_refusal(self.path, self.path / "steps.lock", steps_holder))
        self._lock_fd, self._steps_fd = fd, steps_fd
        # A record left behind means its holder ended without releasing: a crash or a kill. The audit log says
        # so here, for every caller; the caller tells the operator (replaced_holder).
        self.replaced_holder = (holder if fd is not None else {}) or steps_holder or None
        if self.replaced_holder:
            self.append({"event": "lock-recovered", "holder": self.replaced_holder})

    def unlock(self) -> None:
        for name in ("_steps_fd", "_lock_fd"):
            fd = getattr(self, name, None)
            if fd is not None:
                _release(fd)
                setattr(self, name, None)

    def save_plan(self, plan_dict: dict[str, Any]) -> None:
        """Write the plan and its parameters; on resume, refuse a different plan and say what differs."""
        plan_file = self.path / "plan.json"
        if plan_file.exists():
            saved = json.loads(plan_file.read_text())
            diff = differences(saved, plan_dict)
            if diff:
                raise ClpkitError(f"{plan_file}: the plan has changed since this run started ({'; '.join(diff)}); "
                                  "resume only with the same runbook, parameters and clp.conf")
            return
        _write_private(plan_file, json.dumps(plan_dict, indent=2, ensure_ascii=False) + "\n")
        _write_private(self.path / "params.json", json.dumps(plan_dict["params"], indent=2, ensure_ascii=False) + "\n")

    def append(self, event: dict[str, Any]) -> None:
        """Add one event, stamped with the time, and force it to disk."""
        line = json.dumps({"time": now(), **event}, ensure_ascii=False)
        fd = os.open(self.log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def events(self) -> list[dict[str, Any]]:
        """Every event so far, oldest first."""
        if not self.log.exists():
            return []
        out = []
        for number, line in enumerate(self.log.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ClpkitError(f"{self.log}:{number}: not a JSON line ({exc.msg})") from None
        return out

    def done_hosts(self) -> set[tuple[int, str]]:
        """(step, host) pairs that ended successfully."""
        return {(e["n"], e["host"]) for e in self.events() if e.get("event") == "step-end" and e.get("ok")}

    def done_steps(self) -> set[int]:
        """Steps completed on every host (or confirmed, for manual steps)."""
        return {e["n"] for e in self.events() if e.get("event") == "step-done"}

    def unfinished(self) -> set[tuple[int, str]]:
        """(step, host) pairs that started but have no recorded end: their outcome is unknown."""
        started, ended = set(), set()
        for e in self.events():
            if e.get("event") == "step-start":
                started.add((e["n"], e["host"]))
            elif e.get("event") == "step-end":
                ended.add((e["n"], e["host"]))
        return started - ended

    def awaiting(self) -> int | None:
        """The manual step the last run stopped at, waiting for the operator, if any."""
        events = self.events()
        stops = [e for e in events if e.get("event") == "run-stop"]
        if stops and stops[-1].get("reason") == "awaiting-confirmation":
            return stops[-1]["n"]
        return None

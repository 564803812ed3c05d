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
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from clpkit.problems import ClpkitError
from clpkit.runbook.plan import differences


def now() -> str:
    """The current UTC time, ISO 8601 with milliseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


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

    def lock(self) -> None:
        """Hold the run directory for this process: a second run on it is refused while this one lives.

        An advisory ``flock`` on ``run.lock``: the kernel drops it when the
        process ends, however it ends, so a crash never leaves a stale lock."""
        if self._lock_fd is not None:
            return
        path = self.path / "run.lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        # A few tries over 0.3 s: a child process forked by another thread holds a copy of a released
        # lock until it executes its program; a real second run holds it for the whole run.
        for attempt in range(7):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if attempt < 6:
                    time.sleep(0.05)
        else:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
            os.close(fd)
            raise ClpkitError(f"{self.path}: another run is using this run directory ({holder}); "
                              "wait for it to end, one run at a time per run directory") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {now()}\n".encode(), 0)
        self._lock_fd = fd

    def unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

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

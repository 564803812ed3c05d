"""The plan a runbook returns: an ordered list of steps, each a plain record.

A procedure (``clpkit.runbook.procedures.<name>``) is a function of typed
parameters, and optionally a parsed clp.conf, that returns a :class:`Plan`.
The engine renders the plan, checks it, and executes it behind gates; the
procedures never run anything themselves.

Step kinds:

``command``  an exact command line run on each of ``hosts``;
``manual``   something the operator does and confirms (a disk, a WebUI page);
``check``    a command whose output must meet ``expect`` (stops the run if not);
``wait``     a command polled until its output meets ``expect`` or ``timeout`` passes,
             the first poll ``delay`` seconds after the step starts (a wait that
             follows a reboot must not see the servers before they went down).

A ``command`` step may also carry ``expect``: its success is then judged by
the condition instead of exit status 0 (``dd`` onto a whole partition ends
with "No space left on device" and status 1, which is what the guide expects).

``expect`` names a condition of :data:`CONDITIONS` with its arguments, so that
a plan stays data (JSON) and the engine owns how each condition is judged.

>>> s = Step("check", "Every server is online", hosts=("sv1",), command="clpstat",
...          expect=Expect("servers_online"))
>>> s.to_dict()["expect"]
{'name': 'servers_online', 'args': {}}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

StepKind = Literal["command", "manual", "check", "wait"]

#: Conditions a check or wait step may name, with the arguments each takes.
CONDITIONS: dict[str, str] = {
    "exit_zero": "the command exits with status 0",
    "servers_online": "clpstat shows every server (or args.servers) online",
    "servers_offline": "clpstat shows every server (or args.servers) offline, or the cluster stopped",
    "group_online": "clpstat shows args.group online (on args.server when given)",
    "group_offline": "clpstat shows args.group offline",
    "group_resources_online": "clpstat shows args.group online and every resource of it online",
    "mirror_status": "clpmdstat/clphdstat --mirror shows args.status (default Normal) for args.mirror",
    "output_contains": "the output contains args.text",
    "output_lacks": "the output does not contain args.text",
}


@dataclass(frozen=True)
class Expect:
    """A named condition on a command's output (see :data:`CONDITIONS`)."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.name not in CONDITIONS:
            raise ValueError(f"unknown condition {self.name!r}; known: {', '.join(CONDITIONS)}")


@dataclass(frozen=True)
class Step:
    """One step of a plan. ``hosts`` are server names; empty means the operator's console."""

    kind: StepKind
    text: str
    hosts: tuple[str, ...] = ()
    command: str | None = None
    destructive: bool = False
    expect: Expect | None = None
    timeout: float | None = None  # seconds, for wait steps
    interval: float = 10.0  # seconds between polls, for wait steps
    delay: float = 0.0  # seconds before the first poll, for wait steps
    guide: str | None = None  # where the guide says so, e.g. "L2560"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "hosts": list(self.hosts),
            "command": self.command,
            "text": self.text,
            "destructive": self.destructive,
            "expect": None if self.expect is None else {"name": self.expect.name, "args": dict(self.expect.args)},
            "timeout": self.timeout,
            "delay": self.delay,
            "guide": self.guide,
        }


@dataclass(frozen=True)
class Plan:
    """The ordered steps of one runbook for one cluster, with what it was made from."""

    runbook: str
    params: dict[str, Any]
    steps: tuple[Step, ...]
    cluster: str | None = None
    guide_section: str | None = None  # e.g. "L2496-3084"
    notes: tuple[str, ...] = ()  # deviations from the guide and assumptions, said plainly

    def to_dict(self) -> dict[str, Any]:
        return {
            "runbook": self.runbook,
            "cluster": self.cluster,
            "params": self.params,
            "guide_section": self.guide_section,
            "notes": list(self.notes),
            "steps": [{"n": i, **s.to_dict()} for i, s in enumerate(self.steps, start=1)],
        }

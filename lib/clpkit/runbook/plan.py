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

A command line is made only of plain words (:func:`unsafe_characters`):
letters, digits, ``_ @ % + = : , . / -`` and spaces, or text inside single
quotes (``shlex.quote``). The procedures check each value for its kind
(device path, address, name) before it reaches a command; this rule is the
net under them, so a value from a parameter or from clp.conf can never add
a command of its own (``mkfs -t ext4 /dev/sdb2;touch x`` cannot be a step).

>>> Step("command", "x", hosts=("sv1",), command="mkfs -t ext4 /dev/sdb2;touch /tmp/x")
Traceback (most recent call last):
...
clpkit.runbook.plan.UnsafeCommand: step 'x': the command 'mkfs -t ext4 /dev/sdb2;touch /tmp/x' has ';' outside quotes; a value with shell characters reached it

>>> s = Step("check", "Every server is online", hosts=("sv1",), command="clpstat",
...          expect=Expect("servers_online"))
>>> s.to_dict()["expect"]
{'name': 'servers_online', 'args': {}}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from clpkit.problems import ClpkitError
from clpkit.runbook import guide as _guide

StepKind = Literal["command", "manual", "check", "wait"]

#: Conditions a check or wait step may name, with the arguments each takes.
CONDITIONS: dict[str, str] = {
    "exit_zero": "the command exits with status 0",
    "servers_online": "clpstat shows every server (or args.servers) online",
    "servers_offline": "clpstat shows every server (or args.servers) offline, or the cluster stopped",
    "servers_exactly": "clpstat lists exactly args.servers, every one online: no server of the cluster is left out",
    "group_online": "clpstat shows args.group online (on args.server when given)",
    "group_offline": "clpstat shows args.group offline",
    "group_resources_online": "clpstat shows args.group online and every resource of it online",
    "mirror_status": "clpmdstat/clphdstat --mirror shows args.status (default Normal) for args.mirror",
    "output_contains": "the output contains args.text",
    "output_lacks": "the output does not contain args.text",
}


def guide_heading(ref: str | None) -> str | None:
    """The guide's section heading for a step's ``"L2560"`` (None without a line)."""
    m = re.match(r"^L(\d+)", ref or "")
    return _guide.heading(int(m[1])) if m else None


_PLAIN = re.compile(r"[A-Za-z0-9_@%+=:,./ -]")


class UnsafeCommand(ClpkitError):
    """A command line would hold shell syntax that no procedure writes: a value was not checked."""


def unsafe_characters(command: str) -> str:
    """The characters of ``command`` outside single quotes that are not plain words ('' when none).

    >>> unsafe_characters("mkfs -t ext4 /dev/sdb2"), unsafe_characters("echo 'a;b'"), unsafe_characters("a $(b)")
    ('', '', '$()')
    """
    bad, quoted = [], False
    for ch in command:
        if ch == "'":
            quoted = not quoted
        elif not quoted and not _PLAIN.match(ch) and ch not in bad:
            bad.append(ch)
    if quoted:
        bad.append("'")
    return "".join(bad)


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

    def __post_init__(self) -> None:
        if self.command is not None:
            bad = unsafe_characters(self.command)
            if bad:
                raise UnsafeCommand(f"step {self.text!r}: the command {self.command!r} has {bad!r} outside quotes; "
                                    "a value with shell characters reached it")

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
            "guide_section": guide_heading(self.guide),
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
    config_digest: str | None = None  # sha256 of the clp.conf the plan was made from
    #: Servers that cannot be reached when the run starts (the machine being replaced or added):
    #: the pre-flight check leaves them out; their host key is checked at their first step.
    hosts_later: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "runbook": self.runbook,
            "cluster": self.cluster,
            "params": self.params,
            "guide_section": self.guide_section,
            "notes": list(self.notes),
            "config_digest": self.config_digest,
            "hosts_later": list(self.hosts_later),
            "steps": [{"n": i, **s.to_dict()} for i, s in enumerate(self.steps, start=1)],
        }


#: What the confirmation token covers, per step: what will run, where, whether it is gated, how long a
#: wait may last and what the operator is told (a manual step is only its text, warnings included).
STEP_KEYS = ("kind", "hosts", "command", "destructive", "expect", "timeout", "delay", "text")


def approved_content(plan_dict: dict[str, Any]) -> dict[str, Any]:
    """The part of a plan (as :meth:`Plan.to_dict` gives it) the operator approves with the token."""
    return {
        "runbook": plan_dict.get("runbook"),
        "cluster": plan_dict.get("cluster"),
        "params": plan_dict.get("params"),
        "config_digest": plan_dict.get("config_digest"),
        "steps": [{k: s.get(k) for k in STEP_KEYS} for s in plan_dict.get("steps", [])],
    }


def differences(saved: dict[str, Any], now: dict[str, Any], limit: int = 12) -> list[str]:
    """What differs between a saved plan and the plan computed now, one line each (at most ``limit``).

    >>> a = Plan("x", {"ratio": 40}, (Step("command", "t", hosts=("sv1",), command="clptoratio -r 40"),)).to_dict()
    >>> b = Plan("x", {"ratio": 100}, (Step("command", "t", hosts=("sv1",), command="clptoratio -r 100"),)).to_dict()
    >>> differences(a, b)
    ['parameter ratio: saved 40, now 100', "step 1 command: saved 'clptoratio -r 40', now 'clptoratio -r 100'"]
    """
    a, b = approved_content(saved), approved_content(now)
    out: list[str] = []
    for key in ("runbook", "cluster"):
        if a[key] != b[key]:
            out.append(f"{key}: saved {a[key]!r}, now {b[key]!r}")
    pa, pb = a["params"] or {}, b["params"] or {}
    for key in sorted(set(pa) | set(pb)):
        if pa.get(key) != pb.get(key):
            out.append(f"parameter {key}: saved {pa.get(key, '(none)')}, now {pb.get(key, '(none)')}")
    if a["config_digest"] != b["config_digest"]:
        out.append(f"clp.conf: saved digest {a['config_digest'] or '(no clp.conf)'}, now {b['config_digest'] or '(no clp.conf)'}")
    sa, sb = a["steps"], b["steps"]
    if len(sa) != len(sb):
        out.append(f"number of steps: saved {len(sa)}, now {len(sb)}")
    for n, (x, y) in enumerate(zip(sa, sb), start=1):
        for key in STEP_KEYS:
            if x[key] != y[key]:
                out.append(f"step {n} {key}: saved {x[key]!r}, now {y[key]!r}")
    if len(out) > limit:
        out = [*out[:limit], f"... and {len(out) - limit} more differences"]
    return out

"""A plan for people and for programs: a numbered checklist, JSON, a table.

>>> from clpkit.runbook.plan import Plan, Step
>>> p = Plan("demo", {}, (Step("command", "Reboot", hosts=("sv1",), command="reboot", destructive=True),), cluster="c1")
>>> print(checklist(p))  # doctest: +ELLIPSIS
demo on cluster c1
Steps:
 1. [command] DESTRUCTIVE on sv1: reboot
      Reboot
...
"""

from __future__ import annotations

import json

from clpkit.runbook.engine import phases, token
from clpkit.runbook.guide import cite
from clpkit.runbook.plan import Plan


#: What the checklist says of a step with no guide line: a check clpkit adds before or after the guide's steps.
OWN_CHECK = "clpkit's own check, not a step of the guide"


def checklist(plan: Plan) -> str:
    """The plan as a numbered checklist, ending with its notes and the execute token."""
    head = f"{plan.runbook} on cluster {plan.cluster or '(no clp.conf)'}"
    if plan.guide_section:
        head += f"  (Maintenance Guide {plan.guide_section})"
    lines = [head.rstrip()]
    phase_of = phases(plan)
    current = None
    for n, step in enumerate(plan.steps, start=1):
        if phase_of[n] != current:
            current = phase_of[n]
            lines.append(f"{current.capitalize()}:")
        where = f" on {', '.join(step.hosts)}" if step.hosts else ""
        gate = " DESTRUCTIVE" if step.destructive else ""
        what = f": {step.command}" if step.command else ""
        lines.append(f"{n:2d}. [{step.kind}]{gate}{where}{what}")
        detail = step.text
        if step.expect is not None:
            detail += f"  (expect {step.expect.name}{_args(step.expect.args)}"
            detail += f", first poll after {step.delay:g} s" if step.delay else ""
            detail += f", up to {step.timeout:g} s)" if step.timeout else ")"
        if step.guide:
            detail += f"  [guide {cite(step.guide)}]"
        else:
            detail += f"  [{OWN_CHECK}]"
        lines.append(f"      {detail}")
    if plan.notes:
        lines.append("Notes:")
        lines.extend(f" - {note}" for note in plan.notes)
    lines.append(f"To execute, pass the confirmation token: {token(plan)}")
    return "\n".join(lines)


def _args(args: dict) -> str:
    return "" if not args else " " + ", ".join(f"{k}={v}" for k, v in args.items())


def to_json(plan: Plan) -> str:
    """The plan as JSON: ``{"runbook", "steps": [{"n", "kind", "hosts", "command", "text", "destructive", …}], …}``."""
    return json.dumps({**plan.to_dict(), "token": token(plan)}, indent=2, ensure_ascii=False)


def table(plan: Plan):
    """The plan as a polars frame, one row per step (for notebooks)."""
    import polars as pl

    phase_of = phases(plan)
    rows = [
        {
            "n": n,
            "phase": phase_of[n],
            "kind": s.kind,
            "hosts": ", ".join(s.hosts),
            "command": s.command,
            "text": s.text,
            "destructive": s.destructive,
            "expect": None if s.expect is None else s.expect.name + _args(s.expect.args),
            "guide": cite(s.guide),
        }
        for n, s in enumerate(plan.steps, start=1)
    ]
    schema = {"n": pl.Int64, "phase": pl.String, "kind": pl.String, "hosts": pl.String, "command": pl.String,
              "text": pl.String, "destructive": pl.Boolean, "expect": pl.String, "guide": pl.String}
    return pl.DataFrame(rows, schema=schema)

"""Write runbooks/NAME.py and runbooks/NAME.ipynb for a procedure module.

Usage: .venv/bin/python scripts/new-runbook-notebook.py NAME [NAME…]

The notebook's parameters cell is the procedure's ``Params`` (defaults and
the comment of each field) followed by the run settings every runbook
notebook shares; the rest is the fixed sequence of calls into
``clpkit.runbook.notebook``. The ``.ipynb`` is written stripped (no outputs).
Field comments must not contain "=" (papermill would not read the line).
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import sys
import typing
from pathlib import Path

import jupytext

from clpkit.runbook import procedures

ROOT = Path(__file__).resolve().parents[1]

RUN_SETTINGS = '''config: str = ""  # the cluster's clp.conf; empty: example names and defaults
mode: str = "plan"  # plan (touches nothing) | execute
confirm: str = ""  # the confirmation token the plan shows; execute refuses without it
hosts: str = ""  # where each server is, comma-separated NAME, equals sign, USER@HOST[:PORT] (see the README)
known_hosts: str = ""  # known_hosts file the host keys must be in (default ~/.ssh/known_hosts)
identity: str = ""  # SSH private key file (default: the SSH agent); never a password
run_dir: str = ""  # where the audit log goes; empty in plan mode: nothing is written
confirmed_steps: list = []  # manual steps the operator has done, e.g. [9, 10]
transport: str = "ssh"  # ssh | local (every server's commands on this machine)
poll_interval: float = 0.0  # seconds between polls of wait steps, also the most a wait waits before its first poll; 0: each step's own'''

BODY = '''
# %%
from clpkit.runbook.notebook import open_runbook

rb = open_runbook(
    "{name}",
    dict({kwargs}),
    config=config, mode=mode, confirm=confirm, hosts=hosts, known_hosts=known_hosts, identity=identity,
    run_dir=run_dir, confirmed_steps=confirmed_steps, transport=transport, poll_interval=poll_interval or None,
)

# %% [markdown]
# ## The plan
#
# Every step in order, with the hosts it runs on, the exact command, whether
# it is destructive, and the guide line it follows.

# %%
rb.show_plan()

# %% [markdown]
# ## Preconditions
#
# Checks that run before the first change; a failed check stops the run here.

# %%
rb.preconditions()

# %% [markdown]
# ## Steps
#
# The changes. Destructive steps run only in execute mode with the token;
# manual steps wait for the operator's confirmation.

# %%
rb.steps()

# %% [markdown]
# ## Verification

# %%
rb.verification()

# %%
assert mode == "plan" or rb.complete(), "the run did not reach its end: see the audit log"
rb.record()
'''


def parameter_lines(module) -> list[str]:
    source = inspect.getsource(module.Params)
    hints = typing.get_type_hints(module.Params)
    lines = []
    for field in dataclasses.fields(module.Params):
        comment = next((line.split("#", 1)[1].strip() for line in source.splitlines()
                        if line.strip().startswith(f"{field.name}:") and "#" in line), "")
        if "=" in comment:
            raise SystemExit(f"{module.__name__}.Params.{field.name}: the comment contains '=', which papermill cannot read")
        value = json.dumps(field.default) if isinstance(field.default, str) else repr(field.default)
        lines.append(f"{field.name}: {hints[field.name].__name__} = {value}  # {comment}")
    return lines


def write(name: str) -> None:
    module = procedures.get(name)
    intro = " ".join((module.__doc__ or "").strip().split("\n\n")[1].split()) if "\n\n" in (module.__doc__ or "") else ""
    header = f'''# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # {module.TITLE}
#
# Runbook `{name}`, Maintenance Guide {module.GUIDE}. {intro}
#
# With the default parameters this notebook only shows the plan: it contacts no
# server and changes nothing. To execute, review the plan, then run it with
# `mode="execute"`, the confirmation token shown below, and the servers'
# addresses (`clpkit runbook run {name} … --execute --confirm TOKEN`).

# %% tags=["parameters"]
'''
    kwargs = ", ".join(f"{f.name}={f.name}" for f in dataclasses.fields(module.Params))
    text = header + "\n".join(parameter_lines(module)) + "\n" + RUN_SETTINGS + "\n" + BODY.format(name=name, kwargs=kwargs)
    py = ROOT / "runbooks" / f"{name}.py"
    py.write_text(text)
    jupytext.write(jupytext.read(py), py.with_suffix(".ipynb"))
    print(f"wrote {py.relative_to(ROOT)} and {py.with_suffix('.ipynb').relative_to(ROOT)}")


if __name__ == "__main__":
    for arg in sys.argv[1:] or sys.exit(__doc__):
        write(arg)

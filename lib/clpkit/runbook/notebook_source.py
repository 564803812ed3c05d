"""The runbook notebooks' source, generated from each procedure's ``Params``.

A runbook's parameters are written once, in its procedure module; the
notebook ``runbooks/NAME.ipynb`` (and its jupytext twin ``NAME.py``) is
this module's output for it: a parameters cell with every field of
``Params`` (default, allowed values, meaning) and the run settings, then the
fixed calls into :mod:`clpkit.runbook.notebook`. ``scripts/new-runbook-notebook.py``
writes the files; a test fails when a committed notebook is not what this
module makes of its procedure.

>>> text = py_text("resize-mirror-partition")
>>> "suse: bool = False" in text and "suse=suse" in text
True
"""

from __future__ import annotations

import json

from clpkit.runbook import procedures
from clpkit.runbook.params import describe

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

HEADER = '''# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # {title}
#
# Runbook `{name}`, Maintenance Guide {guide}. {intro}
#
# With the default parameters this notebook only shows the plan: it contacts no
# server and changes nothing. To execute, review the plan, then run it with
# `mode="execute"`, the confirmation token shown below, and the servers'
# addresses (`clpkit runbook run {name} … --execute --confirm TOKEN`).
# This file is generated from the procedure's parameters
# (`scripts/new-runbook-notebook.py {name}`): edit the procedure, not this file.

# %% tags=["parameters"]
'''

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
# it is destructive, and the guide section and line it follows.

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


class NotebookSourceError(ValueError):
    """A procedure's parameters cannot be written as a papermill parameters cell."""


def parameter_lines(module) -> list[str]:
    """One ``name: type = default  # meaning`` line per field of the procedure's ``Params``."""
    lines = []
    for p in describe(module):
        meaning = p.meaning
        if p.choices and not meaning.startswith(" | ".join(p.choices)):
            meaning = f"{' | '.join(p.choices)}: {meaning}" if meaning else " | ".join(p.choices)
        if "=" in meaning:
            raise NotebookSourceError(f"{module.__name__}.Params.{p.name}: the comment contains '=', which papermill cannot read")
        value = json.dumps(p.default) if isinstance(p.default, str) else repr(p.default)
        lines.append(f"{p.name}: {p.kind} = {value}  # {meaning}")
    return lines


def py_text(name: str) -> str:
    """The jupytext (py:percent) source of runbook ``name``'s notebook."""
    module = procedures.get(name)
    doc = module.__doc__ or ""
    intro = " ".join(doc.strip().split("\n\n")[1].split()) if "\n\n" in doc else ""
    head = HEADER.format(title=module.TITLE, name=name, guide=module.GUIDE, intro=intro)
    kwargs = ", ".join(f"{p.name}={p.name}" for p in describe(module))
    return head + "\n".join(parameter_lines(module)) + "\n" + RUN_SETTINGS + "\n" + BODY.format(name=name, kwargs=kwargs)


def notebook(name: str):
    """The stripped ``.ipynb`` (an nbformat node) of runbook ``name``, with cell ids that do not change
    from one generation to the next."""
    import jupytext

    nb = jupytext.reads(py_text(name), fmt="py:percent")
    for i, cell in enumerate(nb.cells, start=1):
        cell.id = f"{name}-{i}"
    return nb


def ipynb_text(name: str) -> str:
    """The ``.ipynb`` file's exact text for runbook ``name``."""
    import jupytext

    return jupytext.writes(notebook(name), fmt="ipynb")

# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Delete the logs and alerts of every server
#
# Runbook `delete-logs`, Maintenance Guide L456-512. Every service is switched off so nothing writes while the directories are emptied, the cluster is shut down and rebooted, the log and alert-log directories are emptied, the services are switched on again in start order, and every server reboots into a clean cluster.
#
# With the default parameters this notebook only shows the plan: it contacts no
# server and changes nothing. To execute, review the plan, then run it with
# `mode="execute"`, the confirmation token shown below, and the servers'
# addresses (`clpkit runbook run delete-logs … --execute --confirm TOKEN`).
# This file is generated from the procedure's parameters
# (`scripts/new-runbook-notebook.py delete-logs`): edit the procedure, not this file.

# %% tags=["parameters"]
init: str = "systemd"  # systemd | initd
servers: str = ""  # every server of the cluster, sv1,sv2; empty: the servers of clp.conf
install_root: str = "/opt/nec/clusterpro"  # where CLUSTERPRO is installed
delete_on: str = ""  # the servers whose logs and alerts are deleted; empty: every server
config: str = ""  # the cluster's clp.conf; empty: example names and defaults
mode: str = "plan"  # plan (touches nothing) | execute
confirm: str = ""  # the confirmation token the plan shows; execute refuses without it
hosts: str = ""  # where each server is, comma-separated NAME, equals sign, USER@HOST[:PORT] (see the README)
known_hosts: str = ""  # known_hosts file the host keys must be in (default ~/.ssh/known_hosts)
identity: str = ""  # SSH private key file (default: the SSH agent); never a password
run_dir: str = ""  # where the audit log goes; empty in plan mode: nothing is written
confirmed_steps: list = []  # manual steps the operator has done, e.g. [9, 10]
transport: str = "ssh"  # ssh | local (every server's commands on this machine)
poll_interval: float = 0.0  # seconds between polls of wait steps, also the most a wait waits before its first poll; 0: each step's own

# %%
from clpkit.runbook.notebook import open_runbook

rb = open_runbook(
    "delete-logs",
    dict(init=init, servers=servers, install_root=install_root, delete_on=delete_on),
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

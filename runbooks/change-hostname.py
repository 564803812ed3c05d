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
# # Change a server's host name
#
# Runbook `change-hostname`, Maintenance Guide L5894-5954. The configuration is backed up with ``clpcfctrl --pull`` and edited in Cluster WebUI, the CLUSTERPRO daemon is kept from starting, the cluster shuts down with a reboot, the host name changes (``hostnamectl`` on systemd), the other servers check the new name with ping, the edited configuration is pushed with ``clpcfctrl --push``, the daemon is enabled again and every server reboots.
#
# With the default parameters this notebook only shows the plan: it contacts no
# server and changes nothing. To execute, review the plan, then run it with
# `mode="execute"`, the confirmation token shown below, and the servers'
# addresses (`clpkit runbook run change-hostname … --execute --confirm TOKEN`).
# This file is generated from the procedure's parameters
# (`scripts/new-runbook-notebook.py change-hostname`): edit the procedure, not this file.

# %% tags=["parameters"]
server: str = ""  # the server's current host name; empty: the cluster's only one (example sv2)
new_name: str = ""  # its new host name; required with a clp.conf (example sv2-new)
init: str = "systemd"  # systemd | initd: systemd or initd
servers: str = ""  # sv1,sv2; empty: the servers of clp.conf (example sv1,sv2 without one)
console: str = ""  # where clpcfctrl and clpstdn run; empty: the first other server
backup_dir: str = "/var/tmp/clpkit/clpconf-backup"  # on the console server; survives the reboots
edited_dir: str = "/var/tmp/clpkit/clpconf-new"  # where the edited configuration is put
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
    "change-hostname",
    dict(server=server, new_name=new_name, init=init, servers=servers, console=console, backup_dir=backup_dir, edited_dir=edited_dir),
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

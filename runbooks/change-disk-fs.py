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
# # Change the file system of a disk resource
#
# Runbook `change-disk-fs`, Maintenance Guide L4093-4149. With the cluster stopped, ``clproset -w`` makes the disk resource's partition writable, ``mkfs`` creates the new file system, ``clproset -o`` makes the partition read-only again; then the resource's file-system setting changes in Cluster WebUI and the cluster starts again. With a clp.conf, the partition is the resource's ``device`` setting.
#
# With the default parameters this notebook only shows the plan: it contacts no
# server and changes nothing. To execute, review the plan, then run it with
# `mode="execute"`, the confirmation token shown below, and the servers'
# addresses (`clpkit runbook run change-disk-fs … --execute --confirm TOKEN`).

# %% tags=["parameters"]
device: str = ""  # the disk resource's partition; empty: clp.conf's (example /dev/sdb5)
fs: str = "ext4"  # the new file system, as mkfs -t takes it
resource: str = ""  # the disk resource whose file system changes; empty: the cluster's only one (example disk1)
servers: str = ""  # sv1,sv2; empty: the servers of clp.conf (example sv1,sv2 without one)
server: str = ""  # where clproset and mkfs run; empty: the first server
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
    "change-disk-fs",
    dict(device=device, fs=fs, resource=resource, servers=servers, server=server),
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

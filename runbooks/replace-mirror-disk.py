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
# # Replace a mirror or hybrid disk (one server, RAID, or both servers)
#
# Runbook `replace-mirror-disk`, Maintenance Guide L2496-3084. Three layouts: one plain disk on one server (L2496-2699), a RAID disk on one server (L2700-2958), or the disks of both servers, which loses the mirrored data (L2959-3084). On one server the copy from the other side runs either while the application keeps running there (``copy=online``, the guide's (A)) or with the group stopped until the copy ends (``copy=offline``, (B)). What the cluster does by itself depends on two settings of the mirror resource in clp.conf: ``fullcopy`` (initial mirror construction) and ``mkfs`` (initial mkfs); the plan adds the manual commands the guide asks for when they are off.
#
# With the default parameters this notebook only shows the plan: it contacts no
# server and changes nothing. To execute, review the plan, then run it with
# `mode="execute"`, the confirmation token shown below, and the servers'
# addresses (`clpkit runbook run replace-mirror-disk … --execute --confirm TOKEN`).
# This file is generated from the procedure's parameters
# (`scripts/new-runbook-notebook.py replace-mirror-disk`): edit the procedure, not this file.

# %% tags=["parameters"]
disk: str = "mirror"  # mirror | hybrid
layout: str = "single"  # single | raid | both: single (one plain disk) | raid | both (the disks of both servers)
copy: str = "online"  # online | offline: online: copy while the group runs on the source (A); offline: group stopped (B)
init: str = "systemd"  # systemd | initd
resource: str = ""  # mirror (md) or hybrid (hd) disk resource; empty: the cluster's only one (example md1)
group: str = ""  # the group holding the resource; empty: from clp.conf, else failover1
server: str = ""  # the server whose disk is replaced; empty: the only one that fits (example sv2)
source: str = ""  # the server the data is copied from; empty: the other server of the resource (example sv1)
raid_method: str = "mkinit"  # mkinit | dd: raid: mkinit (clpmdinit --create force) | dd (dd + --create quick)
reuse: bool = False  # the new disk was a mirror/hybrid disk before: clear its cluster partition
cppath: str = ""  # cluster partition device; empty: from clp.conf (diskdev/cppath)
dppath: str = ""  # data partition device; empty: from clp.conf (diskdev/dppath)
fs: str = ""  # filesystem for a manual mkfs (layout both, mkfs off); empty: from clp.conf, else ext4
shared_with: str = ""  # hybrid: the other servers on the same shared disk as server; empty: from clp.conf's server groups
bundle: str = ""  # a log collection: estimate the full-copy time from its mirror statistics; hybrid with no source: the copy source is the server its saved clpstat output shows the group online on
data_size: str = ""  # data partition size for the estimate, e.g. 500G
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
    "replace-mirror-disk",
    dict(disk=disk, layout=layout, copy=copy, init=init, resource=resource, group=group, server=server, source=source, raid_method=raid_method, reuse=reuse, cppath=cppath, dppath=dppath, fs=fs, shared_with=shared_with, bundle=bundle, data_size=data_size),
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

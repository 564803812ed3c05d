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
# # Replace a failed server (shared, mirror or hybrid disk)
#
# Runbook `replace-server`, Maintenance Guide L3085-4068. ``variant`` picks the section of the guide:
#
# With the default parameters this notebook only shows the plan: it contacts no
# server and changes nothing. To execute, review the plan, then run it with
# `mode="execute"`, the confirmation token shown below, and the servers'
# addresses (`clpkit runbook run replace-server … --execute --confirm TOKEN`).
# This file is generated from the procedure's parameters
# (`scripts/new-runbook-notebook.py replace-server`): edit the procedure, not this file.

# %% tags=["parameters"]
variant: str = "mirror-new-disk"  # shared-disk | mirror-new-disk | mirror-reuse-disk | hybrid-new-disk | hybrid-shared-disk | hybrid-reuse-disk | hybrid-shared-server: what is replaced: a shared-disk server; a mirror server with a new disk, or its disk moved over (reuse); a hybrid server with its non-shared disk, with the shared disk, or its disk moved over; a server on the hybrid shared disk
server: str = ""  # the server being replaced; empty: the cluster's only candidate (example sv2)
servers: str = ""  # sv1,sv2; empty: the servers of clp.conf (example sv1,sv2 without one)
resource: str = ""  # the mirror (md) or hybrid (hd) disk resource; empty: every one of the server (example md1/hd1)
partner: str = ""  # hybrid-shared-disk: the server sharing the disk with the replaced one
disk_used_before: bool = False  # mirror-new-disk: the new disk once served as a mirror disk
cluster_partition: str = ""  # its cluster partition (diskdev/cppath), when no clp.conf is given
init: str = "systemd"  # systemd | initd: hybrid-shared-disk: systemd or initd on the partner
suse: bool = False  # the partner runs SUSE (chkconfig --del takes --force)
source: str = ""  # hybrid: the server the full copy comes from, the current server of the other server group (active, with the latest data); empty: from the bundle's clpstat output, else the other server group's only server; with several the plan refuses until you name it
bundle: str = ""  # hybrid: a log collection whose saved clpstat output shows where the group of the resource is active (taken as the copy source)
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
    "replace-server",
    dict(variant=variant, server=server, servers=servers, resource=resource, partner=partner, disk_used_before=disk_used_before, cluster_partition=cluster_partition, init=init, suse=suse, source=source, bundle=bundle),
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

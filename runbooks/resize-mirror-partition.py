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
# # Change the offset or size of a mirror or hybrid disk's partitions
#
# Runbook `resize-mirror-partition`, Maintenance Guide L4150-5672. Four sections of the guide, picked by ``disk`` and ``rename``:
#
# With the default parameters this notebook only shows the plan: it contacts no
# server and changes nothing. To execute, review the plan, then run it with
# `mode="execute"`, the confirmation token shown below, and the servers'
# addresses (`clpkit runbook run resize-mirror-partition … --execute --confirm TOKEN`).

# %% tags=["parameters"]
disk: str = "mirror"  # mirror or hybrid
rename: str = "no"  # yes when the partitions' device names change
init: str = "systemd"  # systemd or initd
suse: bool = False  # SUSE: chkconfig --del takes --force
resource: str = ""  # the mirror (md) or hybrid (hd) disk resource; empty: the cluster's only one (example md1/hd1)
servers: str = ""  # sv1,sv2; empty: the servers of clp.conf (example sv1,sv2 without one)
disk_hosts: str = ""  # hybrid: one server per server group (they share the disk); empty: every server
group: str = ""  # the group holding the resource (clp.conf knows it)
fs: str = ""  # the data partition's file system (clp.conf knows it)
data_partition: str = ""  # the data partition after the change (clp.conf knows it unless renamed)
initial_mkfs: str = "config"  # mirror: whether clpmdinit also runs mkfs: config, on or off
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
    "resize-mirror-partition",
    dict(disk=disk, rename=rename, init=init, suse=suse, resource=resource, servers=servers, disk_hosts=disk_hosts, group=group, fs=fs, data_partition=data_partition, initial_mkfs=initial_mkfs),
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

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
# # Add a resource to a group without stopping it
#
# Runbook `add-resource-online`, Maintenance Guide L5955-6042. Dynamic resource addition works for five resource types only (exec, disk, fip, vip, volmgr; CLUSTERPRO 4.0.0-1 and later) and only while every resource of the group is online: one activation or deactivation failure in the group turns the feature off and the group must be stopped instead. The resource is added in Cluster WebUI's Config mode and saved; the cluster is suspended, the saved configuration is pushed with ``clpcfctrl --dpush`` (``-l`` when the configuration was saved on Linux, ``-w`` on Windows), the cluster resumes and clpstat shows the new resource.
#
# With the default parameters this notebook only shows the plan: it contacts no
# server and changes nothing. To execute, review the plan, then run it with
# `mode="execute"`, the confirmation token shown below, and the servers'
# addresses (`clpkit runbook run add-resource-online … --execute --confirm TOKEN`).

# %% tags=["parameters"]
group: str = ""  # the group that gets the resource; empty: the cluster's only group (example failover1)
type: str = "exec"  # the new resource's type: exec, disk, fip, vip or volmgr
name: str = ""  # the new resource's name; empty: the type and the first free number (example exec2)
xml: str = "/var/tmp/clpkit/clpconf-new"  # directory on the console server holding the saved clp.conf
os: str = "linux"  # where Cluster WebUI saved the configuration: linux or windows
servers: str = ""  # sv1,sv2; empty: the servers of clp.conf (example sv1,sv2 without one)
console: str = ""  # where clpcl and clpcfctrl run; empty: the first server
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
    "add-resource-online",
    dict(group=group, type=type, name=name, xml=xml, os=os, servers=servers, console=console),
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

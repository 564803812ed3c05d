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
# # Change a server's interconnect or mirror-connect IP address, or its subnet mask
#
# Runbook `change-ip`, Maintenance Guide L5806-5893. ``change=address`` follows L5812-5854 (a new interconnect or mirror disk connect address); ``change=netmask`` follows L5855-5893 (the interconnect's subnet mask only, ``new_ip`` given with its prefix). Both back the configuration up with ``clpcfctrl --pull``, edit it in Cluster WebUI, keep the CLUSTERPRO daemon from starting, shut the cluster down with a reboot, change the address, check it with ping, push the edited configuration with ``clpcfctrl --push``, let the daemon start again and reboot.
#
# With the default parameters this notebook only shows the plan: it contacts no
# server and changes nothing. To execute, review the plan, then run it with
# `mode="execute"`, the confirmation token shown below, and the servers'
# addresses (`clpkit runbook run change-ip … --execute --confirm TOKEN`).
# This file is generated from the procedure's parameters
# (`scripts/new-runbook-notebook.py change-ip`): edit the procedure, not this file.

# %% tags=["parameters"]
server: str = ""  # the server whose address changes; empty: the cluster's only candidate (example sv2)
new_ip: str = ""  # the new address (required with a clp.conf; example 192.168.10.12); for a netmask change, address/prefix
device: str = ""  # the device id in clp.conf whose address changes; empty: the server's only address
subnet_check: bool = True  # refuse a new address outside the subnet of the other servers' same device
change: str = "address"  # address | netmask: address (interconnect or mirror connect) or netmask (subnet mask only)
init: str = "systemd"  # systemd | initd: systemd or initd
servers: str = ""  # sv1,sv2; empty: the servers of clp.conf (example sv1,sv2 without one)
console: str = ""  # where clpcfctrl and clpstdn run; empty: the first server not being changed
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
    "change-ip",
    dict(server=server, new_ip=new_ip, device=device, subnet_check=subnet_check, change=change, init=init, servers=servers, console=console, backup_dir=backup_dir, edited_dir=edited_dir),
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

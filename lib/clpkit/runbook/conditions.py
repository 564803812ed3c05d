"""How the engine judges a check or wait step's output (the conditions of
:data:`clpkit.runbook.plan.CONDITIONS`).

The command outputs are those of SPEC §3.8: ``clpstat``'s boxed report and
``clpmdstat --mirror``/``clphdstat --mirror``, read by the parsers of
:mod:`clpkit.formats.clpstat` and :mod:`clpkit.formats.clpmdstat` through
:func:`server_states`, :func:`group_states` and :func:`mirror_status`.

>>> text = '''
...  ========================  CLUSTER STATUS  ===========================
...   Cluster : cluster1
...   <server>
...    *sv1 ............: Online           sv1
...       lanhb1        : Normal           LAN Heartbeat
...     sv2 ............: Offline          sv2
...   <group>
...     failover1 ......: Online
...       current       : sv1
...       md1           : Online           /dev/NMP1
...   <monitor>
...     mdw1            : Normal
...  =====================================================================
... '''
>>> server_states(text)
{'sv1': 'Online', 'sv2': 'Offline'}
>>> group_states(text)
{'failover1': ('Online', 'sv1')}
>>> group_resources(text, "failover1")
{'md1': 'Online'}
>>> evaluate(Expect("servers_online"), text, 0)
Verdict(ok=False, reason='not online: sv2 (Offline)')
>>> evaluate(Expect("servers_offline"), "ssh: connect to host sv2 port 22: No route to host", 255).ok
False
>>> evaluate(Expect("mirror_status", {"mirror": "md1"}), "  Mirror Status: Normal\\n", 0)
Verdict(ok=True, reason='md1 is Normal')
"""

from __future__ import annotations

from typing import NamedTuple

import polars as pl

from clpkit.formats import clpmdstat, clpstat
from clpkit.problems import ParseError
from clpkit.runbook.plan import Expect


#: Exit statuses that are not clpstat's answer: ssh's own failure (255), a killed or timed-out command
#: (-1, 124), a command that could not run (126, 127).
NOT_AN_ANSWER = frozenset({-1, 124, 126, 127, 255})


class Verdict(NamedTuple):
    ok: bool
    reason: str


def _clpstat(text: str) -> pl.DataFrame:
    frame = clpstat.parse_text(text)
    return frame.filter(pl.col("raw").is_null() & pl.col("parent").is_null())


def server_states(text: str) -> dict[str, str]:
    """Server name → status from a ``clpstat`` report."""
    rows = _clpstat(text).filter(pl.col("section") == "server")
    return dict(zip(rows["name"].to_list(), rows["status"].to_list()))


def group_states(text: str) -> dict[str, tuple[str, str | None]]:
    """Group name → (status, current server) from a ``clpstat`` report."""
    frame = clpstat.parse_text(text)
    rows = _clpstat(text).filter(pl.col("section") == "group")
    return {name: (status, clpstat.group_server(frame, name)) for name, status in zip(rows["name"], rows["status"])}


def group_resources(text: str, group: str) -> dict[str, str]:
    """Resource name → status of one group's resources in a ``clpstat`` report (its ``current`` line left out)."""
    frame = clpstat.parse_text(text)
    rows = frame.filter(
        pl.col("raw").is_null() & (pl.col("section") == "resource") & (pl.col("parent") == group)
        & (pl.col("name") != "current")
    )
    return dict(zip(rows["name"].to_list(), rows["status"].to_list()))


def mirror_status(text: str) -> str | None:
    """The ``Mirror Status`` of a ``clpmdstat``/``clphdstat --mirror`` output, None when it has none."""
    try:
        return clpmdstat.mirror_status(text)
    except ParseError:
        return None


def evaluate(expect: Expect, output: str, exit_code: int) -> Verdict:
    """Whether ``output`` (with ``exit_code``) meets ``expect``, and why."""
    args = expect.args
    name = expect.name
    if name == "exit_zero":
        return Verdict(exit_code == 0, f"exit status {exit_code}")
    if name == "output_contains":
        found = args["text"] in output
        return Verdict(found, f"{args['text']!r} {'found' if found else 'not found'} in the output")
    if name == "output_lacks":
        found = args["text"] in output
        return Verdict(not found, f"{args['text']!r} {'found' if found else 'not found'} in the output")
    if name == "servers_offline":
        if exit_code in NOT_AN_ANSWER:
            # ssh's 255, a timeout, a missing command: nobody answered, so nothing is known to be offline.
            return Verdict(False, f"exit status {exit_code}: no answer from the server, so its state is unknown")
        if exit_code != 0:
            return Verdict(True, f"clpstat exits {exit_code}: the cluster is not running here")
        return _servers(output, args, want="Offline")
    if exit_code != 0:
        return Verdict(False, f"exit status {exit_code}")
    if name == "servers_online":
        return _servers(output, args, want="Online")
    if name == "servers_exactly":
        listed = set(server_states(output))
        missing, extra = sorted(set(args["servers"]) - listed), sorted(listed - set(args["servers"]))
        if extra or missing:
            return Verdict(False, "the cluster's servers are not the plan's: "
                           + "; ".join(x for x in (extra and f"also in the cluster: {', '.join(extra)}",
                                                   missing and f"not in the cluster: {', '.join(missing)}") if x))
        return _servers(output, args, want="Online")
    if name == "group_resources_online":
        return _group_resources(output, args["group"])
    if name in ("group_online", "group_offline"):
        return _group(output, args, want="Online" if name == "group_online" else "Offline")
    if name == "mirror_status":
        want = args.get("status", "Normal")
        got = mirror_status(output)
        label = args.get("mirror", "the mirror")
        if got is None:
            return Verdict(False, f"no 'Mirror Status' line for {label}")
        return Verdict(got.lower() == want.lower(), f"{label} is {got}")
    raise ValueError(f"no evaluation for condition {name!r}")


def _servers(output: str, args: dict, want: str) -> Verdict:
    states = server_states(output)
    if not states:
        return Verdict(False, "no <server> section in the clpstat output")
    names = list(args.get("servers") or states)
    bad = [f"{n} ({states.get(n, 'missing')})" for n in names if states.get(n) != want]
    if bad:
        return Verdict(False, f"not {want.lower()}: {', '.join(bad)}")
    return Verdict(True, f"{want.lower()}: {', '.join(names)}")


def _group_resources(output: str, group: str) -> Verdict:
    groups = group_states(output)
    if group not in groups:
        return Verdict(False, f"group {group} not in the clpstat output")
    if groups[group][0] != "Online":
        return Verdict(False, f"group {group} is {groups[group][0]}")
    resources = group_resources(output, group)
    if not resources:
        return Verdict(False, f"clpstat lists no resource under group {group}")
    bad = [f"{n} ({s})" for n, s in resources.items() if s != "Online"]
    if bad:
        return Verdict(False, f"resources of {group} not online: {', '.join(bad)}")
    return Verdict(True, f"every resource of {group} is online: {', '.join(resources)}")


def _group(output: str, args: dict, want: str) -> Verdict:
    groups = group_states(output)
    group = args["group"]
    if group not in groups:
        return Verdict(False, f"group {group} not in the clpstat output")
    status, current = groups[group]
    if status != want:
        return Verdict(False, f"group {group} is {status}")
    server = args.get("server")
    if want == "Online" and server and current != server:
        return Verdict(False, f"group {group} is online on {current}, not {server}")
    return Verdict(True, f"group {group} is {status}" + (f" on {current}" if current else ""))

"""``clpkit config FILE``: what a clp.conf configures, as a summary or JSON."""

from __future__ import annotations

import json
from pathlib import Path

import click

from clpkit import config as clpconfig
from clpkit.cli._group import main


@main.command("config")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the whole model as one JSON object.")
def config_command(file: Path, as_json: bool) -> None:
    """Show the servers, heartbeats, groups, resources and monitors of a clp.conf FILE."""
    cfg = clpconfig.load(file)
    if as_json:
        click.echo(json.dumps(cfg.to_dict(), indent=2, ensure_ascii=False))
        return
    click.echo(summary(cfg))


def summary(cfg: clpconfig.ClusterConfig) -> str:
    """A short human-readable overview of the configuration."""
    os_name, os_reason = cfg.os_evidence()
    lines = [f"Cluster {cfg.name or '(unnamed)'}  ({cfg.source}, encoding {cfg.encoding or 'UTF-8'})"]
    lines.append(f"  OS: {os_name or 'unknown'} ({os_reason})")
    if cfg.replaced_chars:
        lines.append(f"  warning: {cfg.replaced_chars} undecodable characters replaced")
    hb = cfg.heartbeat_settings
    if any(v is not None for v in hb.values()):
        lines.append("  heartbeat: " + ", ".join(f"{k} {v}" for k, v in hb.items() if v is not None) + " (ms as written)")
    halt = cfg.shutdown_monitor
    if halt:
        lines.append("  shutdown monitor: " + ", ".join(f"{k} {v}" for k, v in halt.items()))
    lines.append("Servers:")
    for s in cfg.servers:
        addrs = ", ".join(f"{a.address} ({a.role}, device {a.device})" for a in s.addresses) or "-"
        lines.append(f"  {s.name:<16} priority {s.priority}  {addrs}")
    for g in cfg.server_groups:
        lines.append(f"  server group {g.name}: {', '.join(g.servers)}")
    lines.append("Heartbeats:")
    for h in cfg.heartbeats:
        lines.append(f"  {h.name:<16} {h.type:<10} priority {h.priority}  device {h.device}")
    lines.append("Network partition resolution:")
    for h in cfg.network_partitions:
        lines.append(f"  {h.name:<16} {h.type:<10} priority {h.priority}  device {h.device}")
    if not cfg.network_partitions:
        lines.append("  -")
    lines.append("Groups:")
    for g in cfg.groups:
        res = ", ".join(f"{t}:{n}" for t, n in g.resources) or "-"
        lines.append(f"  {g.name:<16} servers {', '.join(g.servers)}  start {g.start}  resources {res}")
    deps = [(r, r.depends) for r in cfg.resources if r.depends]
    if deps:
        lines.append("Dependencies:")
        for r, on in deps:
            lines.append(f"  {r.name:<16} starts after {', '.join(on)}")
    lines.append("Monitors:")
    for m in cfg.monitors:
        watches = "  " + ", ".join(f"{k} {v if not isinstance(v, list) else ' '.join(v)}" for k, v in m.watches.items()) if m.watches else ""
        lines.append(
            f"  {m.name:<16} {m.type:<8} interval {m.interval if m.interval is not None else 'default'}"
            f"  timeout {m.timeout if m.timeout is not None else 'default'}  target {m.target or '-'}{watches}"
        )
    mirrors = cfg.mirrors()
    if mirrors:
        lines.append("Mirrors:")
        for name in mirrors:
            m = cfg.mirror(name)
            lines.append(
                f"  {name:<16} {m['nmppath'] or '-'}  {m['syncmode_name'] or '-'}  ack timeout {m['acktimeout'] if m['acktimeout'] is not None else '-'} s"
                f"  mount {m['mount_point'] or '-'} ({m['fs'] or '-'})"
            )
    clients = cfg.webui_clients
    if clients["restricted"] or clients["operate"] or clients["view_only"]:
        lines.append(f"WebUI clients: restricted {clients['restricted']}  operate {', '.join(clients['operate']) or '-'}"
                     f"  view only {', '.join(clients['view_only']) or '-'}")
    lines.append("Final actions:" + ("  (Windows cluster: codes shown undecoded)" if cfg.is_windows else ""))
    for a in cfg.final_actions():
        who = f"{a['scope']} {a['name']}" if a["name"] else a["scope"]
        default = " (default)" if a["default"] else ""
        lines.append(f"  {who:<24} {a['setting']:<18} {a['action']}{default}")
    other = cfg.other()
    if other:
        tops = sorted({p.split("/")[2] for p in other})
        lines.append(f"Other settings (shown raw by --json; meaning not modelled): {len(other)} values under {', '.join(tops)}")
    return "\n".join(lines)

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
    lines = [f"Cluster {cfg.name or '(unnamed)'}  ({cfg.source}, encoding {cfg.encoding or 'UTF-8'})"]
    if cfg.replaced_chars:
        lines.append(f"  warning: {cfg.replaced_chars} undecodable characters replaced")
    lines.append("Servers:")
    for s in cfg.servers:
        addrs = ", ".join(f"{a.address} ({a.role})" for a in s.addresses) or "-"
        lines.append(f"  {s.name:<16} priority {s.priority}  {addrs}")
    lines.append("Heartbeats:")
    for h in cfg.heartbeats + cfg.network_partitions:
        lines.append(f"  {h.name:<16} {h.type:<10} priority {h.priority}  device {h.device}")
    lines.append("Groups:")
    for g in cfg.groups:
        res = ", ".join(f"{t}:{n}" for t, n in g.resources) or "-"
        lines.append(f"  {g.name:<16} servers {', '.join(g.servers)}  resources {res}")
    lines.append("Monitors:")
    for m in cfg.monitors:
        lines.append(
            f"  {m.name:<16} {m.type:<8} interval {m.interval if m.interval is not None else 'default'}"
            f"  timeout {m.timeout if m.timeout is not None else 'default'}  target {m.target or '-'}"
        )
    mirrors = cfg.mirrors()
    if mirrors:
        lines.append("Mirrors:")
        for name in mirrors:
            m = cfg.mirror(name)
            lines.append(
                f"  {name:<16} {m['nmppath'] or '-'}  {m['syncmode_name']}  ack timeout {m['acktimeout']} s"
                f"  mount {m['mount_point'] or '-'} ({m['fs'] or '-'})"
            )
    lines.append("Final actions:")
    for a in cfg.final_actions():
        who = f"{a['scope']} {a['name']}" if a["name"] else a["scope"]
        default = " (default)" if a["default"] else ""
        lines.append(f"  {who:<24} {a['setting']:<18} {a['action']}{default}")
    return "\n".join(lines)

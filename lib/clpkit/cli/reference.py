"""``clpkit ports``, ``clpkit check-host``, ``clpkit stats-budget``: the guide's reference data as tools."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from clpkit import config as clpconfig
from clpkit.cli._group import main
from clpkit.reference import budget as budget_ref
from clpkit.reference import hostcheck
from clpkit.reference import ports as ports_ref


@main.command("ports")
@click.argument("config_file", metavar="CONFIG", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "firewalld", "nftables", "iptables", "json"]),
    default="table",
    show_default=True,
    help="A table, ready firewall commands per server, or JSON (the same as --json).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON, like every other command's --json.")
@click.option("--log-udp-port", type=int, help="Add the internal log port (the cluster's log method is UDP).")
def ports_command(config_file: Path, fmt: str, as_json: bool, log_udp_port: int | None) -> None:
    """Every port the cluster configured in CONFIG (a clp.conf) needs, per server pair and direction."""
    if as_json and fmt not in ("table", "json"):
        raise click.UsageError(f"--json and --format {fmt} ask for two outputs; choose one")
    fmt = "json" if as_json else fmt
    cfg = clpconfig.load(config_file)
    flows = ports_ref.ports(cfg, log_udp_port=log_udp_port)
    if fmt == "table":
        click.echo(ports_ref.render_table(flows))
    elif fmt == "json":
        click.echo(json.dumps(ports_ref.to_frame(flows).to_dicts(), indent=2, ensure_ascii=False))
    else:
        click.echo(ports_ref.render_firewall(flows, [s.name for s in cfg.servers], fmt), nl=False)


@main.command("check-host")
@click.option("--root", type=click.Path(path_type=Path, file_okay=False), default="/", show_default=True,
              help="Filesystem root to inspect (a collected server tree works too).")
@click.option("--config", "config_file", type=click.Path(path_type=Path),
              help="clp.conf whose ports to check (default: the guide's fixed server ports).")
@click.option("--services", type=click.Choice(["enabled", "disabled"]), default="enabled", show_default=True,
              help="State the six CLUSTERPRO services should be in.")
def check_host_command(root: Path, config_file: Path | None, services: str) -> None:
    """Driver numbers, ports and services of this server: one PASS/FAIL/CANNOT CHECK line each.

    Exit 1 on any FAIL, else 3 when something could not be checked (a collected tree has no /proc), else 0.
    """
    cfg = clpconfig.load(config_file) if config_file else None
    checks = hostcheck.check_host(root, cfg, services=services)
    for check in checks:
        click.echo(check.line())
    failed = sum(c.ok is False for c in checks)
    unknown = sum(c.ok is None for c in checks)
    passed = len(checks) - failed - unknown
    click.echo(f"{passed} passed, {failed} failed" + (f", {unknown} cannot be checked" if unknown else ""))
    sys.exit(1 if failed else 3 if unknown else 0)


@main.command("stats-budget")
@click.argument("config_file", metavar="CONFIG", type=click.Path(path_type=Path))
@click.option("--group-mb", type=click.IntRange(1, 99), default=budget_ref.DEFAULT_MB, show_default=True,
              help="Size of the group statistics file (cluster setting, 1-99 MB).")
@click.option("--resource-mb", type=click.IntRange(1, 99), default=budget_ref.DEFAULT_MB, show_default=True,
              help="Size of each group-resource statistics file.")
@click.option("--monitor-mb", type=click.IntRange(1, 99), default=budget_ref.DEFAULT_MB, show_default=True,
              help="Size of each monitor-resource statistics file.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def stats_budget_command(config_file: Path, group_mb: int, resource_mb: int, monitor_mb: int, as_json: bool) -> None:
    """Maximum disk space the cluster statistics of CONFIG can take (guide formula, 2 generations)."""
    cfg = clpconfig.load(config_file)
    b = budget_ref.budget_for(cfg, group_mb=group_mb, resource_mb=resource_mb, monitor_mb=monitor_mb)
    if as_json:
        click.echo(json.dumps(b.to_dict(), indent=2))
        return
    click.echo(f"group resource types ({len(b.resource_types)}): {', '.join(b.resource_types) or '-'}")
    click.echo(f"monitor resource types ({len(b.monitor_types)}): {', '.join(b.monitor_types) or '-'}")
    click.echo("size = group MB x 2 + resource MB x resource types x 2 + monitor MB x monitor types x 2")
    click.echo(f"     = {b.formula}")

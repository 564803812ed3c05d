"""``clpkit collect --config clp.conf --hosts … --out DIR``: every server's collection, brought home."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from clpkit.cli._group import main


@main.command("collect")
@click.option("--config", "config_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The cluster's clp.conf: its servers, and whether it has mirror disks (type5).")
@click.option("--hosts", default="", metavar="LIST",
              help="name[=[user@]host[:port]],… (default: every server of clp.conf, reached by its name).")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Collection folder: OUT/<server>/ per server, replaced server by server when complete.")
@click.option("--types", default="", metavar="LIST",
              help="clplogcc types to run (default: type1,type6 and type5 when clp.conf has mirror disks).")
@click.option("--statistics-only", is_flag=True,
              help="Copy the statistics and log folders incrementally instead of running clplogcc.")
@click.option("--install-root", default="/opt/nec/clusterpro", show_default=True,
              help="CLUSTERPRO's folder on the servers ({server} stands for the server's name).")
@click.option("--remote-tmp", default="/var/tmp", show_default=True, help="Where clplogcc writes on the servers.")
@click.option("--known-hosts", default="", help="known_hosts file (default: ssh_config's, else ~/.ssh/known_hosts).")
@click.option("--identity", default="", help="SSH private key file (default: ssh_config's, else the SSH agent).")
@click.option("--ssh-config", default="", help="ssh_config file to honour (default ~/.ssh/config when present).")
@click.option("--transport", type=click.Choice(["ssh", "local"]), default="ssh", show_default=True,
              help="local: run the commands on this machine (collect the server clpkit runs on).")
@click.option("--jobs", default=4, show_default=True, type=click.IntRange(1, 16), help="Servers collected at a time.")
def collect_command(config_path, hosts, out, types, statistics_only, install_root, remote_tmp, known_hosts, identity,
                    ssh_config, transport, jobs) -> None:
    """Collect what the analysis needs from every server of clp.conf into --out, and say per
    server what was collected. Exit status: 0 when every server was collected, 1 when one
    or more were not (the others are kept), 2 for a bad command line or clp.conf."""
    from clpkit import config as config_module
    from clpkit.collect import apply_ssh_config, collect, parse_hosts
    from clpkit.problems import ClpkitError

    cfg = config_module.load(config_path)
    targets = parse_hosts(hosts) if hosts else parse_hosts(",".join(s.name for s in cfg.servers))
    wanted = [t.strip() for t in types.split(",") if t.strip()]
    bad = [t for t in wanted if t not in {f"type{n}" for n in range(1, 7)}]
    if bad:
        raise ClpkitError(f"--types {', '.join(bad)}: clplogcc types are type1 … type6")
    if transport == "ssh":
        targets = apply_ssh_config(targets, ssh_config or None)
    results = collect(cfg, targets, out, types=wanted or None, statistics_only=statistics_only,
                      install_root=install_root, remote_tmp=remote_tmp, transport=transport,
                      known_hosts=known_hosts or None, identity=identity or None, jobs=jobs)
    for r in results:
        click.echo(r.line())
    failed = [r.server for r in results if not r.ok]
    click.echo(f"collection: {out} (what was collected: {out / 'collect.json'})")
    if failed:
        click.echo(f"clpkit collect: not collected: {', '.join(failed)}", err=True)
        sys.exit(1)

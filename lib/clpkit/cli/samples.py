"""``clpkit samples --out DIR``: write the synthetic sample log collection."""

from __future__ import annotations

import json
from pathlib import Path

import click

from clpkit import samples as generator
from clpkit.cli._group import main
from clpkit.samples.scenarios import SCENARIOS, describe, generate_scenario
from clpkit.problems import ClpkitError


@main.command()
@click.option("--out", "out", type=click.Path(path_type=Path), help="Folder to write into.")
@click.option("--servers", type=click.IntRange(2, 8), help="Servers in the cluster (default 2; a scenario: from the seed).")
@click.option("--days", default=7, show_default=True, type=click.IntRange(1, 366), help="Days of logs (centred on the incident).")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the random variation; same seed, same bytes.")
@click.option("--dir", "as_dir", is_flag=True, help="Write one folder per server instead of one .tar.gz per server.")
@click.option("--rotate-mb", type=click.FloatRange(0.1, 99), help="Cap every statistics rotation size (default: the product's).")
@click.option("--scenario", type=click.Choice(sorted(SCENARIOS)), metavar="NAME",
              help="Write one failure scenario instead of the week-long sample (see --list).")
@click.option("--list", "list_only", is_flag=True, help="Name the scenarios and exit.")
@click.option("--cluster", "cluster", default="cluster1", show_default=True, metavar="NAME",
              help="The cluster's name in clp.conf (one per cluster of a fleet: clpkit ingest partitions by it).")
def samples(out: Path | None, servers: int | None, days: int, seed: int, as_dir: bool, rotate_mb: float | None,
            scenario: str | None, list_only: bool, cluster: str) -> None:
    """Write a synthetic CLUSTERPRO X log collection (simulated, not real output).

    A 2-node mirror cluster (sv1, sv2; group failover1 with fip1, md1, exec1)
    with one incident: a write burst, a genw1 timeout on sv1, a failover to
    sv2 and a mirror break and recovery. Prints the incident as JSON.

    With --scenario NAME: one incident of that class on 2-8 servers, with
    random timing, noise and clock skew from --seed. What really happened is
    not written into the collection (the names are `clpkit explain`'s causes).
    """
    if list_only:
        for name, text in describe():
            click.echo(f"{name:<30} {text}")
        return
    if out is None:
        raise ClpkitError("--out: required (the folder to write into)")
    if scenario:
        try:
            generate_scenario(out, scenario, seed=seed, servers=servers, archive=not as_dir)
        except OSError as exc:
            raise ClpkitError(f"{out}: {exc.strerror or exc}") from None
        click.echo(json.dumps({"out": str(out), "scenario": scenario, "seed": seed}))
        return
    servers = servers or 2
    try:
        path = generator.generate(out, servers=servers, days=days, seed=seed, archive=not as_dir, rotate_mb=rotate_mb,
                                   cluster=cluster)
    except OSError as exc:
        raise ClpkitError(f"{out}: {exc.strerror or exc}") from None
    incident = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in vars(generator.INCIDENT).items()}
    click.echo(json.dumps({"out": str(path), "window": [t.isoformat() for t in generator.window(days)], "incident": incident}))

"""``clpkit redact BUNDLE --out DIR [--map FILE]``: the collection, safe to send to support."""

from __future__ import annotations

import json
from pathlib import Path

import click

from clpkit.cli._group import main


@main.command("redact")
@click.argument("bundle", type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="New folder for the redacted collection.")
@click.option("--map", "map_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Redaction map to write (and to extend when it exists): keep it, never send it. "
                   "Default: OUT.map.json beside OUT.")
@click.option("--names", default="", metavar="KINDS",
              help="Also replace these names of clp.conf: any of cluster,group,resource,monitor (comma-separated).")
@click.option("--word", "words", multiple=True, metavar="TEXT", help="Another word to replace (repeatable).")
@click.option("--jobs", default=2, show_default=True, type=click.IntRange(1, 32), help="Files redacted at a time.")
def redact_command(bundle: Path, out: Path, map_path: Path | None, names: str, words: tuple[str, ...], jobs: int) -> None:
    """Copy BUNDLE into --out with host names, addresses (subnets kept), mail addresses, user names and
    the passwords and secrets of clp.conf replaced, consistently in every file and archive.

    The map from originals to replacements goes to --map: it is what lets you
    read support's answer, so keep it; it is never written into --out.
    """
    from clpkit.problems import ClpkitError
    from clpkit.redact import redact, scan

    kinds = tuple(k.strip() for k in names.split(",") if k.strip())
    map_path = map_path or out.with_name(out.name + ".map.json")
    summary, redactor = redact(bundle, out, map_path=map_path, names=kinds, words=words, jobs=jobs)
    for note in redactor.notes:
        click.echo(f"clpkit redact: note: {note}", err=True)
    for refused in summary.refused:
        click.echo(f"clpkit redact: {refused}", err=True)
    m = redactor.map
    leaks = scan(out, m)
    click.echo(json.dumps({
        "out": str(out), "map": str(map_path), "files": summary.files, "archives": summary.archives,
        "bytes": summary.bytes_in, "seconds": round(summary.seconds, 3),
        "replaced": {"hosts": len(m.hosts), "names": len(m.names), "users": len(m.users), "mail": len(m.mail),
                     "domains": len(m.domains), "secrets": len(m.secrets), "words": len(m.words),
                     "addresses": len(m.addresses)},
        "left_out": len(summary.refused), "leaks": len(leaks),
    }))
    if leaks:
        for leak in leaks[:20]:
            click.echo(f"clpkit redact: still there: {leak}", err=True)
        raise ClpkitError(f"{out}: {len(leaks)} original(s) still in the output (see above); do not send it")

"""A small clp.conf with server groups and one hybrid disk hd1 in group g, for the hybrid-disk tests."""

from __future__ import annotations

from pathlib import Path


def hybrid_conf(folder: Path, groups: dict[str, tuple[str, ...]], hd_parameters: str = ""):
    """clp.conf under ``folder``: ``groups`` maps each server group to its servers (in order); loaded."""
    from clpkit import config as clpconfig

    servers = [s for members in groups.values() for s in members]
    text = (
        '<?xml version="1.0" encoding="ASCII"?>\n<root><cluster><name>c1</name></cluster>'
        + "".join(f'<server name="{s}"><priority>{i}</priority></server>' for i, s in enumerate(servers))
        + "<servergroup>"
        + "".join(f'<servergroup name="{name}">'
                  + "".join(f'<server name="{s}"><order>{i}</order></server>' for i, s in enumerate(members))
                  + "</servergroup>" for name, members in groups.items())
        + '</servergroup><group name="g"><resource name="hd@hd1"/></group>'
        f'<resource><hd name="hd1"><parameters>{hd_parameters}</parameters></hd></resource></root>\n'
    )
    conf = folder / "clp.conf"
    conf.write_text(text)
    return clpconfig.load(conf)

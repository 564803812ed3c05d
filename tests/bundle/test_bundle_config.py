"""Bundle.config and install-root naming, through clpkit.config."""

from __future__ import annotations

import socket

import clpkit
from bundle_fixtures import write_server

HOST = socket.gethostname().split(".")[0]


def clp_conf(*servers: str) -> str:
    body = "".join(f'<server name="{s}"><priority>{i}</priority></server>' for i, s in enumerate(servers))
    return f'<?xml version="1.0" encoding="ASCII"?>\n<root><cluster><name>cluster1</name></cluster>{body}</root>\n'


def test_config_is_the_first_clp_conf(tmp_path):
    write_server(tmp_path / "coll" / "sv1", conf=clp_conf("sv1", "sv2"))
    write_server(tmp_path / "coll" / "sv2", conf=clp_conf("other"))
    with clpkit.open_bundle(tmp_path / "coll") as b:
        assert b.config.name == "cluster1"
        assert [s.name for s in b.config.servers] == ["sv1", "sv2"]
        assert b.config is b.config


def test_unreadable_clp_conf_is_a_problem(tmp_path):
    write_server(tmp_path / "sv1", conf="<root><unclosed>")
    with clpkit.open_bundle(tmp_path / "sv1") as b:
        assert b.config is None
        rows = b.problems.filter(file="sv1/etc/clp.conf")
        assert rows.height >= 1 and rows["server"].to_list()[0] == "sv1"


def test_install_root_takes_the_host_name_as_clp_conf_spells_it(tmp_path):
    root = tmp_path / "opt" / "nec" / "clusterpro"
    write_server(root, conf=clp_conf(HOST.upper(), "peer"))
    with clpkit.open_bundle(root) as b:
        assert b.servers == [HOST.upper()]
    write_server(root, conf=clp_conf("peer1", "peer2"))
    with clpkit.open_bundle(root) as b:
        assert b.servers == [HOST]

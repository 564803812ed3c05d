"""clpstat and clpmdstat/clphdstat output parsers against hand-written fixtures.

The clpstat fixtures follow the layout of the vendor's published examples
(SPEC 3.8); the clpmdstat ones follow the lines public scripts match, with
the inferred column layout (see the module docstrings).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from clpkit import formats
from clpkit.formats import clpmdstat, clpstat
from clpkit.problems import ClpkitError, ParseError

FIXTURES = Path(__file__).parent / "fixtures"


def test_registry_names():
    assert formats.detect("clpstat.txt").kind == "clpstat"
    assert formats.detect("clpstat-sv1-20250302.out").kind == "clpstat"
    assert formats.detect("clpmdstat-md1.txt").kind == "clpmdstat"
    assert formats.detect("clphdstat_hd1.txt").kind == "clpmdstat"
    assert formats.detect("clpstat.log") is None


def test_clpstat_rows():
    df = formats.parse_file(FIXTURES / "clpstat-two-servers.txt", server="sv1")
    assert df.schema == clpstat.SCHEMA
    assert df["raw"].null_count() == df.height
    assert set(df["cluster"]) == {"cluster2"}
    top = df.filter(pl.col("parent").is_null())
    assert top.select("section", "name", "status", "local").rows() == [
        ("server", "sv1", "Online", True),
        ("server", "sv2", "Online", False),
        ("group", "failover1", "Online", False),
        ("group", "failover2", "Offline", False),
        ("group", "appgroup-with-lo", "Online Pending", False),
        ("monitor", "genw1", "Warning", False),
        ("monitor", "mdnw1", "Normal", False),
        ("monitor", "mdw1", "Normal", False),
        ("monitor", "userw", "Normal", False),
    ]
    hb = df.filter(pl.col("section") == "heartbeat")
    assert hb.height == 4
    assert hb.filter(pl.col("parent") == "sv2").select("name", "status", "comment").rows() == [
        ("lankhb1", "Normal", "Kernel Mode LAN Heartbeat"),
        ("lankhb2", "Error", "Kernel Mode LAN Heartbeat"),
    ]
    np_rows = df.filter(pl.col("section") == "networkpartition")
    assert np_rows.select("parent", "name", "status").rows() == [("sv1", "pingnp1", "Normal"), ("sv2", "pingnp1", "Normal")]
    assert set(df["report"]) == {1} and set(df["kind"]) == {"status"}
    res = df.filter((pl.col("section") == "resource") & (pl.col("parent") == "failover1"))
    assert res.select("name", "status").rows() == [("current", "sv2"), ("fip1", "Online"), ("md1", "Online"), ("exec1", "Online")]
    assert df.filter(pl.col("name") == "genw1")["comment"].item() is None
    assert df.filter(pl.col("name") == "md1")["line"].item() == 16


def test_clpstat_checks():
    df = clpstat.parse_text((FIXTURES / "clpstat-two-servers.txt").read_text())
    assert clpstat.servers_online(df) is True
    assert clpstat.group_server(df, "failover1") == "sv2"
    assert clpstat.group_server(df, "failover2") is None
    assert clpstat.group_server(df, "appgroup-with-lo") == "sv1"
    assert clpstat.group_server(df, "nosuchgroup") is None
    assert clpstat.status_of(df, "group", "failover2") == "Offline"
    assert clpstat.status_of(df, "heartbeat", "lankhb2", parent="sv2") == "Error"
    assert clpstat.status_of(df, "heartbeat", "lankhb2", parent="sv1") == "Normal"
    assert clpstat.status_of(df, "monitor", "nope") is None


def test_clpstat_offline_server_and_kept_noise():
    df = clpstat.parse((FIXTURES / "clpstat-offline-and-noise.txt").read_bytes(), source="saved.txt")
    assert clpstat.servers_online(df) is False
    assert clpstat.group_server(df, "failover1") == "sv1"
    bad = df.filter(pl.col("raw").is_not_null())
    assert bad.select("line", "raw", "problem").rows() == [
        (1, "[root@sv1 ~]# clpstat", "text before the CLUSTER STATUS banner"),
        (10, "  this line is not clpstat output", "not a clpstat status line"),
    ]
    local = df.filter(pl.col("local"))["name"].to_list()
    assert local == ["sv2"]


def test_clpstat_several_reports_and_long_names():
    text = (FIXTURES / "clpstat-two-servers.txt").read_text().replace("cluster2", "clusterA")
    text += (
        " ========================  CLUSTER STATUS  ===========================\n"
        "  Cluster : clusterB\n"
        "  <server>\n"
        "   *ws2022-01 ........................: Online\n"
        "      lankhb1                         : Normal           LAN Heartbeat\n"
        " =====================================================================\n"
    )
    df = clpstat.parse_text(text)
    b = df.filter(pl.col("cluster") == "clusterB")
    assert b.select("section", "parent", "name", "status", "comment").rows() == [
        ("server", None, "ws2022-01", "Online", None),
        ("heartbeat", "ws2022-01", "lankhb1", "Normal", "LAN Heartbeat"),
    ]


def test_clpstat_without_servers_says_so_and_empty_is_schema():
    with pytest.raises(ClpkitError, match="cannot tell whether the servers are online: the input holds no clpstat report"):
        clpstat.servers_online(clpstat.parse(""))
    assert clpstat.parse(b"").schema == clpstat.SCHEMA
    with pytest.raises(ParseError, match="no clpstat status lines"):
        clpstat.require(clpstat.parse_text("hello\n"), source="x.txt")


def test_clpmdstat_columns():
    df = formats.parse_file(FIXTURES / "clpmdstat-md1-recovering.txt")
    assert df.schema == clpmdstat.SCHEMA
    assert df["raw"].null_count() == df.height
    assert set(df["mirror"]) == {"md1"}
    assert clpmdstat.mirror_status(df) == "Mirror Recovering"
    assert clpmdstat.mirror_colors(df) == ("GREEN", "YELLOW")
    diff = df.filter(pl.col("field") == "Difference Percent")
    assert diff.select("host", "position", "value").rows() == [("sv1", 1, "--"), ("sv2", 2, "42%")]


def test_clphdstat_single_spaced_with_dates_and_noise():
    text = (FIXTURES / "clphdstat-hd1-broken.txt").read_text()
    assert clpmdstat.mirror_status(text) == "Abnormal"
    assert clpmdstat.mirror_colors(text) == ("RED", "GREEN")
    df = clpmdstat.parse_text(text)
    assert df.filter(pl.col("field") == "Break Time").select("position", "value").rows() == [
        (1, "2025/03/02 04:10:58"),
        (2, "--"),
    ]
    assert df.filter(pl.col("field") == "Lastupdate Time")["value"].to_list() == ["2025/03/02 04:10:59", "--"]
    bad = df.filter(pl.col("raw").is_not_null())
    assert bad.select("line", "raw").rows() == [(5, "garbage here ### ***")]


def test_mirror_status_missing_is_an_error():
    with pytest.raises(ParseError, match="no 'Mirror Status:' line"):
        clpmdstat.mirror_status("Mirror Color GREEN GREEN\n")
    assert clpmdstat.mirror_colors("Mirror Status: Normal\n") == ()

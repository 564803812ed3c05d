"""The model reads the whole clp.conf; hostile clp.conf inputs give one clear error; clpstat's odd reports.

Fixtures are synthetic, written from the layout the real files in
../shared/real-world show (Windows volume settings, <depend>, haltp, survive,
group start, the WebUI client list, several reports in one clpstat file).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from clpkit import config
from clpkit.formats import clp_conf, clpstat
from clpkit.problems import ClpkitError, ParseError
from clpkit.reference import ports

FIXTURES = Path(__file__).parent / "fixtures"
FULL = FIXTURES / "full-linux.clp.conf"
WINDOWS = FIXTURES / "windows-mirror.clp.conf"


@pytest.fixture(scope="module")
def full():
    return config.load(FULL)


def test_os_server_groups_and_settings(full):
    assert full.os == "linux" and not full.is_windows
    assert [s.name for s in full.servers] == ["node-a", "node-b"]
    assert full.servers[0].settings == {"survive": "0"}
    assert [(g.name, g.servers) for g in full.server_groups] == [("site1", ["node-a"]), ("site2", ["node-b"])]
    assert full.heartbeat_settings == {"timeout": 50000, "interval": 3000}
    assert full.survive["cluster"] == {"rscact": "1", "rscdeact": "1", "monitor": "1"}
    assert full.survive["servers"] == {"node-a": "0", "node-b": "0"}
    assert "not published" in full.survive["meaning"]
    assert full.shutdown_monitor == {"method": "keepalive", "action": "PANIC"}
    assert full.webui_clients == {"restricted": True, "operate": ["10.9.0.0"], "view_only": ["10.9.1.5"]}


def test_groups_dependencies_and_np_apart_from_heartbeats(full):
    db, web = full.groups
    assert (db.start, db.failover, db.failback, db.start_after) == ("manual", "auto", "auto", ["web"])
    assert (web.start, web.failback) == ("auto", "manual")
    assert full.resource("exec", "exec-db").depends == ["md-data"]
    assert full.resource("md", "md-data").depends == []
    assert [h.name for h in full.heartbeats] == ["lankhb1", "lankhb2"]
    assert [(h.name, h.params["grp@0/list@0/ip"]) for h in full.network_partitions] == [("pingnp1", "172.16.0.1")]


def test_every_monitor_names_what_it_watches(full):
    watches = {m.name: m.watches for m in full.monitors}
    assert watches["mdw1"] == {"mirror": "md-data"}
    assert watches["genw1"] == {"script": "check.sh"}
    assert watches["ipw1"] == {"addresses": ["172.16.0.1", "172.16.0.2"]}
    assert watches["diskw1"] == {"device": "/dev/sdc", "method": "READ"}
    assert watches["psqlw1"]["database"] == "app" and watches["psqlw1"]["port"] == "5432"
    assert "password" not in watches["psqlw1"]


def test_json_is_everything_but_secrets(full):
    d = json.loads(json.dumps(full.to_dict(), ensure_ascii=False))
    text = json.dumps(d)
    assert "s3cret-value" not in text
    psqlw = next(m for m in d["monitors"] if m["name"] == "psqlw1")
    assert psqlw["parameters"]["parameters/password"] == "(set, hidden)"
    assert psqlw["parameters"]["parameters/username"] == "watch"
    other = d["other"]["values"]
    assert other["/root/trekking/savedversion"] == "5.1.0-1" and other["/root/all/serveros"] == "linux"
    assert not any(p.startswith(("/root/monitor", "/root/resource", "/root/group", "/root/cluster")) for p in other)
    assert d["groups"][0]["start_after"] == ["web"] and d["resources"][1]["depends"] == ["md-data"]
    assert d["server_groups"][0] == {"name": "site1", "servers": ["node-a"]}
    # Every value of the file with text is somewhere in the JSON (secrets aside).
    for path, value in full.values.items():
        if value is not None and "password" not in path:
            assert value in text, path


def test_windows_cluster_is_detected_and_not_given_linux_meanings():
    cfg = config.load(WINDOWS)
    assert cfg.is_windows and "serveros" in cfg.os_evidence()[1]
    md = cfg.mirror("md")
    assert md["acktimeout"] is None and md["defaulted"] == [] and "Linux" in md["defaults"]
    assert md["windows"]["parameters/volumemountpoint"] == "F"
    actions = cfg.final_actions()
    assert [(a["setting"], a["action"]) for a in actions] == [("rsctoaction", "code 5 (Windows numbering, not decoded)")]
    with pytest.raises(config.WindowsCluster, match="this is a Windows cluster; the Linux Maintenance Guide procedures do not apply"):
        ports.ports(cfg)


def test_windows_detected_from_drive_letters_without_serveros():
    text = WINDOWS.read_text().replace("<serveros>windows</serveros>", "")
    cfg = config.load(text)
    assert cfg.os == "windows" and "volumemountpoint" in cfg.os_evidence()[1]
    linux = config.load(FULL.read_text().replace("<serveros>linux</serveros>", ""))
    assert linux.os is None


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clpkit", *args], capture_output=True, text=True)


@pytest.mark.parametrize("declared", ["rot13", "hex", "zlib", "base64", "no-such-codec"])
def test_odd_declared_encoding_is_one_error_line(tmp_path, declared):
    path = tmp_path / "clp.conf"
    path.write_bytes(f'<?xml version="1.0" encoding="{declared}"?>\n<root/>\n'.encode())
    with pytest.raises(ParseError) as err:
        config.load(path)
    assert err.value.line == 1 and declared in str(err.value)
    res = run_cli("config", str(path))
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and str(path) in res.stderr and "Traceback" not in res.stderr


def test_deep_nesting_is_refused_with_its_line():
    data = b"<root>\n" + b"<a>" * 100 + b"</a>" * 100 + b"\n</root>\n"
    with pytest.raises(ParseError, match="nested deeper than 64 levels") as err:
        clp_conf.parse(data, source="deep.conf")
    assert err.value.line == 2 and err.value.file == "deep.conf"
    ok = b"<root>" + b"<a>" * 60 + b"x" + b"</a>" * 60 + b"</root>"
    assert clp_conf.parse(ok)["value"].to_list() == ["x"]


def test_doctype_and_entities_are_refused():
    data = b'<?xml version="1.0"?>\n<!DOCTYPE root [<!ENTITY a "aaaa">]>\n<root>&a;</root>\n'
    with pytest.raises(ParseError, match="DOCTYPE"):
        config.load(data)


def test_many_monitors_keep_their_order_and_values():
    body = "".join(f'<genw name="g{i}"><parameters><path>g{i}.sh</path></parameters></genw>' for i in range(3000))
    cfg = config.load(f"<root><cluster><name>x</name></cluster><monitor>{body}</monitor></root>")
    assert len(cfg.monitors) == 3000
    assert cfg.monitors[2999].watches == {"script": "g2999.sh"}
    assert cfg.children("/root/monitor")[:2] == ["genw@g0", "genw@g1"]
    assert cfg.subtree("/root/monitor/genw@g1") == {"parameters/path": "g1.sh"}  # not g10…g19


def test_clpstat_group_map_is_parsed():
    df = clpstat.parse((FIXTURES / "clpstat-groupmap.txt").read_bytes(), source="map.txt")
    assert df["raw"].null_count() == df.height
    assert set(df["kind"]) == {"groupmap"}
    servers = df.filter(pl.col("section") == "server")
    assert servers.select("name", "status", "comment", "local").rows() == [
        ("alpha", "o", "server0", True), ("beta", "o", "server1", False)]
    assert clpstat.group_server(df, "grp-b") == "alpha"
    assert clpstat.group_server(df, "grp-c") == "beta"
    assert clpstat.status_of(df, "group", "grp-c") == "e"
    with pytest.raises(ClpkitError, match="only a groupmap report"):
        clpstat.servers_online(df)


def test_clpstat_several_reports_in_one_file():
    df = clpstat.parse((FIXTURES / "clpstat-three-reports.txt").read_text())
    assert sorted(set(df["report"])) == [1, 2, 3]
    assert clpstat.group_servers(df, "app-group") == {"pod-0": "pod-0", "pod-1": None}  # the last report of pod-1
    assert clpstat.group_server(df, "app-group", cluster="pod-0") == "pod-0"
    with pytest.raises(ClpkitError, match="reports of 2 clusters"):
        clpstat.group_server(df, "app-group")
    np_rows = df.filter(pl.col("section") == "networkpartition")
    assert np_rows.select("report", "name").rows() == [(3, "httpnp1")]
    assert df.filter(pl.col("section") == "heartbeat")["name"].unique().to_list() == ["lanhb1"]


def test_linux_only_tools_refuse_a_windows_cluster_in_one_line(tmp_path):
    from clpkit.reference import budget

    cfg = config.load(WINDOWS)
    with pytest.raises(config.WindowsCluster, match="statistics budget"):
        budget.budget_for(cfg)
    for args in (["ports", str(WINDOWS)], ["stats-budget", str(WINDOWS)],
                 ["runbook", "plan", "replace-mirror-disk", "--config", str(WINDOWS)]):
        res = run_cli(*args)
        assert res.returncode == 2, args
        assert res.stderr.count("\n") == 1 and config.WINDOWS_REFUSAL in res.stderr, (args, res.stderr)

"""The typed clp.conf model against the hand-written fixture ``mirror2.clp.conf``.

Every expected value below is read off the fixture by eye (it was written
from SPEC 3.7), not copied from the model's output.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from clpkit import config
from clpkit.config import Address
from clpkit.problems import ClpkitError, ParseError

FIXTURES = Path(__file__).parent / "fixtures"
MIRROR2 = FIXTURES / "mirror2.clp.conf"


@pytest.fixture(scope="module")
def cfg() -> config.ClusterConfig:
    return config.load(MIRROR2)


def test_name_encoding_and_source(cfg):
    assert cfg.name == "mirror2"
    assert cfg.encoding == "ASCII"
    assert cfg.replaced_chars == 0
    assert cfg.source == str(MIRROR2)


def test_servers(cfg):
    assert [(s.name, s.priority) for s in cfg.servers] == [("sv1", 0), ("sv2", 1)]
    sv1, sv2 = cfg.servers
    assert sv1.addresses == [
        Address("0", "lan", "interconnect", "192.168.10.1"),
        Address("1", "lan", "interconnect", "192.168.20.1"),
        Address("400", "mdc", "mirror-connect", "192.168.30.1"),
    ]
    assert [a.address for a in sv2.addresses] == ["192.168.10.2", "192.168.20.2", "192.168.30.2"]
    # every device is kept, the ping device too (it is not an address)
    assert sv1.devices["10200"] == {"type": "ping", "info": "1"}
    assert sv2.devices["400"]["mdc/info"] == "192.168.30.2"


def test_heartbeats_and_network_partitions(cfg):
    assert [(h.type, h.name, h.priority, h.device) for h in cfg.heartbeats] == [
        ("lankhb", "lankhb1", 0, "0"),
        ("lankhb", "lankhb2", 1, "1"),
    ]
    (np,) = cfg.network_partitions
    assert (np.kind, np.type, np.name, np.priority, np.device) == ("networkpartition", "pingnp", "pingnp1", 0, "10200")
    assert np.params["grp@0/list@0/ip"] == "192.168.10.254"


def test_groups(cfg):
    g1, g2 = cfg.groups
    assert g1.name == "failover1" and g1.type == "failover"
    assert g1.resources == [("fip", "fip1"), ("md", "md1"), ("exec", "exec1")]
    # policy entries are listed sv2 first in the file; order 0 (sv1) wins
    assert g1.servers == ["sv1", "sv2"]
    assert g2.name == "failover2" and g2.resources == [("exec", "exec2")]
    # no policy: every server, by priority
    assert g2.servers == ["sv1", "sv2"]


def test_resources(cfg):
    assert [(r.type, r.name, r.group) for r in cfg.resources] == [
        ("fip", "fip1", "failover1"),
        ("md", "md1", "failover1"),
        ("exec", "exec1", "failover1"),
        ("exec", "exec2", "failover2"),
    ]
    exec1 = cfg.resource("exec", "exec1")
    assert exec1.params["act/retry"] == "1"
    assert exec1.params["parameters/timeout/start"] == "600"
    assert exec1.params["parameters/act/path"] == "start.sh"
    assert cfg.resource("fip", "fip1").params == {"parameters/ip": "192.168.10.100"}
    with pytest.raises(ClpkitError, match="no exec resource named 'nope'"):
        cfg.resource("exec", "nope")


def test_monitors(cfg):
    assert [(m.type, m.name) for m in cfg.monitors] == [("userw", "userw"), ("mdw", "mdw1"), ("genw", "genw1")]
    userw, mdw1, genw1 = cfg.monitors
    assert (genw1.interval, genw1.timeout, genw1.target) == (30, 60, "exec1")
    assert genw1.recovery == {
        "target_type": "grp",
        "target": "failover1",
        "reconfirmation": 2,
        "restart_threshold": 1,
        "failover_threshold": 1,
        "final_action_code": 5,
        "final_action": "stop cluster service and reboot OS",
    }
    assert genw1.params["parameters/path"] == "genw.sh"
    # nothing set: None means "the type's default", not zero
    assert (userw.interval, userw.timeout, userw.target) == (None, None, None)
    assert userw.recovery["target"] == "LocalServer" and userw.recovery["final_action"] is None
    assert mdw1.target == "md1" and mdw1.recovery["target_type"] == "rsc"


def test_cluster_settings(cfg):
    assert cfg.cluster == {
        "name": "mirror2",
        "rsctimeout/rsctoaction": "3",
        "networkpartition/npaction": "6",
        "heartbeat/timeout": "90000",
    }


def test_get_with_the_path_notation(cfg):
    assert cfg.get("/root/server@sv1/device@0/info") == "192.168.10.1"
    assert cfg.get("root/heartbeat/lankhb@lankhb1/priority") == "0"
    assert cfg.get("/root/resource/md@md1/parameters/nmppath") == "/dev/NMP1"
    assert cfg.get("/root/pm/exec0/recover") == "7"
    # elements the model does not know stay reachable
    assert cfg.get("/root/extension/widget@w1/size") == "42"
    assert cfg.get("/root/extension/@vendor") == "local"
    assert cfg.has("/root/group@failover1/resource@md@md1")
    assert cfg.has("/root/cluster/rsctimeout")
    assert not cfg.has("/root/group@failover1/resource@md@md9")
    assert cfg.get("/root/nothing/here") is None and cfg.get("/root/nothing", "x") == "x"
    assert cfg.children("/root/group@failover1")[:3] == ["type", "gid", "resource@fip@fip1"]


def test_mirror_settings_with_defaults(cfg):
    m = cfg.mirror("md1")
    expected_set = {
        "acktimeout": 30,
        "syncmode": 0,
        "sendqueuesize": 4096,
        "mount_timeout": 180,
        "nmppath": "/dev/NMP1",
        "dppath": "/dev/sdb2",
        "cppath": "/dev/sdb1",
        "mount_point": "/mnt/md1",
        "fs": "ext4",
    }
    expected_defaults = {
        "hbinterval": 10,
        "pingtimeout": 2,
        "sendtimeout": 30,
        "connecttimeout": 10,
        "compress": 0,
        "umount_timeout": 300,
        "fsck_timeout": 7200,
        "fullcopy": 1,
        "mkfs": 0,
    }
    for key, want in {**expected_set, **expected_defaults}.items():
        assert m[key] == want, key
    assert sorted(m["defaulted"]) == sorted(expected_defaults)
    assert m["type"] == "md" and m["syncmode_name"] == "async"
    assert m["mirror_connects"] == [{"priority": "0", "device": "400", "mdcname": "mdc1"}]
    assert cfg.mirrors() == ["md1"]
    with pytest.raises(ClpkitError, match=r"no mirror or hybrid disk resource named 'md9' \(configured: md1\)"):
        cfg.mirror("md9")


def test_mirror_all_defaults_for_a_bare_hybrid_disk():
    cfg = config.load(
        b'<?xml version="1.0"?><root><resource><hd name="hd1"><parameters>'
        b"<nmppath>/dev/NMP2</nmppath></parameters></hd></resource></root>"
    )
    m = cfg.mirror("hd1")
    assert m["type"] == "hd"
    assert (m["acktimeout"], m["sendqueuesize"], m["syncmode"], m["syncmode_name"]) == (100, 2048, 1, "sync")
    assert (m["umount_timeout"], m["mount_timeout"], m["fsck_timeout"], m["fullcopy"], m["mkfs"]) == (300, 120, 7200, 1, 0)
    assert (m["dppath"], m["cppath"], m["mount_point"], m["fs"]) == (None, None, None, None)


def test_final_actions_decoded(cfg):
    got = {(a["scope"], a["name"], a["setting"]): (a["code"], a["action"], a["default"]) for a in cfg.final_actions()}
    assert got[("cluster", None, "rsctoaction")] == (3, "stop cluster service and reboot OS", False)
    assert got[("cluster", None, "npaction")] == (6, "keepalive panic", False)
    assert got[("cluster", None, "pm/exec0/recover")] == (7, "keepalive panic", False)
    assert got[("resource", "exec1", "act/action")] == (2, "stop group", False)
    assert got[("resource", "exec1", "deact/action")] == (5, "stop cluster service and reboot OS", False)
    assert got[("resource", "md1", "act/action")] == (1, "no operation (do not activate/deactivate next resource)", True)
    assert got[("resource", "md1", "deact/action")] == (4, "stop cluster service and shut down OS", True)
    assert got[("monitor", "genw1", "emergency/action")] == (5, "stop cluster service and reboot OS", False)
    # monitors without a final action are not listed
    assert ("monitor", "userw", "emergency/action") not in got


def test_final_action_defaults_and_unknown_codes():
    cfg = config.load(b"<root><cluster><networkpartition><npaction>99</npaction></networkpartition></cluster></root>")
    got = {a["setting"]: a for a in cfg.final_actions()}
    assert got["rsctoaction"]["action"] == "stop cluster service and shut down OS" and got["rsctoaction"]["default"]
    assert got["npaction"]["action"] == "code 99" and got["npaction"]["code"] == 99
    for code, name in [(0, "no operation"), (2, "stop cluster service and shut down OS"), (3, "stop cluster service and reboot OS"),
                       (8, "sysrq panic"), (9, "keepalive reset"), (10, "keepalive panic"), (11, "BMC reset"),
                       (12, "BMC power off"), (13, "BMC power cycle"), (14, "BMC NMI"), (15, "I/O fencing")]:
        assert config.action_name(config.RSCTO_ACTIONS, code) == name
    assert config.action_name(config.RSCTO_ACTIONS, 1) == "code 1"


def test_japanese_variants_give_the_same_model():
    models = [config.load(FIXTURES / n) for n in ("japanese-eucjp.clp.conf", "japanese-sjis.clp.conf")]
    assert [m.encoding for m in models] == ["EUC-JP", "Shift_JIS"]
    same = {"source": None, "encoding": None, "other": None}  # other holds /root/all/charset, the declared name
    assert models[0].to_dict() | same == models[1].to_dict() | same
    others = [{k: v for k, v in m.other().items() if k != "/root/all/charset"} for m in models]
    assert others[0] == others[1]
    m = models[0]
    assert [g.name for g in m.groups] == ["業務グループ"]
    assert m.groups[0].servers == ["node-a", "node-b"]
    assert m.resource("exec", "exec1").group == "業務グループ"
    assert m.get("/root/server@node-a/comment") == "一号機"


def test_load_from_bytes_text_and_errors(tmp_path):
    text = MIRROR2.read_text()
    assert config.load(text).name == config.load(MIRROR2.read_bytes()).name == "mirror2"
    with pytest.raises(ParseError) as err:
        config.load(tmp_path / "missing.conf")
    assert "missing.conf" in str(err.value)
    bad = tmp_path / "clp.conf"
    bad.write_bytes(b"<root>\n<cluster>\n</root>\n")
    with pytest.raises(ParseError) as err:
        config.load(bad)
    assert err.value.line == 3 and err.value.file == str(bad)


def test_to_dict_is_json_and_complete(cfg):
    d = json.loads(json.dumps(cfg.to_dict()))
    assert d["name"] == "mirror2"
    first = d["servers"][0]
    assert first["devices"]["400"]["type"] == "mdc"
    assert {k: first[k] for k in ("name", "priority", "addresses")} == {
        "name": "sv1",
        "priority": 0,
        "addresses": [
            {"device": "0", "type": "lan", "role": "interconnect", "address": "192.168.10.1"},
            {"device": "1", "type": "lan", "role": "interconnect", "address": "192.168.20.1"},
            {"device": "400", "type": "mdc", "role": "mirror-connect", "address": "192.168.30.1"},
        ],
    }
    assert [g["resources"] for g in d["groups"]][0] == [
        {"type": "fip", "name": "fip1"},
        {"type": "md", "name": "md1"},
        {"type": "exec", "name": "exec1"},
    ]
    assert d["resources"][1]["parameters"]["parameters/mddriver/acktimeout"] == "30"
    genw = d["monitors"][2]
    assert {k: genw[k] for k in ("type", "name", "interval", "timeout", "target")} == {
        "type": "genw", "name": "genw1", "interval": 30, "timeout": 60, "target": "exec1"
    }
    assert genw["watches"] == {"script": "genw.sh"}
    assert genw["parameters"]["parameters/path"] == "genw.sh"
    assert d["cluster"]["rsctimeout/rsctoaction"] == "3"
    assert d["mirrors"][0]["name"] == "md1"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clpkit", *args], capture_output=True, text=True)


def test_cli_config_json():
    res = run_cli("config", str(MIRROR2), "--json")
    assert res.returncode == 0, res.stderr
    d = json.loads(res.stdout)
    assert [s["name"] for s in d["servers"]] == ["sv1", "sv2"]
    assert [s["addresses"][2]["address"] for s in d["servers"]] == ["192.168.30.1", "192.168.30.2"]
    assert [(h["type"], h["name"]) for h in d["heartbeats"]] == [("lankhb", "lankhb1"), ("lankhb", "lankhb2")]
    assert [(g["name"], len(g["resources"])) for g in d["groups"]] == [("failover1", 3), ("failover2", 1)]
    assert [(r["type"], r["name"], r["group"]) for r in d["resources"]][3] == ("exec", "exec2", "failover2")
    assert d["resources"][3]["parameters"] == {"parameters/act/path": "/opt/app/start.sh"}
    assert [(m["name"], m["interval"], m["timeout"], m["target"]) for m in d["monitors"]] == [
        ("userw", None, None, None),
        ("mdw1", None, None, "md1"),
        ("genw1", 30, 60, "exec1"),
    ]
    assert d["cluster"]["networkpartition/npaction"] == "6"


def test_cli_config_japanese_json_keeps_the_characters():
    res = run_cli("config", str(FIXTURES / "japanese-sjis.clp.conf"), "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["groups"][0]["name"] == "業務グループ"


def test_cli_config_summary_and_errors(tmp_path):
    res = run_cli("config", str(MIRROR2))
    assert res.returncode == 0, res.stderr
    assert "Cluster mirror2" in res.stdout
    assert "192.168.30.1 (mirror-connect, device 400)" in res.stdout
    assert "failover1        servers sv1, sv2  start auto  resources fip:fip1, md:md1, exec:exec1" in res.stdout
    assert "npaction           keepalive panic" in res.stdout
    bad = tmp_path / "clp.conf"
    bad.write_text("<root><cluster></root>")
    res = run_cli("config", str(bad))
    assert res.returncode == 2
    assert res.stderr.count("\n") == 1 and f"{bad}:1: malformed XML" in res.stderr

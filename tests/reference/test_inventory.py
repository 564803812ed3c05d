"""clpkit.reference.inventory against a hand-made collection and the committed sample.

The hand-made collection (built below) and ``fixtures/inventory.clp.conf``
are written from SPEC 2/3.1 and the guide; every expected row is worked out
by hand from them. The sample's expectations come from its README (which
archives each server holds).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import clpkit
from clpkit import config
from clpkit.catalog import SERVER_DOWN_CONDITIONS
from clpkit.reference import inventory as inv
from clpkit.i18n import translate

FIXTURE = Path(__file__).parent / "fixtures" / "inventory.clp.conf"
SAMPLE = Path(__file__).parents[2] / "data" / "samples" / "bundle"

# sv1: some service logs, rotated module logs (one with only .pre), mirror
# statistics of NMP1 only, cluster statistics under a prefixed tree and one
# in a folder that is not perf/cluster/group, emergency archives with a gap
# and one beyond rm's range, the OS syslog (not part of the install tree).
SV1 = {
    "etc/clp.conf": None,
    "alert/log/alertlog.alt": 10,
    "log/init_evt.start.cur": 10,
    "log/init_evt.start.pre": 10,
    "log/init_evt.stop.cur": 10,
    "log/rc.log.cur": 10,
    "log/rc.log.pre": 10,
    "log/rc.log.pre1": 10,
    "log/nm.log.pre": 10,
    "log/elog_pm0.tar.gz": 7,
    "log/elog_rm0.tar.gz": 11,
    "log/elog_rm2.tar.gz": 13,
    "log/elog_rm10.tar.gz": 17,
    "perf/disk/nmp1.cur": 10,
    "perf/disk/nmp1.pre": 10,
    "collected/perf/cluster/group/group.cur": 10,
    "other/group/exec.cur": 10,
    "perf/cluster/monitor/genw.cur": 10,
    "var/log/messages": 10,
}
SV2 = {"etc/clp.conf": None, "log/init_main.start.cur": 10}


def _write(root: Path, files: dict[str, int | None]) -> None:
    for rel, size in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(FIXTURE.read_bytes() if size is None else b"x" * size)


@pytest.fixture()
def handmade(tmp_path):
    _write(tmp_path / "sv1", SV1)
    _write(tmp_path / "sv2", SV2)
    with clpkit.open_bundle(tmp_path) as b:
        yield b


def _status(frame: pl.DataFrame, server: str) -> dict[str, str]:
    return dict(frame.filter(pl.col("server") == server).select("file", "status").iter_rows())


def test_expected_files_follow_the_configuration():
    names = [(e.folder, e.name, e.when) for e in inv.expected_files(config.load(FIXTURE))]
    services = [("log", f"init_{s}.{step}.cur", "always") for s in ("evt", "trn", "md", "main", "webmgr", "alert")
                for step in ("start", "stop")]
    assert names == [
        ("etc", "clp.conf", "always"),
        ("alert/log", "alertlog.alt", "always"),
        *services,
        ("log/system", "system.cur", "when_stats"),
        ("perf/disk", "nmp1.cur", "when_stats"),
        ("perf/disk", "nmp3.cur", "when_stats"),
        ("perf/cluster/group", "group.cur", "when_stats"),
        ("perf/cluster/group", "md.cur", "when_stats"),
        ("perf/cluster/group", "exec.cur", "when_stats"),
        ("perf/cluster/monitor", "genw.cur", "when_stats"),
        ("perf/cluster/monitor", "mdw.cur", "when_stats"),
    ]


def test_layout_present_elsewhere_missing(handmade):
    frame = inv.layout(handmade)
    assert frame.height == 2 * 22
    sv1 = _status(frame, "sv1")
    assert {k for k, v in sv1.items() if v == "present"} == {
        "clp.conf", "alertlog.alt", "init_evt.start.cur", "init_evt.stop.cur", "nmp1.cur", "group.cur", "genw.cur"}
    assert {k for k, v in sv1.items() if v == "elsewhere"} == {"exec.cur"}
    assert sv1["nmp3.cur"] == sv1["system.cur"] == sv1["md.cur"] == sv1["mdw.cur"] == sv1["init_md.stop.cur"] == "missing"
    sv2 = _status(frame, "sv2")
    assert {k for k, v in sv2.items() if v == "present"} == {"clp.conf", "init_main.start.cur"}
    found = frame.filter(pl.col("server") == "sv1", pl.col("file") == "exec.cur")["found_as"].item().to_list()
    # one file, in the server's other/group folder (the bundle puts the input's name before the server)
    assert len(found) == 1 and found[0].endswith("/sv1/other/group/exec.cur")


def test_folders_count_only_the_products_files(handmade):
    sv1 = dict(inv.folders(handmade).filter(pl.col("server") == "sv1").select("folder", "file_count").iter_rows())
    # log/: 3 service logs + 4 module logs + 4 archives; var/log/messages is the OS's, alert/log its own folder
    assert sv1 == {"etc": 1, "alert/log": 1, "log": 11, "log/system": 0, "perf/disk": 2,
                   "perf/cluster/group": 1, "perf/cluster/monitor": 1}
    sv2 = inv.folders(handmade).filter(pl.col("server") == "sv2")
    assert dict(sv2.select("folder", "status").iter_rows())["perf/disk"] == "missing"


def test_generations_present_and_missing(handmade):
    frame = inv.generations(handmade)
    rows = {(r["server"], r["series"]): (r["found_generations"], r["missing_generations"]) for r in frame.iter_rows(named=True)}
    assert rows[("sv1", "nm.log")] == (["pre"], ["cur"])
    assert rows[("sv1", "rc.log")] == (["cur", "pre", "pre1"], [])
    assert rows[("sv1", "init_evt.start")] == (["cur", "pre"], [])
    assert rows[("sv1", "init_evt.stop")] == (["cur"], ["pre"])
    assert rows[("sv1", "init_webmgr.stop")] == ([], ["cur", "pre"])
    assert rows[("sv1", "nmp1")] == (["cur", "pre"], [])
    assert rows[("sv1", "group")] == (["cur"], ["pre"])
    assert rows[("sv2", "init_main.start")] == (["cur"], ["pre"])
    # sv1: 2 module logs, 12 service series, nmp1, group, exec, genw; sv2: 12 service series
    assert frame.filter(pl.col("server") == "sv1").height == 18
    assert frame.filter(pl.col("server") == "sv2").height == 12


def test_emergency_archives_gaps_and_range(handmade):
    frame = inv.emergency_archives(handmade)
    rows = {(r["server"], r["module"]): r for r in frame.iter_rows(named=True)}
    assert rows[("sv1", "rm")]["found_generations"] == [0, 2, 10]
    assert rows[("sv1", "rm")]["gaps"] == [1]
    assert rows[("sv1", "rm")]["beyond"] == [10]
    assert rows[("sv1", "rm")]["bytes"] == 11 + 13 + 17
    assert rows[("sv1", "pm")]["found_generations"] == [0] and rows[("sv1", "pm")]["gaps"] == []
    assert (rows[("sv1", "pm")]["max_generation"], rows[("sv1", "rm")]["max_generation"]) == (4, 9)
    assert all(rows[("sv2", m)]["found_generations"] == [] for m in ("pm", "rc", "rm"))


def test_server_down_conditions_carry_the_configured_actions():
    frame = inv.server_down_conditions(config.load(FIXTURE))
    assert set(frame["condition"]) == set(SERVER_DOWN_CONDITIONS)

    def actions(condition):
        rows = frame.filter(pl.col("condition") == condition)
        return {(r["name"], r["action"], r["default"]) for r in rows.iter_rows(named=True)}

    assert actions("activation_failure_final_action") == {
        ("md1", "no operation (do not activate/deactivate next resource)", True),
        ("md2", "no operation (do not activate/deactivate next resource)", True),
        ("exec1", "stop cluster service and reboot OS", False),
    }
    assert ("exec1", "stop cluster service and shut down OS", True) in actions("deactivation_failure_final_action")
    assert actions("monitor_error_final_action") == {("genw1", "stop cluster service", False), ("mdw1", inv.NOT_SET, False)}
    assert actions("activation_stall") == actions("deactivation_stall") == {(None, "stop cluster service and shut down OS", True)}
    assert actions("network_partition_resolution") == {(None, "stop cluster service and shut down OS", True)}
    fixed = frame.filter(pl.col("condition") == "forced_stop")
    assert fixed.height == 1 and fixed["setting"].item() == inv.NO_SETTING


def test_server_down_conditions_in_japanese_without_config():
    frame = inv.server_down_conditions(None, "ja")
    assert frame.height == len(SERVER_DOWN_CONDITIONS)
    assert frame.filter(pl.col("condition") == "activation_stall")["label"].item() == "リソース活性ストール"
    assert frame["setting"].unique().to_list() == [inv.NO_SETTING]


def test_startup_sync_wait_is_the_guides_five_minutes():
    wait = translate(inv.startup_sync_wait(), ["setting", "basis"], "en")
    assert wait["seconds"].item() == 5 * 60
    assert "not published" in wait["basis"].item()


def test_ports_table_is_the_ports_of_the_configuration():
    table = inv.ports_table(config.load(FIXTURE))
    fixed = table.filter(pl.col("from_server") == "sv1", pl.col("to_server") == "sv2", pl.col("condition") == "always")
    # the guide's fixed server-to-server ports
    assert {(p, proto) for p, proto in fixed.select("port", "protocol").iter_rows()} >= {
        (29001, "tcp"), (29002, "tcp"), (29002, "udp"), (29003, "udp"), (29004, "tcp")}


def test_sample_archives_match_its_readme():
    with clpkit.open_bundle(SAMPLE) as b:
        frame = inv.emergency_archives(b)
        layout = inv.layout(b)
    got = {(r["server"], r["module"]): r["found_generations"] for r in frame.iter_rows(named=True)}
    # README: sv1 holds elog_rm0, elog_rm1, elog_rc0; sv2 elog_rm0
    assert got == {("sv1", "pm"): [], ("sv1", "rc"): [0], ("sv1", "rm"): [0, 1],
                   ("sv2", "pm"): [], ("sv2", "rc"): [], ("sv2", "rm"): [0]}
    # README: the six services' start and stop logs are on both servers
    services = layout.filter(pl.col("file").str.starts_with("init_"))
    assert services.height == 2 * 12 and (services["status"] == "present").all()

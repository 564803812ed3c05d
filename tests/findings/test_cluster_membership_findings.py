"""The findings the explainer issue added: heartbeat paths, servers leaving/joining, partition resolution,
time out of service per group (with its phases), checked against scenarios whose truth is known."""

from __future__ import annotations

import polars as pl
import pytest

from clpkit.bundle import open_bundle
from clpkit.explain import explain, outage
from clpkit.explain.page import narrative_html, outage_figures
from clpkit.findings import findings
from clpkit.samples import INCIDENT
from clpkit.samples.scenarios import generate_scenario


def scenario(tmp_path, name, seed):
    truth = generate_scenario(tmp_path / f"{name}{seed}", name, seed=seed, archive=False)
    b = open_bundle(tmp_path / f"{name}{seed}", tz="UTC")
    return truth, b


@pytest.mark.parametrize("seed", [0, 1])
def test_heartbeat_path_lost_and_restored(tmp_path, seed):
    truth, b = scenario(tmp_path, "heartbeat_path_loss", seed)
    with b:
        found = findings(b)
    hb = truth.notes["heartbeat"]
    lost = found.filter(pl.col("code") == "heartbeat_lost")
    back = found.filter(pl.col("code") == "heartbeat_restored")
    assert set(lost["server"]) == {truth.source, truth.target} and lost["title"].str.contains(hb).all()
    assert back.height == 2 and back["duration_s"].min() > 0
    true_loss = (truth.notes["restored"] - truth.fault).total_seconds()
    # reported after the heartbeat timeout; the duration seen is the outage less that timeout, within one interval
    timeout = float(b.config.get("/root/cluster/heartbeat/timeout")) / 1000
    interval = float(b.config.get("/root/cluster/heartbeat/interval")) / 1000
    for took in back["duration_s"]:
        assert abs(took - (true_loss - timeout)) <= 2 * interval + 0.1
    assert found.filter(pl.col("code") == "server_left").is_empty()


def test_server_lost_then_seen_leaving(tmp_path):
    truth, b = scenario(tmp_path, "server_down", 3)
    with b:
        found = findings(b)
    left = found.filter(pl.col("code") == "server_left")
    assert left["server"].to_list() == [truth.source] and left["severity"].to_list() == ["warning"]
    others = set(truth.servers) - {truth.source}
    assert set(left["detail"][0].removeprefix("Seen by ").rstrip(".").split(", ")) == others
    assert len(left["evidence"][0]) == len(others)


def test_planned_leave_is_info_and_rejoin_is_found(tmp_path):
    truth, b = scenario(tmp_path, "shutdown_stall", 1)
    with b:
        found = findings(b, lang="ja")
    left = found.filter(pl.col("code") == "server_left", pl.col("server") == truth.source)
    joined = found.filter(pl.col("code") == "server_joined", pl.col("server") == truth.source)
    assert left["severity"].to_list() == ["info"] and "クラスタから離脱" in left["title"][0]
    assert joined.height >= 1 and joined["time"].max() > left["time"].min()


def test_network_partition_resolved(tmp_path):
    truth, b = scenario(tmp_path, "network_partition", 2)
    with b:
        found = findings(b)
    np_ = found.filter(pl.col("code") == "np_resolved")
    assert np_["server"].to_list() == [truth.source]
    assert "lankhb1" in np_["detail"][0] and "lankhb2" in np_["detail"][0]
    assert "stop cluster service and shut down OS" in np_["detail"][0]


@pytest.mark.parametrize("name", ["monitor_failover", "server_down", "activation_failure", "deactivation_failure"])
def test_time_out_of_service_and_phases(tmp_path, name):
    truth, b = scenario(tmp_path, name, 4)
    with b:
        incidents, estimate = explain(b)
        records = outage.outages(b, incidents, estimate, "UTC")
        found = findings(b)
    assert len(records) == 1
    r = records[0]
    assert r["group"] == "failover1" and r["server"] == truth.target and r["cause"] == name
    total = r["duration_s"]
    assert total > 0 and all(v is None or 0 <= v <= total for v in r["phases"].values())
    assert r["phases"]["start"] is not None and r["phases"]["fsck"] is not None
    # back when the start completed; corrected times run on the reference server's clock (true + its lead)
    seen = (r["end"] - truth.notes["end"].replace(tzinfo=r["end"].tzinfo)).total_seconds()
    assert seen == pytest.approx(truth.offsets[estimate.reference], abs=0.5)
    oos = found.filter(pl.col("code") == "out_of_service")
    assert oos["duration_s"].to_list() == [total] and oos["group"].to_list() == ["failover1"]
    summary = outage.summary(records)
    assert summary.row(0, named=True)["count"] == 1 and summary["p50_s"][0] == summary["p95_s"][0] == total
    metrics = dict(outage_figures(summary))
    assert metrics["failover1.out_of_service p95 s"] == total and metrics["failover1.out_of_service count"] == 1.0


def test_sample_outage_phases_match_the_story(tmp_path):
    from clpkit import samples

    out = samples.generate(tmp_path, days=1)
    with open_bundle(out, tz="Asia/Tokyo") as b:
        incidents, estimate = explain(b, tz="Asia/Tokyo")
        records = outage.outages(b, incidents, estimate, "Asia/Tokyo")
    (r,) = records
    assert r["phases"]["unmount"] == pytest.approx(INCIDENT.unmount_time_s, abs=0.01)
    assert r["phases"]["fsck"] == pytest.approx(INCIDENT.fsck_time_s, abs=0.01)
    # from genw1's last good run to the start completing on sv2
    assert r["duration_s"] > (INCIDENT.failover_end - INCIDENT.monitor_error).total_seconds()
    html = narrative_html(incidents, "ja", b.zone)
    assert html.count('<p class="clpkit-incident">') == 3 and "フェイルオーバ" in html and "+09:00" not in html

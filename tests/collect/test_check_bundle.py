"""clpkit check-bundle: servers, kinds, spans, statistics types, clock and zone evidence."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner

from clpkit.bundle import open_bundle
from clpkit.cli import main
from clpkit.completeness import HOST_RECORD, check


def _run(*args):
    return CliRunner().invoke(main, ["check-bundle", *map(str, args)])


def _zone_records(collection, servers=("sv1", "sv2")):
    for name in servers:
        (collection / name / HOST_RECORD).write_text(json.dumps({"timezone": "Asia/Tokyo", "utc_offset": "+0900"}))


def _gaps(collection, *args):
    result = _run(collection, "--tz", "Asia/Tokyo", "--json", *args)
    return result, json.loads(result.stdout)["gaps"]


def test_a_whole_collection_with_zone_evidence_is_complete(collection):
    _zone_records(collection)
    result, gaps = _gaps(collection)
    assert gaps == [], gaps
    assert result.exit_code == 0


def test_without_zone_evidence_it_says_so_and_exits_1(collection):
    result, gaps = _gaps(collection)
    assert result.exit_code == 1
    zone = [g for g in gaps if "time-zone evidence" in g["what"]]
    assert zone and "sv1" in zone[0]["what"]
    assert zone[0]["command"].startswith("clpkit collect --config ")


def test_missing_server_of_clp_conf(collection):
    _zone_records(collection)
    shutil.rmtree(collection / "sv2")
    result, gaps = _gaps(collection)
    assert result.exit_code == 1
    missing = [g for g in gaps if "missing from the collection" in g["what"]]
    assert len(missing) == 1 and "sv2" in missing[0]["what"]
    assert "--hosts sv2" in missing[0]["command"] and "type5" in missing[0]["command"]


def test_collection_without_type5_and_type6(collection):
    _zone_records(collection)
    shutil.rmtree(collection / "sv2" / "perf")
    result, gaps = _gaps(collection)
    kinds = {g["kind"]: g for g in gaps if g["server"] == "sv2"}
    assert "type5" in kinds["mirror_stats"]["what"] and "-t type5" in kinds["mirror_stats"]["by_hand"]
    assert "--types type5" in kinds["mirror_stats"]["command"]
    assert "type6" in kinds["cluster_stats"]["what"] and "--types type6" in kinds["cluster_stats"]["command"]
    assert result.exit_code == 1


def test_incident_time_inside_outside_and_after(collection):
    _zone_records(collection)
    with open_bundle(collection) as b:
        spans = check(b, source=str(collection), tz="Asia/Tokyo").coverage
    nm = spans.filter(server="sv1", series="nm.log").row(0, named=True)
    inside = nm["first"] + (nm["last"] - nm["first"]) / 2
    result, gaps = _gaps(collection, "--at", inside.isoformat())
    assert not [g for g in gaps if g["server"] == "sv1" and g["kind"] == "module_log"], gaps
    late = nm["last"].replace(year=nm["last"].year + 1)
    result, gaps = _gaps(collection, "--at", late.isoformat())
    assert {g["server"] for g in gaps if "collect again" in g["what"]} == {"sv1", "sv2"}
    assert result.exit_code == 1


def test_rotated_series_before_its_first_row(collection):
    from datetime import timedelta

    _zone_records(collection)
    with open_bundle(collection) as b:
        spans = check(b, source=str(collection), tz="Asia/Tokyo").coverage
    rotated = spans.filter(rotated=True, kind="system_stats", server="sv1").row(0, named=True)
    result, gaps = _gaps(collection, "--at", (rotated["first"] - timedelta(hours=1)).isoformat())
    hits = [g for g in gaps if g["server"] == "sv1" and g["kind"] == "system_stats"]
    assert hits and "rotation may have dropped" in hits[0]["what"] and hits[0]["command"] is None
    never_rotated = spans.filter(rotated=False, server="sv1", series="rc.log")
    assert never_rotated.height == 1  # a series that never rotated is not reported before its first row
    assert not [g for g in gaps if g["server"] == "sv1" and "rc.log" in g["what"]]


def test_an_incident_time_with_an_offset_is_read_in_the_servers_zone(collection):
    """The servers' last row as a Tokyo wall time: the same instant in UTC is inside; the same wall time in UTC is later."""
    from datetime import timedelta, timezone
    from zoneinfo import ZoneInfo

    _zone_records(collection)
    with open_bundle(collection) as b:
        spans = check(b, source=str(collection), tz="Asia/Tokyo").coverage
    last = spans.filter(server="sv1").get_column("last").max() - timedelta(seconds=1)
    instant = last.replace(tzinfo=ZoneInfo("Asia/Tokyo")).astimezone(timezone.utc)
    result, gaps = _gaps(collection, "--at", instant.isoformat())
    assert not [g for g in gaps if "collect again" in g["what"]], gaps
    result, gaps = _gaps(collection, "--at", last.replace(tzinfo=timezone.utc).isoformat())
    assert {g["server"] for g in gaps if "collect again" in g["what"]} >= {"sv1"}, gaps


def test_without_tz_the_zone_is_detected_and_named(collection):
    """No --tz: the zone clpkit collect recorded is used, as for every other command, and the output says so."""
    _zone_records(collection)
    result = _run(collection, "--json")
    out = json.loads(result.stdout)
    assert out["tz"] == "Asia/Tokyo" and HOST_RECORD in out["zone_basis"], out["zone_basis"]
    assert out["gaps"] == [] and result.exit_code == 0
    text = _run(collection).stdout
    assert "read as Asia/Tokyo" in text and "zone: times in Asia/Tokyo" in text


def test_without_tz_the_offset_of_one_server_is_named_as_the_reason(collection):
    """The sample's sv2 syslog writes +09:00 and sv1's does not: sv1 is read in sv2's zone, and the gap says why."""
    out = json.loads(_run(collection, "--json").stdout)
    assert out["tz"] == "+09:00" and "syslog" in out["zone_basis"]
    zone_gap = [g for g in out["gaps"] if "time-zone evidence" in g["what"]]
    assert zone_gap and "for sv1 " in zone_gap[0]["what"] and "sv2/var/log/messages" in zone_gap[0]["what"], zone_gap


def test_without_tz_or_evidence_utc_is_assumed_aloud(collection):
    for log in collection.glob("sv*/var/log/messages*"):
        log.unlink()
    result = _run(collection, "--json")
    out = json.loads(result.stdout)
    assert out["tz"] == "UTC" and "assumed" in out["zone_basis"]
    zone_gap = [g for g in out["gaps"] if "time-zone evidence" in g["what"]]
    assert zone_gap and "UTC was assumed (give --tz)" in zone_gap[0]["what"], zone_gap
    assert result.exit_code == 1


def test_bad_time_and_bad_zone_are_one_line_errors(collection):
    for args in (["--at", "yesterday"], ["--tz", "Mars/Olympus"]):
        result = _run(collection, *args)
        assert result.exit_code == 2
        assert "Traceback" not in result.output and "clpkit:" in result.output


def test_damaged_file_is_a_gap(collection):
    _zone_records(collection)
    conf = collection / "sv1" / "etc" / "clp.conf"
    (collection / "sv2" / "etc" / "clp.conf").unlink()
    conf.write_bytes(conf.read_bytes()[:200])
    result, gaps = _gaps(collection)
    assert result.exit_code == 1
    assert any("no readable clp.conf" in g["what"] for g in gaps)
    assert any("problem(s) reading the collection" in g["what"] and "clp.conf" in g["what"] for g in gaps)

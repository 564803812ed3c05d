"""CSV and plain output of parse, events and summary; events filters; --json on ports; --kind help."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from clpkit import formats
from clpkit.cli import main
from clpkit.formats import alert_log

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "samples" / "bundle"


def run(*args: str):
    result = CliRunner().invoke(main, list(args))
    return result


@pytest.fixture()
def alert(tmp_path) -> Path:
    path = tmp_path / "alertlog.alt"
    path.write_bytes(alert_log.SAMPLE.encode())
    return path


def test_parse_csv_and_plain_print_every_row(alert):
    frame = formats.parse_file(alert)
    as_csv = run("parse", str(alert), "--csv")
    assert as_csv.exit_code == 0, as_csv.output
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(rows) == frame.height and list(rows[0]) == frame.columns
    assert rows[0]["time"].startswith(frame["time"][0].strftime("%Y-%m-%dT%H:%M:%S"))
    plain = run("parse", str(alert), "--plain").stdout.splitlines()
    assert len(plain) == frame.height and all(len(line.split("\t")) == frame.width for line in plain)
    assert "┆" not in "".join(plain) and "-" in plain[0].split("\t"), "no box drawing; '-' for a missing value"


def test_two_output_formats_are_one_clear_error(alert):
    both = run("parse", str(alert), "--csv", "--plain")
    assert both.exit_code == 2 and "choose one output format" in both.stderr
    assert len(both.stderr.strip().splitlines()) == 1


def test_kind_help_lists_every_kind():
    text = run("parse", "--help").stdout
    assert all(spec.kind in text for spec in formats.REGISTRY)


@pytest.mark.slow
def test_events_filters_and_plain_lines():
    every = json.loads(run("events", str(SAMPLE), "--json").stdout)["events"]
    res = run("events", str(SAMPLE), "--server", "sv1", "--level", "error", "--grep", "GENW1", "--plain")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    expected = [e for e in every if e["server"] == "sv1" and e["level"] == "error" and "genw1" in e["message"].lower()]
    assert len(lines) == len(expected) > 0
    for line in lines:
        time, server, level, kind, module, event_id, group, resource, monitor, message, where = line.split("\t")
        assert server == "sv1" and level == "error" and "genw1" in message.lower()
        assert time[-6:] in ("+09:00",), "times carry their zone"
        assert where.rsplit(":", 1)[1].isdigit() and "/" in where, "file:line of every event"
    assert any(line.split("\t")[8] == "genw1" for line in lines), "the monitor column is kept"
    assert "times in" in res.stderr, "how to read the times goes to stderr beside data"
    warnings = run("events", str(SAMPLE), "--level", "warning", "--plain").stdout.splitlines()
    assert {line.split("\t")[2] for line in warnings} == {"error", "warning"}


@pytest.mark.slow
def test_events_table_keeps_monitor_and_source_and_csv_has_every_column():
    table = run("events", str(SAMPLE), "--grep", "genw1", "--level", "error")
    assert table.exit_code == 0
    head = table.stdout
    assert "monitor" in head and "source" in head and "alertlog.alt:" in head
    rows = list(csv.DictReader(io.StringIO(run("events", str(SAMPLE), "--csv", "--grep", "mdw1").stdout)))
    assert rows and {"time", "server", "source", "line", "monitor", "message"} <= set(rows[0])


def test_events_bad_regex_is_one_line():
    res = run("events", str(SAMPLE), "--grep", "(")
    assert res.exit_code == 2 and "not a regular expression" in res.stderr
    assert "Traceback" not in res.output


def test_ports_json_flag_matches_format_json():
    conf = ROOT / "tests" / "reference" / "fixtures" / "three-servers.clp.conf"
    flag, fmt = run("ports", str(conf), "--json"), run("ports", str(conf), "--format", "json")
    assert flag.exit_code == 0 and json.loads(flag.stdout) == json.loads(fmt.stdout) != []
    clash = run("ports", str(conf), "--json", "--format", "nftables")
    assert clash.exit_code == 2


@pytest.mark.slow
def test_summary_min_avg_max_and_time_of_max_per_server():
    res = run("summary", str(SAMPLE), "--metric", "^mirror.sync_ack_time_max$", "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    rows = {r["instance"]: r for r in out["metrics"]}
    assert set(rows) == {"sv1:nmp1", "sv2:nmp1"}
    sv1 = rows["sv1:nmp1"]
    assert sv1["unit"] == "ms" and sv1["min"] <= sv1["avg"] <= sv1["max"] and sv1["max"] == pytest.approx(82417.36)
    assert sv1["time_of_max"].startswith("2026-01-01 03:11") and sv1["time_of_max"].endswith("+09:00")
    window = json.loads(run("summary", str(SAMPLE), "--metric", "^mirror.sync_ack_time_max$", "--server", "sv1",
                            "--since", "2026-01-01T03:00", "--until", "2026-01-01T03:05", "--json").stdout)["metrics"]
    assert len(window) == 1 and window[0]["samples"] == 5 and window[0]["max"] < sv1["max"]
    plain = run("summary", str(SAMPLE), "--metric", "^monitor", "--plain").stdout.splitlines()
    genw = [line.split("\t") for line in plain if "genw1" in line]
    assert genw and genw[0][0] == "monitor.elapsed_time" and float(genw[0][6]) == 60000.0

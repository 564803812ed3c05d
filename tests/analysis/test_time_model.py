"""One time model: the zone comes from --tz, the collection, or is said to be assumed; every time carries it.

Facts from the committed sample (its README): the servers' clocks run on
Asia/Tokyo; one syslog line is RFC 5424 with +09:00; the failover happened
on 2026-01-01 around 03:12 local time.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tarfile
from pathlib import Path

import polars as pl
import pytest

import clpkit
from clpkit import zone as zones
from clpkit.problems import ClpkitError

from .conftest import SAMPLE

JST = dt.timezone(dt.timedelta(hours=9))


def _collection(tmp_path: Path, extra: dict[str, bytes]) -> Path:
    """One server folder with an alert log line and the given extra files."""
    root = tmp_path / "sv1"
    (root / "alert" / "log").mkdir(parents=True)
    (root / "alert" / "log" / "alertlog.alt").write_bytes(b"")
    for name, data in extra.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


@pytest.mark.parametrize("command", ["events", "findings"])
def test_bad_zone_is_one_line_exit_2(clpkit_cli, command):
    res = clpkit_cli(command, SAMPLE, "--tz", "Mars/Olympus")
    assert res.code == 2 and res.exception is None, res.trace
    assert res.err.strip().count("\n") == 0 and "Mars/Olympus" in res.err and "unknown time zone" in res.err


def test_report_bad_zone_is_one_line_exit_2(clpkit_cli, tmp_path):
    res = clpkit_cli("report", SAMPLE, "--out", tmp_path / "out", "--tz", "Mars/Olympus")
    assert res.code == 2 and res.exception is None, res.trace
    assert res.err.strip().count("\n") == 0 and "Mars/Olympus" in res.err
    assert not (tmp_path / "out").exists()


def test_since_without_offset_is_in_the_servers_zone(clpkit_cli):
    res = clpkit_cli("events", SAMPLE, "--tz", "Asia/Tokyo", "--since", "2026-01-01T03:12", "--until",
                     "2026-01-01T03:14", "--json")
    assert res.code == 0, res.err
    events = json.loads(res.stdout)["events"]
    assert events, "the failover's events are at 03:12-03:14 Tokyo time"
    times = [dt.datetime.fromisoformat(e["time"]) for e in events]
    assert all(dt.datetime(2026, 1, 1, 3, 12, tzinfo=JST) <= t < dt.datetime(2026, 1, 1, 3, 14, tzinfo=JST) for t in times)
    assert all(e["time"].endswith("+09:00") for e in events)


def test_same_instant_with_an_offset_gives_the_same_events(clpkit_cli):
    local = clpkit_cli("events", SAMPLE, "--tz", "Asia/Tokyo", "--since", "2026-01-01T03:12", "--json")
    utc = clpkit_cli("events", SAMPLE, "--tz", "Asia/Tokyo", "--since", "2025-12-31T18:12:00+00:00", "--json")
    assert json.loads(local.stdout)["events"] == json.loads(utc.stdout)["events"]


def test_findings_print_their_zone(clpkit_cli):
    res = clpkit_cli("findings", SAMPLE, "--tz", "Asia/Tokyo")
    assert res.code == 0, res.err
    lines = res.stdout.splitlines()
    assert lines[0] == "times in Asia/Tokyo (given with --tz)"
    stamped = [line for line in lines[1:] if not line.startswith(" ")]
    assert stamped and all(line[19:25] == "+09:00" for line in stamped)
    found = json.loads(clpkit_cli("findings", SAMPLE, "--tz", "Asia/Tokyo", "--json").stdout)
    assert found and all(f["time"] is None or f["time"].endswith("+09:00") for f in found)


def test_zone_detected_from_syslog_offsets_says_so(clpkit_cli):
    res = clpkit_cli("findings", SAMPLE)
    first = res.stdout.splitlines()[0]
    assert first.startswith("times in +09:00 (from the UTC offset of 1 syslog line(s)")
    assert "daylight saving not known" in first
    failover = next(f for f in json.loads(clpkit_cli("findings", SAMPLE, "--json").stdout) if f["code"] == "failover")
    assert failover["time"].startswith("2026-01-01T03:12") and failover["time"].endswith("+09:00")


def test_zone_detected_from_a_timezone_file(tmp_path):
    root = _collection(tmp_path, {"etc/timezone": b"Asia/Tokyo\n"})
    with clpkit.open_bundle(root) as b:
        assert b.zone.name == "Asia/Tokyo" and b.zone.kind == "file" and not b.zone.assumed
        assert b.zone.describe() == "times in Asia/Tokyo (from sv1/etc/timezone)"


def test_zone_detected_from_sysconfig_clock(tmp_path):
    root = _collection(tmp_path, {"etc/sysconfig/clock": b'ZONE="Asia/Tokyo"\nUTC=true\n'})
    with clpkit.open_bundle(root) as b:
        assert b.zone.name == "Asia/Tokyo" and b.zone.evidence == "sv1/etc/sysconfig/clock"


def test_unknown_zone_in_a_zone_file_is_a_note_not_a_crash(tmp_path):
    root = _collection(tmp_path, {"etc/timezone": b"Mars/Olympus\n"})
    with clpkit.open_bundle(root) as b:
        assert b.zone.assumed and b.zone.name == "UTC"
        assert any("Mars/Olympus" in n for n in b.zone.notes)


def test_daylight_saving_offsets_are_not_taken_as_one_zone(tmp_path):
    lines = (b"2026-03-01T01:00:00+01:00 sv1 kernel: x\n"
             b"2026-07-01T01:00:00+02:00 sv1 kernel: y\n")
    root = _collection(tmp_path, {"var/log/messages": lines})
    with clpkit.open_bundle(root) as b:
        assert b.zone.assumed and "+01:00, +02:00" in b.zone.notes[0]


def test_nothing_known_is_said_to_be_assumed(tmp_path):
    root = _collection(tmp_path, {})
    with clpkit.open_bundle(root) as b:
        assert b.zone.assumed and b.zone.name == "UTC"
        assert "assumed" in b.zone.describe() and "--tz" in b.zone.describe()


def test_tz_given_wins_over_the_collection(tmp_path):
    root = _collection(tmp_path, {"etc/timezone": b"Europe/Paris\n"})
    with clpkit.open_bundle(root, tz="Asia/Tokyo") as b:
        assert b.zone.name == "Asia/Tokyo" and b.zone.kind == "given"


def test_bad_zone_in_the_library_is_a_clpkit_error():
    with pytest.raises(ClpkitError, match="unknown time zone"):
        clpkit.open_bundle(SAMPLE, tz="Mars/Olympus")
    for bad in ("", "+25:00", "Asia/Tokyo\0", "../../etc/passwd"):
        with pytest.raises(ClpkitError):
            zones.check(bad)


def test_bounds_and_display():
    tokyo = zones.given("Asia/Tokyo")
    assert zones.bound("2026-01-01T03:00", tokyo, "--since") == dt.datetime(2025, 12, 31, 18, tzinfo=dt.UTC)
    assert zones.local_bound("2026-01-01T03:00+00:00", tokyo, "--since") == dt.datetime(2026, 1, 1, 12)
    assert zones.show(dt.datetime(2025, 12, 31, 18, tzinfo=dt.UTC), tokyo) == "2026-01-01 03:00:00+09:00"
    with pytest.raises(ClpkitError, match="not an ISO time"):
        zones.bound("yesterday", tokyo, "--since")


def test_report_window_reads_bounds_in_the_zone():
    from clpkit.report import data

    frame = pl.DataFrame({"time": [dt.datetime(2026, 1, 1, h) for h in range(6)]})
    tokyo = zones.given("Asia/Tokyo")
    assert data.window(frame, "2026-01-01T03:00", "", zone=tokyo).height == 3
    # 03:00 Tokyo given as UTC: the same local rows.
    assert data.window(frame, "2025-12-31T18:00+00:00", "", zone=tokyo).height == 3
    aware = frame.with_columns(pl.col("time").dt.replace_time_zone("Asia/Tokyo"))
    assert data.window(aware, "2026-01-01T03:00", "", zone=tokyo).height == 3


def test_zone_file_in_a_tar_is_found(tmp_path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in {"sv1/alert/log/alertlog.alt": b"", "sv1/etc/timezone": b"Asia/Tokyo\n"}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path = tmp_path / "sv1.tar.gz"
    path.write_bytes(buf.getvalue())
    with clpkit.open_bundle(path) as b:
        assert b.zone.name == "Asia/Tokyo" and b.zone.evidence == "sv1.tar.gz/sv1/etc/timezone"


def _commands_with_tz():
    import click

    from clpkit.cli import main

    def walk(group, ctx, path):
        for name in group.list_commands(ctx):
            cmd = group.get_command(ctx, name)
            if isinstance(cmd, click.Group):
                yield from walk(cmd, click.Context(cmd, parent=ctx), [*path, name])
            elif any(p.name == "tz" for p in cmd.params):
                yield [*path, name], cmd

    return dict((" ".join(path), cmd) for path, cmd in walk(main, click.Context(main), []))


@pytest.mark.parametrize("zone", ["Mars/Olympus", "+25:00", "../../etc/passwd", "Asia/Tokyo\x00"])
def test_every_command_taking_tz_refuses_a_bad_zone_in_one_line(clpkit_cli, tmp_path, zone):
    """Found by walking the CLI, so a new command with --tz is checked too."""
    commands = _commands_with_tz()
    assert {"events", "findings", "report", "summary", "explain", "check-bundle"} <= set(commands)
    for name, cmd in commands.items():
        extra = ["--out", tmp_path / name] if any(p.name == "out" and p.required for p in cmd.params) else []
        res = clpkit_cli(*name.split(), SAMPLE, *extra, "--tz", zone)
        assert res.code == 2 and res.exception is None, (name, res.trace)
        assert res.err.strip().count("\n") == 0 and repr(zone) in res.err and "time zone" in res.err, (name, res.err)
        assert "Traceback" not in res.err


def test_line_offsets_finds_exactly_the_lines_an_anchored_stamp_pattern_finds():
    """The fast search gives what the plain definition gives, on lines built to confuse it."""
    import random
    import re

    anchored = re.compile(rb"(?m)^(?:<\d{1,3}>1 )?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(Z|[+-]\d\d:\d\d)[ \t]")
    pieces = [b"2026-03-08T01:59:59-05:00 ", b"2026-03-08T03:00:00.25-04:00\t", b"<34>1 2026-01-01T00:00:00Z ",
              b"<999>1 2026-01-01T00:00:00Z ", b"Nov 24 03:00:05 host ", b"T12:00:00+09:00 ", b"x2026-01-01T00:00:00Z ",
              b"2026-01-01T00:00:00+0900 ", b"2026-01-01 00:00:00+09:00 ", b"\r", b"TT", b"T", b"msg", b"\xff\xfe"]
    rng = random.Random(15)
    for _ in range(300):
        lines = [b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 4))) for _ in range(rng.randint(0, 12))]
        data = b"\n".join(lines)
        want = ["+00:00" if m.group(1) == b"Z" else m.group(1).decode() for m in anchored.finditer(data)]
        assert zones.line_offsets(data) == want, data
    assert zones.line_offsets(b"2026-01-01T00:00:00-05:00 a\n2026-07-01T00:00:00-04:00 b\n") == ["-05:00", "-04:00"]

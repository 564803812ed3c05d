"""The module logs inside emergency archives join ``module_log``; syslog's unrelated lines are counted.

The collection is written by hand here: one server with a loose ``rc.log.cur``,
an ``elog_rc0.tar.gz`` built with :mod:`tarfile` holding a snapshot of that log
(plus a member that must never be read) and a ``messages`` file mixing cluster
lines with other programs' lines.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import polars as pl
import pytest

import clpkit
from clpkit import events
from clpkit.ingest import ingest, read_table

LOOSE_RC = (
    "I 26/11/20 09:00:00.000[   2412] rc: activating resource exec1 of group failover1\n"
    "E 26/11/20 09:00:05.000[   2412] rc: activating exec1 has failed (99 : command is timeout)\n"
)
# the snapshot: a stray line no entry precedes (kept raw: a problem), the same error line, and a line
# the loose log no longer has
ARCHIVED_RC = (
    "stray text before any entry\n"
    "E 26/11/20 09:00:05.000[   2412] rc: activating exec1 has failed (99 : command is timeout)\n"
    "W 26/11/20 08:59:00.000[   2412] rc: group failover1 is slow to respond\n"
)
MESSAGES = (
    "Nov 20 09:00:05 sv1 clusterpro[2412]: <type: rc><event: 32> Activating exec1 resource has failed.(99 : command is timeout)\n"
    "Nov 20 09:00:06 sv1 kernel: e1000: eth0 NIC Link is Up\n"
    "\n"
    "Nov 20 09:00:07 sv1 systemd[1]: Started Session 7 of user root.\n"
    "Nov 20 09:00:09 sv1 expresscls: <type: rc><event: 40> Starting failover1 group.\n"
    "Nov 20 09:00:10 sv1 sshd[900]: Accepted publickey for root\n"
)
ARCHIVE_SOURCE = "sv1/log/elog_rc0.tar.gz"


def elog_archive(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, body in members.items():
            data = body.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 1795500000
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture
def collection(tmp_path: Path) -> Path:
    log = tmp_path / "sv1" / "log"
    log.mkdir(parents=True)
    (log / "rc.log.cur").write_text(LOOSE_RC)
    (log / "elog_rc0.tar.gz").write_bytes(
        elog_archive({"log/rc.log.cur": ARCHIVED_RC, "../outside.log.cur": "E 26/11/20 09:00:00.000[1] x: y\n"})
    )
    var = tmp_path / "sv1" / "var" / "log"
    var.mkdir(parents=True)
    (var / "messages").write_text(MESSAGES)
    (tmp_path / "sv1" / "etc").mkdir()  # log/ and etc/: an install root, one server
    return tmp_path / "sv1"


def test_archived_logs_are_rows_of_module_log_with_their_archive(collection):
    with clpkit.open_bundle(collection) as b:
        assert "module_log" in b.tables()
        t = b.table("module_log")
        loose = t.filter(pl.col("archive").is_null())
        assert loose.select("level", "source").rows() == [("I", "sv1/log/rc.log.cur"), ("E", "sv1/log/rc.log.cur")]
        assert loose.select("archive_module", "archive_generation").null_count().row(0) == (2, 2)
        archived = t.filter(pl.col("archive").is_not_null())
        assert archived.select("archive", "archive_module", "archive_generation", "server").unique().rows() == [
            ("elog_rc0.tar.gz", "rc", 0, "sv1")
        ]
        assert set(archived["source"]) == {f"{ARCHIVE_SOURCE}!log/rc.log.cur"}, "the unsafe member is never read"
        assert archived.select("line", "level", "module").rows() == [(1, None, "rc"), (2, "E", "rc"), (3, "W", "rc")]
        # a snapshot is not deduplicated against the loose log: the error line is in both
        error = "rc: activating exec1 has failed (99 : command is timeout)"
        assert t.filter(pl.col("text") == error)["source"].to_list() == [
            "sv1/log/rc.log.cur",
            f"{ARCHIVE_SOURCE}!log/rc.log.cur",
        ]


def test_member_log_problems_are_bundle_problems_and_skipped_lines_are_not(collection):
    with clpkit.open_bundle(collection) as b:
        problems = b.problems
        member = problems.filter(pl.col("file") == f"{ARCHIVE_SOURCE}!log/rc.log.cur")
        assert member.select("server", "line").rows() == [("sv1", 1)]
        assert problems.filter(pl.col("file").str.contains("messages")).is_empty()
        # the elog table lists the unsafe member with its problem; nothing else is a problem
        assert problems.height == 2, problems
        assert "refused: '..' in the member name" in problems.filter(pl.col("file") == ARCHIVE_SOURCE)["reason"][0]


def test_skipped_counts_the_unrelated_syslog_lines(collection):
    with clpkit.open_bundle(collection) as b:
        messages = b.skipped.filter(pl.col("source") == "sv1/var/log/messages")
        assert messages.rows() == [
            ("sv1", "sv1/var/log/messages", 6, 3, "not a cluster line"),
            ("sv1", "sv1/var/log/messages", 6, 1, "blank line"),
        ]
        assert b.table("syslog").height == 2  # 2 rows + 4 skipped = the 6 lines
        assert b.skipped_in(b.entries("syslog")[0]) == 4
        assert b.skipped_in(b.entries("module_log")[0]) == 0
        assert b.skipped.filter(pl.col("source") != "sv1/var/log/messages").is_empty()


def test_skipped_is_empty_without_syslog(tmp_path):
    log = tmp_path / "sv1" / "log"
    log.mkdir(parents=True)
    (log / "rc.log.cur").write_text(LOOSE_RC)
    (tmp_path / "sv1" / "etc").mkdir()
    with clpkit.open_bundle(tmp_path / "sv1") as b:
        assert b.skipped.is_empty() and b.skipped.columns == ["server", "source", "lines", "skipped", "reason"]
        assert b.table("module_log").filter(pl.col("archive").is_not_null()).is_empty()


def test_events_count_an_archived_line_once(collection):
    with clpkit.open_bundle(collection) as b:
        ev = events.events(b, module_log_levels=None)
        logs = ev.filter(pl.col("kind") == "module_log")
        assert logs["source"].to_list() == ["sv1/log/rc.log.cur", "sv1/log/rc.log.cur"]
        assert not logs["message"].str.contains("slow to respond").any(), "archived rows are not events"


def test_broken_archive_is_one_problem_and_the_rest_loads(collection):
    (collection / "log" / "elog_rm0.tar.gz").write_bytes(b"not a tar at all\n")
    with clpkit.open_bundle(collection) as b:
        assert b.table("module_log").height == 5
        broken = b.problems.filter(pl.col("file") == "sv1/log/elog_rm0.tar.gz")
        assert broken.height == 1 and "gzip" in broken["reason"][0]


def test_ingest_writes_the_archived_logs_and_the_skipped_total(collection, tmp_path):
    out = tmp_path / "ds"
    summary = ingest(collection, out, progress=False)
    assert summary["skipped"] == 4
    assert summary["tables"]["module_log"] == {"rows": 5, "files": 2}
    with clpkit.open_bundle(collection) as b:
        expected = b.table("module_log").sort("source", "line")
        assert summary["problems"] == b.problems.height == 2
    got = read_table(out, "module_log").collect().select(expected.columns).sort("source", "line")
    assert got.equals(expected)
    again = ingest(collection, out, progress=False)
    assert again["files"] == {"parsed": 0, "reused": 3, "removed": 0}
    assert again["skipped"] == 4 and again["tables"] == summary["tables"]
    (collection / "log" / "elog_rc0.tar.gz").unlink()
    gone = ingest(collection, out, progress=False)
    assert gone["tables"]["module_log"] == {"rows": 2, "files": 1}
    assert read_table(out, "module_log").collect().height == 2


def run_parse(*args: str) -> dict:
    res = subprocess.run([sys.executable, "-m", "clpkit", "parse", *args], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def test_cli_parse_summary_accounts_for_every_line(collection):
    messages = collection / "var" / "log" / "messages"
    summary = run_parse(str(messages), "--kind", "syslog", "--summary")
    assert (summary["kind"], summary["lines"], summary["rows"], summary["rejected"]) == ("syslog", 6, 2, 0)
    assert (summary["skipped"], summary["skipped_by_reason"]) == (4, {"not a cluster line": 3, "blank line": 1})
    assert run_parse(str(messages), "--summary")["skipped"] == 4, "detected from the name too"
    other = run_parse(str(collection / "log" / "rc.log.cur"), "--summary")
    assert list(other) == ["kind", "lines", "rows", "rejected", "skipped", "skipped_by_reason", "columns"]
    assert (other["lines"], other["rows"], other["skipped"], other["skipped_by_reason"]) == (2, 2, 0, {})

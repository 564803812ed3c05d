"""Folder inputs read regular files of the collection only, each under a per-file cap.

A FIFO named like a log must not hang, a link to /dev/zero must not read
without end, a link to /etc/shadow must not land in the data, and a folder
link to / must not make us walk the filesystem. Each refusal is a problem
naming the file; the rest of the collection loads.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

import clpkit
from clpkit.archive import Limits
from clpkit.bundle import read_capped
from bundle_fixtures import mirror_csv, write_server


@pytest.fixture
def deadline():
    """Fail (instead of hanging the suite) when the code under test blocks for 30 s."""

    def expired(signum, frame):
        raise TimeoutError("blocked for 30 s: a FIFO or a device was read")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(30)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.fixture
def hostile_folder(tmp_path) -> Path:
    root = tmp_path / "col"
    sv1 = write_server(root / "sv1", pre=None)
    disk = sv1 / "perf" / "disk"
    os.mkfifo(disk / "nmp2.cur")
    os.symlink("/dev/zero", disk / "nmp3.cur")
    os.symlink("/etc/shadow", sv1 / "etc" / "clp.conf")
    os.symlink("/", sv1 / "everything")
    os.symlink("nmp1.cur", disk / "nmp4.cur")  # a link inside the collection is read
    os.symlink("/", root / "sv9")  # a link beside the servers is not followed either
    return root


def test_only_regular_files_of_the_collection_are_read(hostile_folder, deadline):
    with clpkit.open_bundle(hostile_folder) as b:
        assert b.servers == ["sv1"]
        assert sorted(b.files["source"]) == [
            "col/sv1/perf/cluster/group/group.cur",
            "col/sv1/perf/disk/nmp1.cur",
            "col/sv1/perf/disk/nmp4.cur",
        ]
        assert b.config is None
        problems = {(r["file"], r["reason"]) for r in b.problems.iter_rows(named=True)}
        assert problems == {
            ("col/sv1/etc/clp.conf", "symbolic link to '/etc/shadow', outside the collection: not followed"),
            ("col/sv1/perf/disk/nmp2.cur", "a FIFO, not a regular file: not read"),
            ("col/sv1/perf/disk/nmp3.cur", "symbolic link to '/dev/zero', outside the collection: not followed"),
            ("col/sv9", "symbolic link to '/', outside the collection: not followed"),
        }
        assert b.table("mirror_stats").height == 2 * 5  # nmp1 and its in-collection link nmp4


def test_a_folder_link_to_root_is_not_walked(tmp_path, deadline):
    sv1 = write_server(tmp_path / "sv1", pre=None)
    os.symlink("/", sv1 / "log" / "root")
    with clpkit.open_bundle(sv1) as b:
        assert not any("/root/" in s for s in b.files["source"])
        assert len(b.files) == 2


def test_commands_name_each_refused_file_and_go_on(hostile_folder, deadline):
    from click.testing import CliRunner

    from clpkit.cli import main

    res = CliRunner().invoke(main, ["findings", str(hostile_folder)])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert res.exit_code == 0, res.stderr
    refused = [line for line in res.stderr.splitlines() if "not read" in line or "not followed" in line]
    assert len(refused) == 4, res.stderr
    assert all(line.startswith("clpkit: incomplete input: ") for line in refused)


def test_per_file_cap_on_folders(tmp_path):
    sv1 = write_server(tmp_path / "sv1", cur=(0, 50), pre=(0, 2))
    big = sv1 / "perf" / "disk" / "nmp1.cur"
    small = sv1 / "perf" / "disk" / "nmp1.pre"
    cap = small.stat().st_size + 10
    assert big.stat().st_size > cap
    with clpkit.open_bundle(sv1, limits=Limits(max_file_bytes=cap)) as b:
        assert b.problems.filter(file="sv1/perf/disk/nmp1.cur")["reason"].to_list() == [
            f"over the per-file cap of {cap} bytes: not read"
        ]
        assert b.table("mirror_stats")["source"].unique().to_list() == ["sv1/perf/disk/nmp1.pre"]


def test_read_capped_refuses_what_is_not_a_regular_file(tmp_path, deadline):
    fifo = tmp_path / "nmp1.cur"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="a FIFO, not a regular file"):
        read_capped(fifo, 1 << 20)
    with pytest.raises(OSError, match="a character device"):
        read_capped(Path("/dev/zero"), 1 << 20)
    plain = tmp_path / "nmp2.cur"
    plain.write_text(mirror_csv(0, 1))
    assert read_capped(plain, 1 << 20) == plain.read_bytes()
    with pytest.raises(OSError, match="per-file cap of 10 bytes"):
        read_capped(plain, 10)

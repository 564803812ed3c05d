"""Hostile archives: every refusal is a problem naming archive and member; the rest loads."""

from __future__ import annotations

import gzip
import io
import stat
import tarfile
import uuid
import zipfile
from pathlib import Path

import pytest

import clpkit
from clpkit.archive import Limits, _Stop, _Writer, extract
from bundle_fixtures import add_member, mirror_csv

GOOD = "sv1/perf/disk/nmp1.cur"


def hostile_tar(path: Path, members) -> Path:
    """A .tar.gz with one good mirror-statistics file first, then ``members``."""
    with tarfile.open(path, "w:gz") as tar:
        add_member(tar, GOOD, mirror_csv(0, 3).encode())
        for name, data, attrs in members:
            add_member(tar, name, data, **attrs)
    return path


def reasons(bundle) -> list[str]:
    return bundle.problems.filter(file="sv1.tar.gz")["reason"].to_list()


def test_traversal_absolute_and_links_out_are_refused(tmp_path):
    escape = f"clpkit-escape-{uuid.uuid4().hex}"
    archive = hostile_tar(
        tmp_path / "sv1.tar.gz",
        [
            (f"../../{escape}", b"x", {}),
            (f"/tmp/{escape}", b"x", {}),
            ("sv1/log/link-out", b"", {"type": tarfile.SYMTYPE, "linkname": "../../../../etc/passwd"}),
            ("sv1/log/link-abs", b"", {"type": tarfile.SYMTYPE, "linkname": "/etc/passwd"}),
            ("sv1/log/hard-out", b"", {"type": tarfile.LNKTYPE, "linkname": "../etc/shadow"}),
            ("sv1/dev/sda", b"", {"type": tarfile.BLKTYPE, "devmajor": 8, "devminor": 0}),
            ("sv1/dev/pipe", b"", {"type": tarfile.FIFOTYPE}),
        ],
    )
    with clpkit.open_bundle(archive) as b:
        got = reasons(b)
        assert b.problems.filter(file="sv1.tar.gz")["server"].unique().to_list() == ["sv1"]
        assert got == [
            f"member '../../{escape}': refused: '..' in the member name",
            f"member '/tmp/{escape}': refused: absolute member name",
            "member 'sv1/log/link-out': refused: link points outside the archive: '../../../../etc/passwd'",
            "member 'sv1/log/link-abs': refused: link points outside the archive: '/etc/passwd'",
            "member 'sv1/log/hard-out': refused: link points outside the archive: '../etc/shadow'",
            "member 'sv1/dev/sda': refused: device file or FIFO",
            "member 'sv1/dev/pipe': refused: device file or FIFO",
        ]
        # the good file still loads
        assert b.files["source"].to_list() == [f"sv1.tar.gz/{GOOD}"]
        root = Path(b.files["path"][0]).parents[3]
        on_disk = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if not p.is_dir())
        assert on_disk == [GOOD]
        assert not any(p.is_symlink() for p in root.rglob("*"))
    for parent in (tmp_path, tmp_path.parent, Path("/tmp")):
        assert not (parent / escape).exists()


def test_links_inside_the_archive_become_copies(tmp_path):
    archive = hostile_tar(
        tmp_path / "sv1.tar.gz",
        [
            ("sv1/perf/disk/nmp2.cur", b"", {"type": tarfile.SYMTYPE, "linkname": "nmp1.cur"}),
            ("sv1/perf/disk/nmp3.cur", b"", {"type": tarfile.LNKTYPE, "linkname": GOOD}),
        ],
    )
    with clpkit.open_bundle(archive) as b:
        assert reasons(b) == []
        paths = [Path(p) for p in b.files.sort("source")["path"]]
        assert [p.name for p in paths] == ["nmp1.cur", "nmp2.cur", "nmp3.cur"]
        assert not any(p.is_symlink() for p in paths)
        assert len({p.read_bytes() for p in paths}) == 1


def test_a_symlinked_folder_cannot_redirect_later_members(tmp_path):
    archive = hostile_tar(
        tmp_path / "sv1.tar.gz",
        [
            ("sv1/up", b"", {"type": tarfile.SYMTYPE, "linkname": "."}),
            ("sv1/up/x", b"data", {}),
        ],
    )
    with clpkit.open_bundle(archive) as b:
        # the link is refused when copied (a folder is not a file); x lands under a real folder
        assert reasons(b) == ["member 'sv1/up': refused: link target 'sv1' is not a file of the archive"]
        root = Path(b.files["path"][0]).parents[3]
        assert (root / "sv1" / "up" / "x").is_file() and not (root / "sv1" / "up").is_symlink()


def test_zip_traversal_and_symlink(tmp_path):
    path = tmp_path / "sv1.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(GOOD, mirror_csv(0, 3))
        zf.writestr("../evil.txt", "x")
        zf.writestr("C:/windows/evil.txt", "x")
        link = zipfile.ZipInfo("sv1/log/link-out")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, "../../../etc/passwd")
    with clpkit.open_bundle(path) as b:
        got = b.problems.filter(file="sv1.zip")["reason"].to_list()
        assert got == [
            "member '../evil.txt': refused: '..' in the member name",
            "member 'C:/windows/evil.txt': refused: absolute member name",
            "member 'sv1/log/link-out': refused: link points outside the archive: '../../../etc/passwd'",
        ]
        assert b.files["source"].to_list() == [f"sv1.zip/{GOOD}"]


def gzip_bomb(path: Path, declared: int, chunks: int) -> Path:
    """A .tar.gz whose member ``bomb.bin`` declares ``declared`` bytes of zeros.

    The gzip stream is the good member, then the bomb's header, then
    ``chunks`` copies of one compressed MiB of zeros (gzip allows concatenated
    members), so a gigabyte costs a few kilobytes to build.
    """
    head = io.BytesIO()
    with tarfile.open(fileobj=head, mode="w", format=tarfile.GNU_FORMAT) as tar:
        add_member(tar, GOOD, mirror_csv(0, 3).encode())
        info = tarfile.TarInfo("sv1/bomb.bin")
        info.size = declared
        head.write(info.tobuf(format=tarfile.GNU_FORMAT))
        tar.fileobj = io.BytesIO()  # header written by hand; keep the closing blocks out
    one_mib = gzip.compress(b"\0" * (1 << 20), compresslevel=9)
    with open(path, "wb") as out:
        out.write(gzip.compress(head.getvalue()))
        for _ in range(chunks):
            out.write(one_mib)
    return path


def test_decompression_bomb_is_stopped_at_the_cap(tmp_path):
    archive = gzip_bomb(tmp_path / "sv1.tar.gz", declared=1 << 30, chunks=1024)
    assert archive.stat().st_size < 2 << 20
    dest = tmp_path / "out"
    problems = extract(archive, dest, Limits(max_total_bytes=(1 << 30) - 1))
    assert [p.reason for p in problems] == [
        f"member 'sv1/bomb.bin': uncompressed-size cap of {(1 << 30) - 1} bytes reached; "
        "the member and the rest of the archive were not read"
    ]
    assert problems[0].file == str(archive)
    assert (dest / GOOD).is_file() and not (dest / "sv1" / "bomb.bin").exists()


def test_bomb_with_honest_small_members_is_counted_while_copying(tmp_path):
    """Several members each under the cap: the running total stops the one that crosses it."""
    path = tmp_path / "sv1.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        add_member(tar, GOOD, mirror_csv(0, 3).encode())
        for i in range(5):
            add_member(tar, f"sv1/fill{i}.bin", b"\0" * (3 << 20))
    with clpkit.open_bundle(path, limits=Limits(max_total_bytes=10 << 20)) as b:
        assert reasons(b) == [
            f"member 'sv1/fill3.bin': uncompressed-size cap of {10 << 20} bytes reached; "
            "the member and the rest of the archive were not read"
        ]
        assert b.files["source"].to_list() == [f"sv1.tar.gz/{GOOD}"]
        root = Path(b.files["path"][0]).parents[3]
        assert sorted(p.name for p in (root / "sv1").glob("fill*")) == ["fill0.bin", "fill1.bin", "fill2.bin"]


def test_default_limits_stop_a_terabyte_bomb_without_inflating_it(tmp_path):
    archive = gzip_bomb(tmp_path / "sv1.tar.gz", declared=1 << 40, chunks=4)
    with clpkit.open_bundle(archive) as b:
        assert reasons(b) == [
            f"member 'sv1/bomb.bin': uncompressed-size cap of {Limits().max_total_bytes} bytes reached; "
            "the member and the rest of the archive were not read"
        ]
        assert b.files["source"].to_list() == [f"sv1.tar.gz/{GOOD}"]


def test_bytes_are_counted_while_copying_whatever_the_header_says(tmp_path):
    """A stream longer than its declared size is still stopped at the cap."""
    writer = _Writer(tmp_path / "sv1.tar.gz", tmp_path / "out", Limits(max_total_bytes=1 << 20))
    with pytest.raises(_Stop):
        writer.write("sv1/liar.bin", ("sv1", "liar.bin"), io.BytesIO(bytes(8 << 20)), declared=10, mtime=None)
    assert writer.total <= 2 << 20, "reading stopped within one chunk of the cap"
    assert not (tmp_path / "out" / "sv1" / "liar.bin").exists()
    assert "member 'sv1/liar.bin': uncompressed-size cap" in writer.problems[0].reason


@pytest.mark.parametrize("suffix", [".tar.gz", ".zip"])
def test_member_count_cap(tmp_path, suffix):
    path = tmp_path / f"sv1{suffix}"
    names = [GOOD] + [f"sv1/log/f{i:02}.txt" for i in range(30)]
    if suffix == ".zip":
        with zipfile.ZipFile(path, "w") as zf:
            for n in names:
                zf.writestr(n, "x")
    else:
        with tarfile.open(path, "w:gz") as tar:
            for n in names:
                add_member(tar, n, b"x")
    with clpkit.open_bundle(path, limits=Limits(max_members=10)) as b:
        assert b.problems.filter(file=path.name)["reason"].to_list() == [
            "member 'sv1/log/f09.txt': member-count cap of 10 reached; the rest of the archive was not read"
        ]
        assert b.files["source"].to_list() == [f"{path.name}/{GOOD}"]


def test_unreadable_archive_is_a_problem_and_other_inputs_load(tmp_path):
    bad = tmp_path / "sv2.tar.gz"
    bad.write_bytes(b"not gzip at all")
    good = hostile_tar(tmp_path / "sv1.tar.gz", [])
    with clpkit.open_bundle([good, bad]) as b:
        assert b.servers == ["sv1"]
        (reason,) = b.problems.filter(file="sv2.tar.gz")["reason"].to_list()
        assert reason.startswith("unreadable archive")
        assert b.files["source"].to_list() == [f"sv1.tar.gz/{GOOD}"]

"""Archives as they arrive from broken clusters: non-UTF-8 names, duplicate members, damaged bytes.

Nothing here may be fatal or silent: a Shift_JIS folder name is shown
decoded, two members with one name are both named in a problem, a damaged
header or a damaged gzip stream is a problem that says what was lost, and
the members around the damage still load.
"""

from __future__ import annotations

import gzip
import io
import os
import random
import tarfile
from pathlib import Path

import clpkit
from clpkit.archive import extract
from bundle_fixtures import add_member, mirror_csv, write_server

SJIS_LOG = "ログ"  # "log" in katakana; in Shift_JIS: 83 8D 83 4F


def test_shift_jis_member_names_are_kept_decoded(tmp_path):
    path = tmp_path / "sv1.tar.gz"
    with tarfile.open(path, "w:gz", format=tarfile.GNU_FORMAT, encoding="shift_jis") as tar:
        add_member(tar, "sv1/perf/disk/nmp1.cur", mirror_csv(0, 3).encode())
        add_member(tar, f"sv1/perf/{SJIS_LOG}/nmp2.cur", mirror_csv(10, 3).encode())
    raw = gzip.decompress(path.read_bytes())
    assert SJIS_LOG.encode("shift_jis") in raw and SJIS_LOG.encode("utf-8") not in raw
    with clpkit.open_bundle(path) as b:
        assert sorted(b.files["source"]) == [
            "sv1.tar.gz/sv1/perf/disk/nmp1.cur",
            f"sv1.tar.gz/sv1/perf/{SJIS_LOG}/nmp2.cur",
        ]
        assert b.table("mirror_stats").height == 6
        assert b.problems.is_empty()


def test_non_utf8_names_in_a_folder_are_kept_decoded(tmp_path):
    sv1 = write_server(tmp_path / "sv1", pre=None)
    os.rename(sv1 / "perf" / "disk", os.path.join(os.fsencode(sv1 / "perf"), SJIS_LOG.encode("shift_jis")))
    with clpkit.open_bundle(sv1) as b:
        assert f"sv1/perf/{SJIS_LOG}/nmp1.cur" in b.files["source"].to_list()
        assert b.table("mirror_stats")["source"].unique().to_list() == [f"sv1/perf/{SJIS_LOG}/nmp1.cur"]


def test_undecodable_bytes_are_escaped_not_fatal(tmp_path):
    path = tmp_path / "sv1.tar"
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT, encoding="latin-1") as tar:
        add_member(tar, "sv1/perf/disk/nmp1.cur", mirror_csv(0, 3).encode())
        add_member(tar, "sv1/\xff\xfe/nmp2.cur", mirror_csv(10, 3).encode())
    with clpkit.open_bundle(path) as b:
        assert "sv1.tar/sv1/%FF%FE/nmp2.cur" in b.files["source"].to_list()


def _duplicates(tmp_path: Path, second: bytes) -> Path:
    path = tmp_path / "sv1.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        add_member(tar, "sv1/perf/disk/nmp1.cur", mirror_csv(0, 3).encode())
        add_member(tar, "sv1/perf/disk/nmp1.cur", second)
    return path


def test_duplicate_members_are_both_reported(tmp_path):
    later = mirror_csv(5, 4).encode()
    with clpkit.open_bundle(_duplicates(tmp_path, later)) as b:
        first = len(mirror_csv(0, 3).encode())
        assert b.problems["reason"].to_list() == [
            f"member 'sv1/perf/disk/nmp1.cur': 2 members with this name ({first} bytes, {len(later)} bytes, "
            "different contents): the last one was read; the earlier copies were not read"
        ]
        assert b.table("mirror_stats").height == 4


def test_identical_duplicates_are_named_as_such(tmp_path):
    same = mirror_csv(0, 3).encode()
    with clpkit.open_bundle(_duplicates(tmp_path, same)) as b:
        (reason,) = b.problems["reason"].to_list()
        assert "2 members with this name" in reason and "identical copies" in reason
        assert "not read" not in reason


def _tar_of_five() -> tuple[bytes, list[tarfile.TarInfo]]:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for i in range(1, 6):
            add_member(tar, f"sv1/perf/disk/nmp{i}.cur", mirror_csv(i * 100, 200).encode())
    raw = buf.getvalue()
    return raw, tarfile.open(fileobj=io.BytesIO(raw)).getmembers()


def test_64_damaged_bytes_in_a_header_are_a_problem_saying_what_was_lost(tmp_path):
    raw, members = _tar_of_five()
    hit = members[2]
    damaged = bytearray(raw)
    damaged[hit.offset : hit.offset + 64] = b"\xde\xad" * 32
    path = tmp_path / "sv1.tar.gz"
    path.write_bytes(gzip.compress(bytes(damaged)))
    with clpkit.open_bundle(path) as b:
        skipped = hit.offset_data - hit.offset + -(-hit.size // 512) * 512
        assert b.problems["reason"].to_list() == [
            f"damaged member header at byte {hit.offset}: {skipped} bytes skipped (the member there is lost) "
            "after 'sv1/perf/disk/nmp2.cur', before 'sv1/perf/disk/nmp4.cur'"
        ]
        # the members after the damage still load (tarfile alone would have stopped there)
        assert sorted(Path(s).name for s in b.files["source"]) == ["nmp1.cur", "nmp2.cur", "nmp4.cur", "nmp5.cur"]


def test_64_damaged_bytes_in_the_gzip_stream_are_a_problem(tmp_path):
    raw, _ = _tar_of_five()
    packed = bytearray(gzip.compress(raw))
    middle = len(packed) // 2
    packed[middle : middle + 64] = bytes(random.Random(14).randrange(256) for _ in range(64))
    path = tmp_path / "sv1.tar.gz"
    path.write_bytes(bytes(packed))
    problems = [p.reason for p in extract(path, tmp_path / "out")]
    assert problems, "damaged compressed bytes must not pass as data"
    assert any(r.startswith("damaged archive: its checksum does not match") for r in problems) or any(
        r.startswith("unreadable archive: damaged after member") for r in problems
    ), problems


def test_truncated_archive_says_after_which_member(tmp_path):
    raw, members = _tar_of_five()
    path = tmp_path / "sv1.tar.gz"
    path.write_bytes(gzip.compress(raw)[: len(gzip.compress(raw)) * 2 // 3])
    (reason,) = [p.reason for p in extract(path, tmp_path / "out")]
    assert reason.startswith("unreadable archive: damaged after member 'sv1/perf/disk/nmp"), reason
    assert "the rest of the archive was not read" in reason


def test_a_tar_cut_inside_a_member_header_says_so(tmp_path):
    """tarfile takes a header cut short for the end of the archive and says nothing."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        add_member(tar, "sv1/perf/disk/nmp1.cur", mirror_csv(0, 3).encode())
        add_member(tar, "sv1/perf/disk/nmp2.cur", mirror_csv(10, 3).encode())
    first = 512 + -(-len(mirror_csv(0, 3).encode()) // 512) * 512
    path = tmp_path / "sv1.tar"
    path.write_bytes(buf.getvalue()[: first + 300])
    problems = extract(path, tmp_path / "out")
    assert [p.reason for p in problems] == [
        "unreadable archive: damaged after member 'sv1/perf/disk/nmp1.cur' (1 files read): the rest of the archive "
        "was not read: the archive ends inside a member header (300 of its 512 bytes)"
    ]
    assert (tmp_path / "out" / "sv1/perf/disk/nmp1.cur").read_text() == mirror_csv(0, 3)


def test_a_file_with_no_tar_header_is_unreadable_not_a_skipped_member(tmp_path):
    path = tmp_path / "sv1.tar"
    path.write_bytes(bytes(random.Random(1).randrange(1, 256) for _ in range(4096)))
    assert [p.reason for p in extract(path, tmp_path / "out")] == [
        "unreadable archive: not a tar archive (no valid member header in 4096 bytes)"
    ]

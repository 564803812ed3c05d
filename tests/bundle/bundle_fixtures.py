"""Small hand-written collections in the documented formats (SPEC 3.2, 3.4).

They do not depend on the sample generator: each test builds exactly the
tree it needs with :func:`write_server` and, when it needs one, packs it with
:func:`pack`. The ``two_servers`` fixture is imported by the test modules that use it.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest

#: Mirror statistics header in the order the vendor's exporter reads (SPEC 3.2).
MIRROR_HEADER = [
    "Date", "Write, Total", "Write, Avg", "Read, Total", "Read, Avg", "Local Disk Write, Total",
    "Local Disk Write, Avg", "Local Disk Read, Total", "Local Disk Read, Avg", "Send, Total", "Send, Avg",
    "Compress Ratio", "Sync Time, Max", "Sync Time, Avg", "Sync Ack Time, Max", "Sync Ack Time, Cur",
    "Recovery Ack Time, Max", "Recovery Ack Time, Max2", "Recovery Ack Time, Cur", "Sync Diff, Max",
    "Sync Diff, Cur", "Send Queue, Max", "Send Queue, Max2", "Send Queue, Cur", "Request Queue, Max",
    "Request Queue, Max2", "Request Queue, Cur", "MDC HB Time, Max", "MDC HB Time, Max2", "MDC HB Time, Cur",
    "Local-Write Watiting Recovery-Read Time, Total", "Local-Write Watiting Recovery-Read Time, Total2",
    "Recovery-Read Waiting Local-Write Time, Total", "Recovery-Read Waiting Local-Write Time, Total2",
    "Unmount Time, Max", "Unmount Time, Last", "Fsck Time, Max", "Fsck Time, Last",
]
CLUSTER_HEADER = '"Date","Name","Action","Result","ReturnCode","StartTime","EndTime","ElapsedTime(ms)"'
T0 = datetime(2026, 11, 20, 9, 0, 0)


def mirror_rows(start: int, count: int) -> list[str]:
    """``count`` one-minute samples starting ``start`` minutes after T0; column 1 is the minute."""
    rows = []
    for i in range(start, start + count):
        stamp = (T0 + timedelta(minutes=i)).strftime("%Y/%m/%d %H:%M:%S")
        values = [str(i)] + ["0"] * (len(MIRROR_HEADER) - 2)
        rows.append(",".join(f'"{v}"' for v in [stamp, *values]))
    return rows


def mirror_csv(start: int, count: int, extra: list[str] = ()) -> str:
    head = ",".join(f'"{h}"' for h in MIRROR_HEADER)
    return "\n".join([head, *mirror_rows(start, count), *extra]) + "\n"


def cluster_csv(name: str, minutes: list[int]) -> str:
    rows = [CLUSTER_HEADER]
    for m in minutes:
        end = (T0 + timedelta(minutes=m)).strftime("%Y/%m/%d %H:%M:%S.000")
        start = (T0 + timedelta(minutes=m, seconds=-7)).strftime("%Y/%m/%d %H:%M:%S.000")
        rows.append(f'"{end}","{name}","Start","Success",,"{start}","{end}","7000"')
    return "\n".join(rows) + "\n"


def write_server(
    root: Path, *, cur: tuple[int, int] = (10, 5), pre: tuple[int, int] | None = (0, 11), conf: str | None = None
) -> Path:
    """One server's collection: nmp1.cur (+ .pre), group.cur, an unrelated file, etc/clp.conf if given.

    With the defaults the last row of nmp1.pre (minute 10) is repeated as the
    first row of nmp1.cur, as a rotation can leave it.
    """
    (root / "perf" / "disk").mkdir(parents=True, exist_ok=True)
    (root / "perf" / "disk" / "nmp1.cur").write_text(mirror_csv(*cur))
    if pre:
        (root / "perf" / "disk" / "nmp1.pre").write_text(mirror_csv(*pre))
    (root / "perf" / "cluster" / "group").mkdir(parents=True, exist_ok=True)
    (root / "perf" / "cluster" / "group" / "group.cur").write_text(cluster_csv("failover1", [3, 40]))
    (root / "etc").mkdir(exist_ok=True)
    if conf is not None:
        (root / "etc" / "clp.conf").write_text(conf)
    (root / "log").mkdir(exist_ok=True)
    (root / "log" / "readme.txt").write_text("not a cluster file\n")
    return root


def pack(src: Path, dest: Path, prefix: str = "") -> Path:
    """Pack a folder as .tar.gz/.tgz/.tar/.zip (chosen by dest's name)."""
    files = sorted(p for p in src.rglob("*") if p.is_file())
    if dest.name.endswith(".zip"):
        with zipfile.ZipFile(dest, "w") as zf:
            for p in files:
                zf.write(p, prefix + p.relative_to(src).as_posix())
    else:
        mode = "w" if dest.name.endswith(".tar") else "w:gz"
        with tarfile.open(dest, mode) as tar:
            for p in files:
                tar.add(p, prefix + p.relative_to(src).as_posix())
    return dest


def add_member(tar: tarfile.TarFile, name: str, data: bytes = b"", **attrs) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    for key, value in attrs.items():
        setattr(info, key, value)
    tar.addfile(info, io.BytesIO(data) if info.isreg() else None)


@pytest.fixture
def two_servers(tmp_path) -> Path:
    """collection/sv1, collection/sv2 as plain folders."""
    root = tmp_path / "collection"
    write_server(root / "sv1")
    write_server(root / "sv2", pre=None)
    return root

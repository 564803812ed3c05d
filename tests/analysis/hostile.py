"""A generated corpus of hostile inputs for the hostile-input suite (issue 14).

Each :class:`Case` builds one collection: server ``sv1`` (a folder, one good
mirror-statistics file) beside server ``sv2``, which holds one more good
mirror-statistics file and the hostile input (a damaged file of one format,
a damaged or hostile archive, a file the folder walk must not read, a
hostile clp.conf). The good files' rows are known, so a case checks that the
rest of the collection still loads.

Parser cases are every format of :data:`clpkit.formats.REGISTRY` (its own
``SAMPLE``) times every damage of :data:`DAMAGES` that applies to it; the
archive, folder and clp.conf cases are written out one by one. Whether a case
must produce a problem is stated with the case (``flags``): a damage a parser
cannot see (a cut in the middle of free text) only has to leave every line
accounted for.
"""

from __future__ import annotations

import gzip
import io
import os
import random
import re
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from clpkit import formats

GOOD = formats.by_kind("mirror_stats").load().SAMPLE.encode()
GOOD_ROWS = GOOD.decode().strip().count("\n")  # header excluded

#: Where each kind's hostile file lives in sv2 (a name its registry pattern matches).
PLACES = {
    "mirror_stats": "perf/disk/nmp2.cur",
    "system_stats": "log/system/system.cur",
    "cluster_stats": "perf/cluster/group/group.cur",
    "module_log": "log/rc.log.cur",
    "service_log": "log/init_md.start.cur",
    "elog": "log/elog_rc0.tar.gz",
    "alert_log": "alert/log/alertlog.alt",
    "syslog": "var/log/messages",
    "clp_conf": "etc/clp.conf",
    "clpstat": "clpstat.txt",
    "clpmdstat": "clpmdstat_md1.txt",
}
#: Formats whose first line is a header naming the columns.
CSV_KINDS = {"mirror_stats", "system_stats", "cluster_stats"}
TEXT_KINDS = set(PLACES) - {"elog", "clp_conf"}


@dataclass
class Case:
    """One hostile input: ``build(root)`` writes the collection below root and returns what to open.

    ``damaged``: the source (as the bundle names it) a problem must name,
    ``flags``: whether a problem about it is required, ``line``: the line it
    must name (None: any, or none for a whole-file problem), ``reason``: a
    pattern the reason must match. ``sv2_good``: sv2's good file survives.
    """

    name: str
    category: str
    build: Callable[[Path], Path]
    damaged: str
    flags: bool = True
    line: int | None = None
    reason: str = r"\w"
    sv2_good: bool = True
    extra: dict = field(default_factory=dict)


def good_server(root: Path) -> Path:
    (root / "perf" / "disk").mkdir(parents=True, exist_ok=True)
    (root / "perf" / "disk" / "nmp1.cur").write_bytes(GOOD)
    return root


def collection(root: Path, place: str, data: bytes) -> Path:
    """col/sv1 (good) and col/sv2 (good file plus ``data`` at ``place``)."""
    col = root / "col"
    good_server(col / "sv1")
    good_server(col / "sv2")
    target = col / "sv2" / place
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return col


def sample(kind: str) -> bytes:
    s = formats.by_kind(kind).load().SAMPLE
    return s if isinstance(s, bytes) else s.encode()


# --- damages of a text file ---------------------------------------------------------------------
# Each takes the sample's bytes and gives the damaged bytes and the 1-based line a parser must
# reject (None: the whole file is refused, or the damage cannot be seen: see FLAGS).


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _join(lines: list[bytes]) -> bytes:
    return b"\n".join(lines)


def _noise(n: int, seed: int = 14) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.randrange(256) for _ in range(n))


def truncated(data: bytes) -> bytes:
    """Cut in the middle of the second line (a copy that stopped)."""
    lines = _lines(data)
    cut = len(b"\n".join(lines[:1])) + 1 + len(lines[1]) // 2
    return data[:cut]


def cut_character(data: bytes) -> bytes:
    """The file ends inside a UTF-8 character."""
    return data.rstrip(b"\n") + " 失敗".encode()[:-1]


def binary(data: bytes) -> bytes:
    return _noise(4096)


def nul_bytes(data: bytes) -> bytes:
    lines = _lines(data)
    lines[1] = lines[1][:5] + b"\0\0\0" + lines[1][5:]
    return _join(lines)


def huge_line(data: bytes) -> bytes:
    """A second line of 4 MiB (no line end for a long way)."""
    lines = _lines(data)
    lines.insert(1, lines[1][:20] + b"x" * (4 << 20))
    return _join(lines)


def bad_encoding(data: bytes) -> bytes:
    lines = _lines(data)
    lines[1] = lines[1] + b" \xff\xfe\x80\x81"
    return _join(lines)


def shift_jis(data: bytes) -> bytes:
    lines = _lines(data)
    lines[1] = lines[1] + " リソースの活性に失敗しました".encode("shift_jis")
    return _join(lines)


def fewer_columns(data: bytes) -> bytes:
    lines = _lines(data)
    lines[1] = lines[1].rsplit(b",", 1)[0] if b"," in lines[1] else lines[1][:10]
    return _join(lines)


def more_columns(data: bytes) -> bytes:
    lines = _lines(data)
    lines[1] = lines[1] + b',"1","2","3"'
    return _join(lines)


_STAMP = re.compile(rb"(\d{2,4})/(\d{2})/(\d{2}) (\d{2}):(\d{2}):(\d{2})|[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}")


def _restamp(data: bytes, stamp: Callable[[re.Match], bytes]) -> bytes:
    lines = _lines(data)
    i = next(i for i, line in enumerate(lines) if _STAMP.search(line))
    lines[i] = _STAMP.sub(stamp, lines[i], count=1)
    return _join(lines)


def impossible_time(data: bytes) -> bytes:
    """Month 13, hour 25 in the first time stamp."""
    return _restamp(data, lambda m: (f"{m[1].decode()}/13/32 25:61:61" if m[1] else "Nov 31 25:61:61").encode())


def leap_second(data: bytes) -> bytes:
    return _restamp(data, lambda m: (f"{m[1].decode()}/12/31 23:59:60" if m[1] else "Dec 31 23:59:60").encode())


def year_zero(data: bytes) -> bytes:
    return _restamp(data, lambda m: (("0000" if len(m[1]) == 4 else "00") + "/00/00 00:00:00" if m[1] else "Jan  0 00:00:00").encode())


def bare_cr(data: bytes) -> bytes:
    lines = _lines(data)
    lines[1] = lines[1][:12] + b"\r" + lines[1][12:]
    return _join(lines)


def empty(data: bytes) -> bytes:
    return b""


def header_only(data: bytes) -> bytes:
    return _lines(data)[0] + b"\n"


def bom_and_crlf(data: bytes) -> bytes:
    return b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")


def repeated_blank_and_header(data: bytes) -> bytes:
    lines = _lines(data)
    return _join([lines[0], b"", lines[0], *lines[1:], b"", b""])


#: damage -> (function, kinds it applies to)
DAMAGES: dict[str, tuple[Callable[[bytes], bytes], set[str]]] = {
    "truncated": (truncated, TEXT_KINDS),
    "cut inside a character": (cut_character, TEXT_KINDS),
    "binary": (binary, TEXT_KINDS | {"elog", "clp_conf"}),
    "NUL bytes": (nul_bytes, TEXT_KINDS),
    "huge line": (huge_line, TEXT_KINDS),
    "invalid UTF-8": (bad_encoding, TEXT_KINDS),
    "Shift_JIS text": (shift_jis, TEXT_KINDS),
    "fewer columns": (fewer_columns, CSV_KINDS),
    "more columns": (more_columns, CSV_KINDS),
    "impossible time": (impossible_time, CSV_KINDS | {"module_log", "service_log", "alert_log", "syslog"}),
    "leap second": (leap_second, CSV_KINDS | {"module_log", "service_log", "alert_log", "syslog"}),
    "year zero": (year_zero, CSV_KINDS | {"module_log", "service_log", "alert_log"}),
    "bare CR": (bare_cr, TEXT_KINDS),
    "empty": (empty, TEXT_KINDS | {"elog", "clp_conf"}),
    "header only": (header_only, CSV_KINDS),
    "BOM and CRLF": (bom_and_crlf, TEXT_KINDS),
    "blank and repeated header": (repeated_blank_and_header, CSV_KINDS),
}


def parser_cases() -> list[Case]:
    cases = []
    for kind, place in PLACES.items():
        for damage, (fn, kinds) in DAMAGES.items():
            if kind not in kinds:
                continue
            data = fn(sample(kind))
            cases.append(
                Case(
                    f"{kind}: {damage}",
                    "parsers",
                    lambda root, place=place, data=data: collection(root, place, data),
                    f"col/sv2/{place}",
                    flags=expected_flag(kind, damage),
                )
            )
    return cases


#: Damages that change nothing a parser may object to: the file's rows must be exactly the sample's.
HARMLESS = {"empty", "header only", "BOM and CRLF", "blank and repeated header"}
#: Formats whose lines carry free text after their prefix (or are free text), where a cut, a NUL,
#: a long line or foreign bytes can be a message like any other: every line accounted for is enough.
FREE_TEXT = {"module_log", "service_log", "syslog", "clpstat", "clpmdstat"}
TEXT_DAMAGES = {"truncated", "cut inside a character", "NUL bytes", "huge line", "invalid UTF-8", "Shift_JIS text",
                "bare CR"}


def expected_flag(kind: str, damage: str) -> bool:
    """Whether the damage must give a problem naming the file."""
    if kind == "clp_conf":
        return True  # an empty or binary clp.conf is no configuration: said, never taken for one
    if damage in HARMLESS:
        return False
    if kind in FREE_TEXT and damage in TEXT_DAMAGES:
        return False
    if kind == "syslog" and damage == "binary":
        return False  # lines of a system log that are not CLUSTERPRO's are counted skips, whatever they hold
    if kind == "alert_log" and damage in {"cut inside a character", "Shift_JIS text"}:
        return False  # the message is free text (Japanese in Shift_JIS on a Japanese system)
    return True


# --- archives ---------------------------------------------------------------------------------


def _tar(members: list[tuple[str, bytes]], *, encoding: str = "utf-8") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT, encoding=encoding) as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 1795490000
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _server_tar(extra: list[tuple[str, bytes]] = (), *, encoding: str = "utf-8") -> bytes:
    """sv2's collection as a .tar.gz: its good file, then ``extra`` members."""
    return gzip.compress(_tar([("sv2/perf/disk/nmp1.cur", GOOD), *extra], encoding=encoding), mtime=0)


def _filler(n: int) -> bytes:
    """``n`` bytes of module-log lines that do not compress away (so that a cut loses some)."""
    rng = random.Random(n)
    lines = (f"I 26/11/24 03:00:01.100[{rng.randrange(99999):7}] rc: value {rng.getrandbits(64):016x}\n" for _ in iter(int, 1))
    out = bytearray()
    while len(out) < n:
        out += next(lines).encode()
    return bytes(out)


def archive_collection(root: Path, name: str, data: bytes) -> Path:
    """col/sv1 (good folder) beside col/<name> (sv2's archive)."""
    col = root / "col"
    good_server(col / "sv1")
    (col / name).write_bytes(data)
    return col


def _corrupt(data: bytes, at: float, n: int = 64) -> bytes:
    i = int(len(data) * at)
    return data[:i] + _noise(n, seed=i) + data[i + n :]


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return buf.getvalue()


def _elog(members: list[tuple[str, bytes]]) -> bytes:
    return gzip.compress(_tar(members), mtime=0)


ELOG_LOG = sample("module_log")


def archive_cases() -> list[Case]:
    big = _server_tar([("sv2/log/rc.log.cur", _filler(200_000))])
    cases = [
        ("truncated collection archive", "sv2.tar.gz", big[: len(big) // 2], r"cut short|damaged|unreadable", True),
        ("64 corrupted bytes in a collection archive", "sv2.tar.gz", _corrupt(big, 0.5), r"damaged|unreadable|checksum", True),
        ("not an archive at all", "sv2.tar.gz", _noise(2048), r"unreadable archive", False),
        ("empty archive file", "sv2.tar.gz", b"", r"unreadable archive", False),
        ("plain tar cut in a header", "sv2.tar", _tar([("sv2/perf/disk/nmp1.cur", GOOD), ("sv2/log/rc.log.cur", ELOG_LOG)])[:2048 + 300],
         r"\w", True),
        ("duplicate members", "sv2.tar.gz", _server_tar([("sv2/perf/disk/nmp1.cur", GOOD + GOOD.splitlines(True)[1])]),
         r"2 members with this name", True),
        ("Shift_JIS member name", "sv2.tar.gz",
         _server_tar([("sv2/ログ/rc.log.cur", ELOG_LOG.replace(b"21/07/21 09:32:56", b"21/07/32 09:32:56"))],
                     encoding="shift_jis"),
         r"impossible date", True, "col/sv2.tar.gz/sv2/ログ/rc.log.cur"),
        ("zip with a damaged member", "sv2.zip",
         _corrupt(_zip([("sv2/log/rc.log.cur", _filler(50_000)), ("sv2/perf/disk/nmp1.cur", GOOD)]), 0.4, 16),
         r"\w", True),
        ("truncated zip", "sv2.zip", _zip([("sv2/perf/disk/nmp1.cur", GOOD)])[:-30], r"unreadable|damaged", False),
        ("traversal and absolute members", "sv2.tar.gz",
         _server_tar([("../../clpkit-hostile-escape", b"x"), ("/tmp/clpkit-hostile-abs", b"x")]), r"refused", True),
    ]
    out = [
        Case(name, "archives", lambda root, n=fname, d=data: archive_collection(root, n, d),
             where[0] if where else f"col/{fname}", reason=reason, sv2_good=keeps)
        for name, fname, data, reason, keeps, *where in cases
    ]
    elogs = [
        ("truncated elog", _elog([("log/rc.log.cur", _filler(100_000))])[:3000], r"cut short|not a readable"),
        ("elog with 64 corrupted bytes", _corrupt(_elog([("log/rc.log.cur", _filler(100_000))]), 0.5),
         r"checksum does not match|cut short"),
        ("elog with traversal member", _elog([("log/rc.log.cur", ELOG_LOG), ("../../etc/passwd", b"root")]),
         r"refused: '..'"),
        ("elog inside an elog", _elog([("log/elog_rc1.tar.gz", _elog([("log/rc.log.cur", ELOG_LOG)]))]), None),
        ("elog not gzip", _tar([("log/rc.log.cur", ELOG_LOG)]), r"no gzip magic"),
    ]
    for name, data, reason in elogs:
        out.append(Case(name, "archives", lambda root, d=data: collection(root, PLACES["elog"], d),
                        f"col/sv2/{PLACES['elog']}", flags=reason is not None, reason=reason or r"\w"))
    return out


# --- folders ----------------------------------------------------------------------------------


def _folder(make: Callable[[Path], None]) -> Callable[[Path], Path]:
    def build(root: Path) -> Path:
        col = collection(root, "log/readme.txt", b"not a cluster file\n")
        make(col / "sv2")
        return col

    return build


def _sjis_folder(sv2: Path) -> None:
    folder = os.path.join(os.fsencode(sv2 / "log"), "ログ".encode("shift_jis"))
    os.makedirs(folder)
    with open(os.path.join(folder, b"rc.log.cur"), "wb") as f:
        f.write(ELOG_LOG.replace(b"21/07/21 09:32:56", b"21/13/21 09:32:56"))


def folder_cases() -> list[Case]:
    cases = [
        ("FIFO named like statistics", lambda s: os.mkfifo(s / "perf/disk/nmp2.cur"), "perf/disk/nmp2.cur", "FIFO"),
        ("link to /dev/zero", lambda s: os.symlink("/dev/zero", s / "perf/disk/nmp2.cur"), "perf/disk/nmp2.cur",
         "outside the collection"),
        ("link to /etc/shadow as clp.conf", lambda s: (s / "etc").mkdir() or os.symlink("/etc/shadow", s / "etc/clp.conf"),
         "etc/clp.conf", "outside the collection"),
        ("dangling link", lambda s: os.symlink("nowhere/nmp9.cur", s / "perf/disk/nmp9.cur"), "perf/disk/nmp9.cur", r"\w"),
        ("folder named like statistics", lambda s: (s / "perf/disk/nmp2.cur").mkdir(), None, None),
        ("folder link to /", lambda s: os.symlink("/", s / "log/everything"), None, None),
        ("Shift_JIS folder name", _sjis_folder, "log/ログ/rc.log.cur", "impossible date"),
    ]
    return [
        Case(name, "folders", _folder(make), f"col/sv2/{where}" if where else "col/sv2", flags=where is not None,
             reason=reason or r"\w")
        for name, make, where, reason in cases
    ]


# --- clp.conf ---------------------------------------------------------------------------------

CONF = sample("clp_conf")


def conf_cases() -> list[Case]:
    deep = b'<?xml version="1.0"?>\n<root>\n' + b"<a>" * 5000 + b"</a>" * 5000 + b"\n</root>\n"
    laughs = (b'<?xml version="1.0"?>\n<!DOCTYPE root [<!ENTITY a "aaaaaaaaaa">'
              b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<root>&b;</root>\n')
    cases = [
        ("truncated XML", CONF[: len(CONF) // 2], r"malformed|XML|truncated"),
        ("declared rot13", CONF.replace(b'encoding="ASCII"', b'encoding="rot13"'), "rot13"),
        ("declared hex", CONF.replace(b'encoding="ASCII"', b'encoding="hex"'), "hex"),
        ("declared zlib", CONF.replace(b'encoding="ASCII"', b'encoding="zlib"'), "zlib"),
        ("deep nesting", deep, "nested deeper"),
        ("entity expansion", laughs, "DOCTYPE"),
        ("NUL bytes", CONF.replace(b"<root>", b"<root>\0\0"), r"\w"),
        ("not XML", b"this is not a configuration\n", r"\w"),
        ("undecodable bytes", CONF.replace(b"cluster1", b"clu\xff\xfester1"), "undecodable"),
        ("UTF-16 without a declaration", CONF.replace(b' encoding="ASCII"', b"").decode().encode("utf-16"), None),
    ]
    return [
        Case(f"clp.conf: {name}", "clp.conf", lambda root, d=data: collection(root, "etc/clp.conf", d),
             "col/sv2/etc/clp.conf", flags=reason is not None, reason=reason or r"\w")
        for name, data, reason in cases
    ]


def all_cases() -> list[Case]:
    return parser_cases() + archive_cases() + folder_cases() + conf_cases()

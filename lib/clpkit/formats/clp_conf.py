"""Cluster configuration ``clp.conf`` flattened into one row per element.

Where it lives: ``etc/clp.conf`` under the install root
(``/opt/nec/clusterpro``); a log collection carries a copy. It is XML with
root ``<root>``; the prolog declares the encoding: ASCII or UTF-8, EUC-JP for
a Japanese cluster (the vendor's own tools write EUC-JP), Shift_JIS from
Windows tools, GB2312 for a Chinese one. The standard library's XML parser
refuses multi-byte encodings, so the bytes are decoded here by the declared
name and the text is parsed; undecodable bytes become U+FFFD, are counted,
and mark the rows they land in (``problem``).

Each element that has a text value or attributes becomes a row whose
``path`` uses the notation of SPEC 3.7: ``a@x`` is element ``a`` whose
``name`` attribute is ``x`` (the ``id`` attribute for the elements listed in
:data:`ID_KEYED`). Attributes other than that key are rows of their own,
``<element path>/@<attribute>``. Nothing is interpreted here; the typed
model is :mod:`clpkit.config`.

>>> df = parse(SAMPLE)
>>> df.select("path", "value").rows()[:4]
[('/root/all/charset', 'ASCII'), ('/root/cluster/name', 'cluster1'), ('/root/server@sv1', None), ('/root/server@sv1/priority', '0')]
>>> df.filter(pl.col("path") == "/root/server@sv1/device@0/info")["value"].item()
'192.168.0.1'
>>> df.filter(pl.col("path") == "/root/group@failover1/resource@fip@fip1")["line"].item()
14
"""

from __future__ import annotations

import codecs
import re
import xml.parsers.expat

import polars as pl

from clpkit.formats import META_SCHEMA
from clpkit.problems import ParseError

KIND = "clp_conf"

#: Elements keyed by their ``id`` attribute instead of ``name`` (SPEC 3.7).
ID_KEYED = frozenset({"device", "list", "hba", "grp", "servers", "netdev", "smtpsrv", "snmpsrv"})

SCHEMA = pl.Schema({"path": pl.String, "value": pl.String, **META_SCHEMA})

SAMPLE = """<?xml version="1.0" encoding="ASCII"?>
<root>
  <all><charset>ASCII</charset></all>
  <cluster><name>cluster1</name></cluster>
  <server name="sv1">
    <priority>0</priority>
    <device id="0"><type>lan</type><info>192.168.0.1</info></device>
  </server>
  <heartbeat>
    <types name="lankhb"/>
    <lankhb name="lankhb1"><priority>0</priority><device>0</device></lankhb>
  </heartbeat>
  <group name="failover1">
    <resource name="fip@fip1"/>
  </group>
</root>
"""

# Declared names mapped to the codec that reads every file carrying them:
# the Windows and GBK supersets accept the vendor extensions the strict
# codecs reject, and UTF-8 reads anything that claims to be ASCII.
_CODEC_FOR = {
    "ascii": "utf-8",
    "us-ascii": "utf-8",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "gb2312": "gbk",
    "euc-jp": "euc_jp",
    "x-euc-jp": "euc_jp",
}

#: Codecs a clp.conf may be written in (by their ``codecs`` name): Unicode, the
#: single-byte and Asian multi-byte families. Python also "decodes" rot13, hex,
#: zlib, base64, idna or unicode-escape; a prolog naming those is refused.
_TEXT_CODEC = re.compile(
    r"^(utf[-_]?(8|16|32)(_sig|[-_](le|be))?|ascii|latin[-_]?1|iso8859[-_]\d+|cp\d+|euc[-_].*|shift_jis.*|"
    r"gb(k|2312|18030)|big5(hkscs)?|iso2022_.*|hz|johab|koi8[-_].*|mac[-_].*|tis[-_]?620)$"
)
#: Deeper elements are refused: a clp.conf nests fewer than ten levels, and every
#: row holds its whole path, so unbounded nesting would grow memory with the square
#: of the depth.
MAX_DEPTH = 64

_DECLARATION = re.compile(rb"""\A(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._\-]+)["']""")
_DECLARED_TEXT = re.compile(r"""(\A\ufeff?<\?xml[^>]*?encoding\s*=\s*)(["'])[A-Za-z0-9._\-]+\2""")


class _Refused(Exception):
    """Raised inside the expat handlers; becomes a ParseError with the line."""


def declared_encoding(data: bytes) -> str | None:
    """The encoding name the XML prolog declares, or None (which means UTF-8)."""
    m = _DECLARATION.match(data[:512])
    return m.group(1).decode("ascii") if m else None


def decode(data: bytes, *, source: str = "<sample>") -> tuple[str, int]:
    """Decode by the declared encoding; returns the text and how many characters were replaced.

    >>> decode('<?xml version="1.0" encoding="EUC-JP"?><a>\u30af</a>'.encode("euc_jp"))
    ('<?xml version="1.0" encoding="EUC-JP"?><a>\u30af</a>', 0)
    >>> decode(b'<?xml version="1.0" encoding="Shift_JIS"?><a>\\x83</a>')[1]
    1
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec = "utf-16"
    else:
        declared = declared_encoding(data)
        name = (declared or "utf-8").lower()
        codec = _CODEC_FOR.get(name, name)
        try:
            info = codecs.lookup(codec)
        except LookupError:
            raise ParseError(source, f"unknown encoding {declared!r} declared in the XML prolog", 1) from None
        if not _TEXT_CODEC.match(info.name):
            raise ParseError(
                source, f"encoding {declared!r} declared in the XML prolog is not a character encoding", 1
            )
        codec = info.name
    try:
        return data.decode(codec).lstrip("\ufeff"), 0
    except UnicodeDecodeError:
        text = data.decode(codec, errors="replace").lstrip("\ufeff")
        return text, text.count("\ufffd")


def segment(tag: str, attrs: dict[str, str]) -> tuple[str, str | None]:
    """The path segment of one element and the attribute used as its key (if any)."""
    key = "id" if tag in ID_KEYED else "name"
    if key in attrs:
        return f"{tag}@{attrs[key]}", key
    return tag, None


def parse(data: bytes | str, *, source: str = "<sample>", server: str | None = None) -> pl.DataFrame:
    """Flatten one clp.conf into rows (path, value); malformed XML raises ParseError with its line."""
    if isinstance(data, bytes):
        text, replaced = decode(data, source=source)
    else:
        text, replaced = data, data.count("\ufffd")
    if not text.strip():
        return SCHEMA.to_frame()
    # The text is already decoded: declare it as UTF-8 so expat accepts it
    # (same length of line, so line numbers stay those of the file).
    utf8 = _DECLARED_TEXT.sub(r"\1\2UTF-8\2", text, count=1).encode("utf-8")

    rows: list[list] = []  # [path, value, line]
    stack: list[tuple[str, int | None, list[str], int]] = []  # (path, row index, text parts, line)
    parser = xml.parsers.expat.ParserCreate()

    def start(tag: str, attrs: dict[str, str]) -> None:
        if len(stack) >= MAX_DEPTH:
            raise _Refused(f"elements nested deeper than {MAX_DEPTH} levels (a clp.conf nests fewer than ten)")
        seg, key = segment(tag, attrs)
        path = f"{stack[-1][0] if stack else ''}/{seg}"
        line = parser.CurrentLineNumber
        index = None
        if key is not None:
            index = len(rows)
            rows.append([path, None, line])
        for attr, value in attrs.items():
            if attr != key:
                rows.append([f"{path}/@{attr}", value, line])
        stack.append((path, index, [], line))

    def end(tag: str) -> None:
        path, index, parts, line = stack.pop()
        value = "".join(parts).strip()
        if not value:
            return
        if index is None:
            rows.append([path, value, line])
        else:
            rows[index][1] = value

    def chars(data: str) -> None:
        if stack:
            stack[-1][2].append(data)

    def doctype(*_args) -> None:
        raise _Refused("a DOCTYPE declaration: a clp.conf has none, and its entities are not expanded")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = doctype
    try:
        parser.Parse(utf8, True)
    except _Refused as exc:
        raise ParseError(source, f"refused: {exc}", parser.CurrentLineNumber) from None
    except xml.parsers.expat.ExpatError as exc:
        reason = xml.parsers.expat.ErrorString(exc.code)
        raise ParseError(source, f"malformed XML: {reason} (column {exc.offset + 1})", exc.lineno) from None

    # Keyless elements are added when they close: a stable sort by the line
    # where each element opens restores document order.
    rows.sort(key=lambda r: r[2])
    problem = f"undecodable bytes replaced ({replaced} in the file)" if replaced else None
    frame = pl.DataFrame(
        {
            "path": [r[0] for r in rows],
            "value": [r[1] for r in rows],
            "server": [server] * len(rows),
            "source": [source] * len(rows),
            "line": [r[2] for r in rows],
            "raw": [None] * len(rows),
            "problem": [None] * len(rows),
        },
        schema=SCHEMA,
    )
    if problem:
        bad = pl.col("value").str.contains("\ufffd", literal=True) | pl.col("path").str.contains("\ufffd", literal=True)
        frame = frame.with_columns(
            pl.when(bad).then(pl.lit(problem)).otherwise(None).alias("problem"),
            pl.when(bad).then(pl.col("value")).otherwise(None).alias("raw"),
        )
    return frame

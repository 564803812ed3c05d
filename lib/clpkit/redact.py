"""A log collection made safe to send to a vendor or partner (``clpkit redact``).

What is replaced, consistently across every server, file and archive
(archives inside archives too, such as ``elog_*.tar.gz``):

- host names: the servers of every ``clp.conf`` and the server folder and
  archive names of the collection (case-insensitive, also as the first label
  of a dotted name: ``sv1.example.com``), and the domains those dotted names
  and the mail addresses of clp.conf carry;
- cluster, group, resource and monitor names, when asked (``names=``);
- IPv4 addresses, prefix-preserving: two addresses that share their first
  *k* bits still share exactly *k* bits afterwards, so hosts of one subnet stay
  in one subnet whatever its mask. Private ranges stay private (10/8,
  172.16/12, 192.168/16, 169.254/16, 100.64/10); loopback, 0.0.0.0, netmasks
  and 224.0.0.0 and above are kept as they are;
- mail addresses;
- user names and every password or secret of clp.conf (elements named like
  ``password``, ``passwd``, ``pwd``, ``secret``, ``community``, ``token``;
  ``username``, ``user``, ``account``), in clp.conf by element and, when at
  least four characters long, wherever else the same text appears;
- any extra words given (``words=``).

Names that are also part of the file layout (``log``, ``perf``, ``cluster``,
``group``…) are never replaced, so the collection keeps its structure: file
names such as ``nmp1.cur`` stay, while server folders and archive names, which
are host names, are replaced. ``root`` stays (it names no one). In clp.conf
only text, attribute values and comments are redacted, never element or
attribute names (the schema); a cluster/group/resource/monitor name that is
also an element name (a resource ``exec1`` and ``<pm><exec1>``) stays.

The map (original → replacement, and the key of the address mapping) is
written to a file the user keeps; the output never holds it. Giving the same
map again extends it, so several collections redact the same way.

Speed: every file is one polars string (or a few, at line boundaries). The
"runs" (maximal stretches of name characters) that contain a candidate are
found with one regular expression in polars, each distinct run is redacted
once in Python, and all are replaced in one Aho-Corasick pass
(``str.replace_many``, longest first, so a run is always replaced whole).

>>> rmap = RedactionMap.new(key="00" * 16)
>>> r = Redactor(rmap, hosts=["sv1"], names={"group": ["failover1"]}, users=["dbadmin"])
>>> r.text("sv1 started failover1 as dbadmin; SV1.example.com; mail ops@example.com; csv1 stays")
'host01 started group01 as user01; host01.example.com; mail mail01@example.invalid; csv1 stays'
>>> a, b = r.text("10.0.1.5 10.0.1.6").split()
>>> a.startswith("10.") and a.rsplit(".", 1)[0] == b.rsplit(".", 1)[0] and a != "10.0.1.5"
True
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import ipaddress
import json
import os
import re
import secrets as secrets_module
import tarfile
import tempfile
import threading
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

import polars as pl

from clpkit.archive import archive_stem, extract, is_archive
from clpkit.problems import ClpkitError

#: Categories of names that ``names=`` may ask for, and the prefix of their replacements.
NAME_KINDS = {"cluster": "cluster", "group": "group", "resource": "res", "monitor": "mon"}
#: Words of the file layout and of the formats: never replaced, whatever they name.
STRUCTURE_WORDS = frozenset(
    """log logs perf disk cluster group monitor resource server servers system alert etc var opt nec clusterpro
    messages syslog cur pre err tar gz tgz zip conf clp root all types device info heartbeat type name
    elog alertlog alt start stop init main md hd fip exec lan mdc""".split()
)
#: Accounts that name no one; left as they are.
KEPT_USERS = frozenset({"root", "nobody"})
#: clp.conf element names holding secrets and user names.
SECRET_TAG = re.compile(r"(?i)passw|passwd|pwd|secret|community|token|credential")
USER_TAG = re.compile(r"(?i)^(user|username|user_name|account|login|loginname|loginuser)$")
#: Shorter secrets are replaced in clp.conf only (elsewhere they would hit unrelated text).
MIN_GLOBAL_SECRET = 4

# Characters of a "run": host names, addresses, mail addresses and dotted names are made of them.
_RUN_CHARS = r"A-Za-z0-9_.\-@%+"
_IPV4 = r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}"
_PY_IPV4 = re.compile(r"(?<![0-9.])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?![0-9]|\.[0-9])")
_DOTTED_NUMBER = r"\.[0-9]{1,3}\."  # every IPv4 address has one
_MAIL = r"[A-Za-z0-9_.%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"
_XML_ELEMENT = re.compile(r"(<(?P<tag>[A-Za-z_][A-Za-z0-9_.\-]*)(?:\s[^<>]*)?>)(?P<value>[^<]*)(</(?P=tag)>)")
_CHUNK = 256 << 10
#: Markup of an XML file: comments, CDATA, processing instructions, declarations and tags.
_MARKUP = re.compile(r"(<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<![^<>]*>|<[^<>]*>)", re.S)
_ATTR_VALUE = re.compile(r"""=\s*(?P<q>["'])(?P<value>[^"'<>]*)(?P=q)""")
_SEPARATOR = "\x00"  # never in an XML document

#: Keep-prefix lengths of the blocks a mapped address must stay in.
_BLOCKS = [(ipaddress.ip_network(n), k) for n, k in (
    ("10.0.0.0/8", 8), ("172.16.0.0/12", 12), ("192.168.0.0/16", 16), ("169.254.0.0/16", 16), ("100.64.0.0/10", 10))]


@dataclass
class RedactionMap:
    """Original → replacement for every category, plus the key of the address mapping."""

    key: str
    hosts: dict[str, str] = field(default_factory=dict)  # keys lower-case
    names: dict[str, str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)
    mail: dict[str, str] = field(default_factory=dict)  # keys lower-case
    domains: dict[str, str] = field(default_factory=dict)  # keys lower-case
    secrets: dict[str, str] = field(default_factory=dict)
    words: dict[str, str] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)

    @classmethod
    def new(cls, key: str | None = None) -> "RedactionMap":
        return cls(key or secrets_module.token_hex(16))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "RedactionMap":
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(**{k: data[k] for k in data if k in cls.__dataclass_fields__})
        except (OSError, ValueError, TypeError) as exc:
            raise ClpkitError(f"{path}: not a redaction map written by clpkit redact ({exc})") from None

    def save(self, path: str | os.PathLike) -> None:
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.__dict__, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)


def _pseudonym(table: dict[str, str], original: str, prefix: str, taken: set[str]) -> str:
    """The next free ``<prefix>NN`` for ``original`` (kept when the map has it already)."""
    if original in table:
        return table[original]
    n = len([v for v in table.values() if v.startswith(prefix)]) + 1
    while f"{prefix}{n:02d}" in taken or f"{prefix}{n:02d}" in table.values():
        n += 1
    table[original] = f"{prefix}{n:02d}"
    return table[original]


class Redactor:
    """Replaces what :class:`RedactionMap` lists (and learns addresses and mail as it meets them)."""

    def __init__(self, rmap: RedactionMap, *, hosts=(), names: dict[str, list[str]] | None = None, users=(),
                 secrets=(), domains=(), mail=(), words=(), schema=()):
        self.map = rmap
        self.notes: list[str] = []
        self._schema = {w.lower() for w in schema}  # element and attribute names of clp.conf
        self._lock = threading.Lock()  # files are redacted in threads; new mail and addresses enter the map
        originals = {*map(str.lower, hosts), *users, *secrets, *domains, *words}
        for kind_names in (names or {}).values():
            originals |= set(kind_names)
        taken = {o.lower() for o in originals}
        for host in sorted({h.lower() for h in hosts if self._usable(h, "host name")}):
            _pseudonym(rmap.hosts, host, "host", taken)
        for kind, kind_names in (names or {}).items():
            for name in sorted(set(kind_names)):
                if name.lower() in self._schema:  # <pm><exec1> is the schema, whatever resource is named exec1
                    self.notes.append(f"{kind} name {name!r} is also an element name of clp.conf: left as it is")
                elif self._usable(name, f"{kind} name") and name.lower() not in rmap.hosts:
                    _pseudonym(rmap.names, name, NAME_KINDS[kind], taken)
        for user in sorted(set(users)):
            if user.lower() in KEPT_USERS:
                continue
            if self._usable(user, "user name"):
                _pseudonym(rmap.users, user, "user", taken)
        for secret in sorted(set(secrets)):
            if secret:
                _pseudonym(rmap.secrets, secret, "secret", taken)
        for domain in sorted({d.lower() for d in domains}):
            if "." in domain and not _PY_IPV4.fullmatch(domain):
                rmap.domains.setdefault(domain, f"domain{len(rmap.domains) + 1:02d}.invalid")
        for word in sorted(set(words)):
            if word:
                _pseudonym(rmap.words, word, "word", taken)
        for address in mail:
            self._mail(address)
        self._compile()

    def _usable(self, name: str, what: str) -> bool:
        if len(name) < 2 or name.lower() in STRUCTURE_WORDS:
            self.notes.append(f"{what} {name!r} is also a word of the file layout (or too short): left as it is")
            return False
        return True

    def _compile(self) -> None:
        m = self.map
        hosts = sorted(m.hosts, key=len, reverse=True)
        exact = sorted({*m.names, *m.users, *m.words}, key=len, reverse=True)
        domains = sorted(m.domains, key=len, reverse=True)
        word = r"(?<![A-Za-z0-9])(?:{})(?![A-Za-z0-9])"
        parts = [f"(?P<mail>{_MAIL})", f"(?P<ip>{_PY_IPV4.pattern})"]
        if domains:
            parts.append("(?P<domain>" + word.format("(?i:" + "|".join(map(re.escape, domains)) + ")") + ")")
        if hosts:
            parts.append("(?P<host>" + word.format("(?i:" + "|".join(map(re.escape, hosts)) + ")") + ")")
        if exact:
            parts.append("(?P<exact>" + word.format("|".join(map(re.escape, exact))) + ")")
        self._py = re.compile("|".join(parts))
        # The polars side. Cheap necessary conditions first (literal searches, a
        # dotted-number test), so that the pieces without any candidate (most of
        # the statistics) are never scanned for runs.
        literals = [re.escape(w) for w in exact]
        if hosts or domains:
            literals.insert(0, "(?i:" + "|".join(map(re.escape, hosts + domains)) + ")")
        self._literal = "|".join(literals) or None
        cand = [_IPV4, "@"] + ([self._literal] if self._literal else [])
        self._runs = f"[{_RUN_CHARS}]*(?:{'|'.join(cand)})[{_RUN_CHARS}]*"
        glob = sorted((s for s in m.secrets if len(s) >= MIN_GLOBAL_SECRET), key=len, reverse=True)
        pairs = {}
        for s in glob:
            pairs[s] = m.secrets[s]
            pairs.setdefault(escape(s, {'"': "&quot;", "'": "&apos;"}), m.secrets[s])
        self._secret_patterns = sorted(pairs, key=len, reverse=True)
        self._secret_values = [pairs[p] for p in self._secret_patterns]
        self._cache: dict[str, str] = {}

    # -- one run ----------------------------------------------------------------------------
    def run(self, text: str) -> str:
        """One stretch of name characters, redacted (cached)."""
        out = self._cache.get(text)
        if out is None:
            out = self._cache[text] = self._py.sub(self._replace, text)
        return out

    def _replace(self, m: re.Match) -> str:
        kind = m.lastgroup
        value = m.group()
        if kind == "mail":
            return self._mail(value)
        if kind == "ip":
            return self._ip(value)
        if kind == "domain":
            return self.map.domains[value.lower()]
        if kind == "host":
            return self.map.hosts[value.lower()]
        return self.map.names.get(value) or self.map.users.get(value) or self.map.words[value]

    def _mail(self, address: str) -> str:
        key = address.lower()
        with self._lock:
            if key not in self.map.mail:
                self.map.mail[key] = f"mail{len(self.map.mail) + 1:02d}@example.invalid"
            return self.map.mail[key]

    def _ip(self, text: str) -> str:
        mapped = self.map.addresses.get(text)
        if mapped is not None:
            return mapped
        try:
            addr = ipaddress.IPv4Address(text)
        except ValueError:  # 999.1.2.3, 01.2.3.4: not an address
            return text
        with self._lock:
            mapped = self.map.addresses.get(text) or str(self._map_address(addr))
            self.map.addresses[text] = mapped
        return mapped

    def _map_address(self, addr: ipaddress.IPv4Address) -> ipaddress.IPv4Address:
        value = int(addr)
        if addr.is_loopback or addr.is_unspecified or value >= 0xE0000000 or _is_netmask(value):
            return addr
        keep = next((k for net, k in _BLOCKS if addr in net), 4)
        used = set(self.map.addresses.values())
        for attempt in range(64):
            out = _prefix_preserving(self.map.key, value, keep, attempt)
            mapped = ipaddress.IPv4Address(out)
            private_in = keep > 4
            lands_special = (mapped.is_loopback or out >= 0xE0000000 or _is_netmask(out) or out == 0
                             or (not private_in and any(mapped in net for net, _ in _BLOCKS)))
            if not lands_special and str(mapped) not in used:
                return mapped
        raise ClpkitError(f"cannot find a free replacement for address {addr}")

    # -- whole texts ------------------------------------------------------------------------
    def text(self, text: str) -> str:
        """A whole text redacted (polars does the scanning and the replacing); the same object when unchanged."""
        if not text:
            return text
        series = pl.Series("t", _chunks(text), dtype=pl.String)
        changed = False
        if self._secret_patterns:
            hit = series.str.contains_any(self._secret_patterns)
            if hit.any():
                series = series.str.replace_many(self._secret_patterns, self._secret_values, leftmost=True)
                changed = True
        mask = series.str.contains(_DOTTED_NUMBER) | series.str.contains("@", literal=True)
        if self._literal:
            mask = mask | series.str.contains(self._literal)
        if mask.any():
            part = series.filter(mask)
            runs = part.str.extract_all(self._runs).explode().drop_nulls().unique().to_list()
            if runs:
                runs.sort(key=len, reverse=True)
                part = part.str.replace_many(runs, [self.run(r) for r in runs], leftmost=True)
                series = series.scatter(mask.arg_true(), part)
                changed = True
        return "".join(series.to_list()) if changed else text

    def clp_conf(self, text: str) -> str:
        """clp.conf: secrets and user names by element first, then everything else."""
        def element(m: re.Match) -> str:
            tag, value = m.group("tag"), m.group("value")
            if not value.strip():
                return m.group()
            if SECRET_TAG.search(tag):
                new = self.map.secrets.get(_unescape(value)) or self.map.secrets.get(value) or "secret"
            elif USER_TAG.match(tag) and _unescape(value) in self.map.users:
                new = self.map.users[_unescape(value)]
            else:
                return m.group()
            return m.group(1) + new + m.group(4)

        text = _XML_ELEMENT.sub(element, text)
        # Element and attribute names are the file's schema (a resource named
        # exec1 must not rename <pm><exec1>): only text, attribute values,
        # comments and CDATA are redacted, all of them in one pass.
        tokens = _MARKUP.split(text)  # text, markup, text, markup, ..., text
        slots: list[tuple[int, re.Match | None]] = []
        pieces: list[str] = []
        for i, token in enumerate(tokens):
            if i % 2 == 0 or token.startswith(("<!--", "<![CDATA[")):
                slots.append((i, None))
                pieces.append(token)
            elif not token.startswith(("<?", "<!")):
                for m in _ATTR_VALUE.finditer(token):
                    slots.append((i, m))
                    pieces.append(m.group("value"))
        redacted = self.text(_SEPARATOR.join(pieces)).split(_SEPARATOR)
        if len(redacted) != len(pieces):  # a separator in the file itself: not XML, redact it whole
            return self.text(text)
        attrs: dict[int, list[tuple[re.Match, str]]] = {}
        for (i, m), new in zip(slots, redacted):
            if m is None:
                tokens[i] = new
            else:
                attrs.setdefault(i, []).append((m, new))
        for i, values in attrs.items():
            token, out, last = tokens[i], [], 0
            for m, new in values:
                out += [token[last:m.start("value")], new]
                last = m.end("value")
            tokens[i] = "".join(out) + token[last:]
        return "".join(tokens)


def _unescape(value: str) -> str:
    from xml.sax.saxutils import unescape

    return unescape(value, {"&quot;": '"', "&apos;": "'"}).strip()


def _chunks(text: str) -> list[str]:
    """Pieces of about _CHUNK characters, cut after a newline (runs never span a cut)."""
    if len(text) <= _CHUNK:
        return [text]
    out, start = [], 0
    while start < len(text):
        end = text.find("\n", start + _CHUNK)
        end = len(text) if end < 0 else end + 1
        out.append(text[start:end])
        start = end
    return out


def _is_netmask(value: int) -> bool:
    inverted = ~value & 0xFFFFFFFF
    return value >= 0xFF000000 and (inverted & (inverted + 1)) == 0


@lru_cache(maxsize=1 << 16)
def _prf_bit(key: str, prefix_bits: int, length: int, attempt: int) -> int:
    msg = f"{length}:{prefix_bits}:{attempt}".encode()
    return hmac.new(bytes.fromhex(key), msg, hashlib.sha256).digest()[0] & 1


def _prefix_preserving(key: str, value: int, keep: int, attempt: int) -> int:
    """Flip bit i (from the top) by a keyed function of the bits above it; the first ``keep`` bits stay."""
    out = value
    for i in range(keep, 32):
        prefix = value >> (32 - i) if i else 0
        if _prf_bit(key, prefix, i, attempt):
            out ^= 1 << (31 - i)
    return out


# -- what to learn from a collection --------------------------------------------------------
@dataclass
class Learned:
    hosts: set[str] = field(default_factory=set)
    names: dict[str, set[str]] = field(default_factory=lambda: {k: set() for k in NAME_KINDS})
    users: set[str] = field(default_factory=set)
    secrets: set[str] = field(default_factory=set)
    domains: set[str] = field(default_factory=set)
    mail: set[str] = field(default_factory=set)
    schema: set[str] = field(default_factory=set)  # element and attribute names: never replaced
    sjis: bool = False


def learn_conf(data: bytes, learned: Learned) -> None:
    """Everything sensitive one clp.conf names."""
    from clpkit import config
    from clpkit.formats import clp_conf

    try:
        cfg = config.load(data)
    except ClpkitError:
        cfg = None
    if (clp_conf.declared_encoding(data) or "").lower().replace("-", "_") in ("shift_jis", "sjis", "x_sjis", "windows_31j"):
        learned.sjis = True
    text, _ = clp_conf.decode(data)
    for m in _XML_ELEMENT.finditer(text):
        tag, value = m.group("tag"), _unescape(m.group("value"))
        if not value:
            continue
        if SECRET_TAG.search(tag):
            learned.secrets.add(value)
        elif USER_TAG.match(tag):
            learned.users.add(value)
    learned.mail |= set(re.findall(_MAIL, text))
    learned.domains |= {a.split("@", 1)[1] for a in learned.mail}
    for token in _MARKUP.findall(text):
        if not token.startswith(("<!", "<?")):
            tag = re.match(r"</?\s*([^\s/>]+)", token)
            learned.schema |= {tag.group(1)} if tag else set()
            learned.schema |= set(re.findall(r"([A-Za-z_][\w.\-]*)\s*=", token))
    if cfg is None:
        return
    learned.hosts |= {s.name for s in cfg.servers}
    if cfg.name:
        learned.names["cluster"].add(cfg.name)
    learned.names["group"] |= {g.name for g in cfg.groups}
    learned.names["resource"] |= {r.name for r in cfg.resources}
    learned.names["monitor"] |= {m.name for m in cfg.monitors}
    lowered = {h.lower() for h in learned.hosts}
    for value in cfg.values.values():  # dotted names of the servers: sv1.example.com
        if value and "." in value and not _PY_IPV4.fullmatch(value):
            first, _, rest = value.partition(".")
            if first.lower() in lowered and re.fullmatch(r"[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+", rest):
                learned.domains.add(rest)


# -- files and archives ------------------------------------------------------------------
@dataclass
class Summary:
    files: int = 0
    archives: int = 0
    bytes_in: int = 0
    seconds: float = 0.0
    refused: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, files: int = 0, archives: int = 0, bytes_in: int = 0) -> None:
        with self._lock:
            self.files += files
            self.archives += archives
            self.bytes_in += bytes_in


class _Job:
    """Redacts one tree (a folder, or an archive extracted to a temporary folder) into another."""

    def __init__(self, redactor: Redactor, sjis: bool, summary: Summary, pool: ThreadPoolExecutor):
        self.r, self.sjis, self.summary, self.pool = redactor, sjis, summary, pool

    def name(self, name: str) -> str:
        """A file or folder name: its host names replaced, the rest (nmp1.cur) kept."""
        return self.r.run(name)

    def tree(self, src: Path, dest: Path) -> None:
        dest.mkdir(parents=True, exist_ok=True)
        work = []
        for folder, dirs, files in os.walk(src):
            dirs.sort()
            rel = Path(folder).relative_to(src)
            out_dir = dest.joinpath(*(self.name(p) for p in rel.parts))
            out_dir.mkdir(parents=True, exist_ok=True)
            for fname in sorted(files):
                path = Path(folder, fname)
                if path.is_symlink() or not path.is_file():
                    self.summary.refused.append(f"{path}: not a regular file; left out")
                    continue
                target = out_dir / self.name(fname)
                if is_archive(fname):
                    self.archive(path, target)
                else:
                    work.append((path, target))
        for _ in self.pool.map(lambda pair: self.file(*pair), work):
            pass

    def file(self, path: Path, target: Path) -> None:
        data = path.read_bytes()
        self.summary.count(files=1, bytes_in=len(data))
        if path.name.endswith(".gz") and data[:2] == b"\x1f\x8b":
            try:
                inner = gzip.decompress(data)
            except (OSError, EOFError) as exc:
                raise ClpkitError(f"{path}: damaged gzip file ({exc}); cannot redact it") from None
            out = gzip.compress(self.content(path, inner), compresslevel=1, mtime=0)
        else:
            out = self.content(path, data)
        target.write_bytes(out)
        st = path.stat()
        os.utime(target, (st.st_mtime, st.st_mtime))

    def content(self, path: Path, data: bytes) -> bytes:
        if path.name == "clp.conf":
            return self.conf(path, data)
        for codec in ("utf-8", "cp932") if self.sjis else ("utf-8",):
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                continue
            if codec == "utf-8" or text.encode(codec) == data:
                return self._redacted(text, data, codec)
        # EUC-JP and any other bytes: latin-1 maps each byte to one character and
        # back, and a multi-byte character never contains an ASCII name character.
        return self._redacted(data.decode("latin-1"), data, "latin-1")

    def _redacted(self, text: str, data: bytes, codec: str) -> bytes:
        out = self.r.text(text)
        return data if out is text else out.encode(codec)

    def conf(self, path: Path, data: bytes) -> bytes:
        from clpkit.formats import clp_conf

        declared = clp_conf.declared_encoding(data)
        codec = clp_conf._CODEC_FOR.get((declared or "utf-8").lower(), (declared or "utf-8").lower())  # noqa: SLF001
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            text = None
        if text is None:  # undecodable: redact it as bytes, it was not valid in its encoding anyway
            return self.r.text(data.decode("latin-1")).encode("latin-1")
        out = self.r.clp_conf(text).encode(codec)
        try:
            clp_conf.parse(data, source=str(path))
            valid_before = True
        except ClpkitError:
            valid_before = False
        if valid_before:
            try:
                clp_conf.parse(out, source=str(path))
            except ClpkitError as exc:
                raise ClpkitError(f"{path}: redaction broke the XML ({exc}); nothing written") from None
        return out

    def archive(self, path: Path, target: Path) -> None:
        self.summary.count(archives=1)
        with tempfile.TemporaryDirectory(prefix="clpkit-redact-") as tmp:
            src, dst = Path(tmp, "in"), Path(tmp, "out")
            for p in extract(path, src):
                self.summary.refused.append(f"{p.file}: {p.reason}; left out")
            self.tree(src, dst)
            pack(dst, target, like=path.name)
        st = path.stat()
        os.utime(target, (st.st_mtime, st.st_mtime))


def pack(folder: Path, target: Path, like: str) -> None:
    """Write ``folder`` as an archive of the same kind as ``like`` (.tar.gz/.tgz/.tar/.zip)."""
    lower = like.lower()
    entries = sorted(folder.rglob("*"))
    if lower.endswith(".zip"):
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for p in entries:
                zf.write(p, p.relative_to(folder).as_posix())
        return
    mode = "w" if lower.endswith(".tar") else "w:gz"
    kwargs = {} if mode == "w" else {"compresslevel": 1}
    with tarfile.open(target, mode, format=tarfile.GNU_FORMAT, **kwargs) as tar:
        for p in entries:
            info = tar.gettarinfo(str(p), p.relative_to(folder).as_posix())
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            if info.isfile():
                with open(p, "rb") as fh:
                    tar.addfile(info, fh)
            else:
                tar.addfile(info)


def _find_confs(root: Path) -> list[Path]:
    return [p for p in root.rglob("clp.conf") if p.is_file() and not p.is_symlink()]


def redact(bundle: str | os.PathLike, out: str | os.PathLike, *, map_path: str | os.PathLike,
           names: tuple[str, ...] = (), words: tuple[str, ...] = (), jobs: int = 2) -> tuple[Summary, Redactor]:
    """Write the redacted copy of ``bundle`` into ``out`` and the map to ``map_path``."""
    src, out, map_path = Path(bundle), Path(out), Path(map_path)
    if not src.exists():
        raise ClpkitError(f"{src}: no such file or folder")
    if out.exists() and any(out.iterdir()):
        raise ClpkitError(f"{out}: exists and is not empty; give a new folder")
    if _inside(map_path, out) or _inside(map_path, src):
        raise ClpkitError(f"--map {map_path}: must lie outside the collection and the output (it holds the originals)")
    for kind in names:
        if kind not in NAME_KINDS:
            raise ClpkitError(f"--names {kind!r}: choose from {', '.join(NAME_KINDS)}")
    started = time.perf_counter()
    summary = Summary()
    with tempfile.TemporaryDirectory(prefix="clpkit-redact-top-") as tmp, \
            ThreadPoolExecutor(max_workers=max(1, jobs)) as unit_pool, \
            ThreadPoolExecutor(max_workers=max(1, jobs)) as file_pool:
        learned = Learned()
        units = _units(src, Path(tmp), learned, summary, unit_pool)
        for tree, _, _ in units:
            for conf in _find_confs(tree) if tree.is_dir() else ([tree] if tree.name == "clp.conf" else []):
                learn_conf(conf.read_bytes(), learned)
        rmap = RedactionMap.load(map_path) if map_path.exists() else RedactionMap.new()
        redactor = Redactor(rmap, hosts=learned.hosts, names={k: sorted(learned.names[k]) for k in names},
                            users=learned.users, secrets=learned.secrets, domains=learned.domains,
                            mail=learned.mail, words=words, schema=learned.schema)
        out.mkdir(parents=True, exist_ok=True)
        job = _Job(redactor, learned.sjis, summary, file_pool)

        def one(unit: tuple[Path, str | None, str | None]) -> None:
            tree, name, archive_name = unit
            target = out if name is None else out / job.name(name)
            if archive_name is not None:
                summary.count(archives=1)
                with tempfile.TemporaryDirectory(prefix="clpkit-redact-") as packed:
                    job.tree(tree, Path(packed))
                    pack(Path(packed), target, like=archive_name)
            elif tree.is_dir():
                job.tree(tree, target)
            else:
                job.file(tree, target)

        # Server archives in parallel: one is packed (zlib) while another is redacted.
        for _ in unit_pool.map(one, units):
            pass
    rmap.save(map_path)
    summary.seconds = time.perf_counter() - started
    return summary, redactor


def _units(src: Path, tmp: Path, learned: Learned, summary: Summary,
           pool: ThreadPoolExecutor) -> list[tuple[Path, str | None, str | None]]:
    """(tree, output name or None for the output folder itself, archive name) of each top-level part.

    Server archives are extracted once, in parallel (learning and redacting both
    read them); server folders and archive names are host names.
    """
    from clpkit.bundle import INSTALL_LAYOUT

    if src.is_file():
        parts = [src]
    else:
        children = sorted(c for c in src.iterdir() if not c.name.startswith("."))
        if sum(c.is_dir() and c.name in INSTALL_LAYOUT for c in children) >= 2:  # one server's root
            learned.hosts.add(src.resolve().name)
            return [(src, None, None)]
        parts = children

    def unit(k_path: tuple[int, Path]) -> tuple[Path, str | None, str | None]:
        k, path = k_path
        if not (path.is_file() and is_archive(path) and not path.name.startswith("elog_")):
            if path.is_dir():
                learned.hosts.add(path.name)
            return path, path.name, None
        tree = tmp / str(k)
        for p in extract(path, tree):
            summary.refused.append(f"{p.file}: {p.reason}; left out")
        learned.hosts.add(archive_stem(path))
        inner = list(tree.iterdir()) if tree.is_dir() else []
        if len(inner) == 1 and inner[0].is_dir():  # sv1.tar.gz holds sv1/
            learned.hosts.add(inner[0].name)
        return tree, path.name, path.name

    return list(pool.map(unit, enumerate(parts)))


# -- checking the output ------------------------------------------------------------------
def originals(rmap: RedactionMap) -> dict[str, list[str]]:
    """What must no longer appear in a redacted collection, by how it is matched.

    ``words``: whole words (host, cluster/group/resource/monitor, user names,
    extra words, domains, changed addresses), ``text``: anywhere (mail
    addresses, secrets long enough to be replaced everywhere). An original
    address that is also some other address's replacement is left out: seeing
    it tells nothing.
    """
    images = set(rmap.addresses.values())
    words = [*rmap.hosts, *rmap.names, *rmap.users, *rmap.words, *rmap.domains]
    words += [a for a, b in rmap.addresses.items() if a != b and a not in images]
    text = [*rmap.mail, *(s for s in rmap.secrets if len(s) >= MIN_GLOBAL_SECRET)]
    return {"words": sorted(set(words)), "text": sorted(set(text))}


def scan(folder: str | os.PathLike, rmap: RedactionMap) -> list[str]:
    """Every place in ``folder`` (archives and .gz unpacked, names too) where an original still appears."""
    wanted = originals(rmap)
    patterns = wanted["words"] + wanted["text"]
    if not patterns:
        return []
    checks = [(w, re.compile(r"(?<![A-Za-z0-9])" + re.escape(w) + r"(?![A-Za-z0-9])", re.I)) for w in wanted["words"]]
    checks += [(t, re.compile(re.escape(t), re.I)) for t in wanted["text"]]
    found: list[str] = []
    for where, data in contents(folder):
        text = data.decode("latin-1")
        series = pl.Series("t", _chunks(text), dtype=pl.String)
        if not series.str.contains_any(patterns, ascii_case_insensitive=True).any():
            continue
        found += [f"{where}: {original!r}" for original, rx in checks if rx.search(text)]
    return found


def contents(folder: str | os.PathLike):
    """(where, bytes) of every file below ``folder`` and of every name in it, archives and .gz
    unpacked (safely, :mod:`clpkit.archive`), recursively. A part that cannot be unpacked is
    yielded as a ``ClpkitError`` message, so a check never passes by not looking."""
    root = Path(folder)
    if root.is_file():
        yield from _contents_of(root, root.name)
        return
    for path in sorted(root.rglob("*")):
        rel = f"{root.name}/{path.relative_to(root).as_posix()}"
        yield rel + " (name)", path.name.encode("utf-8", "surrogateescape")
        if path.is_file() and not path.is_symlink():
            yield from _contents_of(path, rel)


def _contents_of(path: Path, rel: str):
    if is_archive(path.name):
        with tempfile.TemporaryDirectory(prefix="clpkit-scan-") as tmp:
            for p in extract(path, tmp):
                yield f"{rel}: could not be unpacked", p.reason.encode()
            yield from ((f"{rel}!{where.split('/', 1)[1]}" if "/" in where else rel, data)
                        for where, data in contents(tmp))
        return
    data = path.read_bytes()
    if path.name.endswith(".gz") and data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            yield f"{rel}: damaged gzip, could not be unpacked", b""
            return
    yield rel, data


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return folder.is_dir() or not folder.exists()
    except ValueError:
        return False


__all__ = ["RedactionMap", "Redactor", "redact", "scan", "contents", "originals", "pack", "NAME_KINDS"]

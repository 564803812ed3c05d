"""clpkit redact: nothing sensitive left in any byte, structure and analysis kept under the map."""

from __future__ import annotations

import ipaddress
import json
import re
import tarfile

import pytest
from click.testing import CliRunner

from clpkit.cli import main
from clpkit.formats import clp_conf
from clpkit.redact import RedactionMap, Redactor, contents, redact, scan
from clpkit.samples import sensitive

NAMES = ("cluster", "group", "resource", "monitor")


def _archives(collection):
    """Each server folder of ``collection`` as <server>.tar.gz beside it (the folders removed)."""
    import shutil

    for server in sorted(p for p in collection.iterdir() if p.is_dir()):
        with tarfile.open(collection / f"{server.name}.tar.gz", "w:gz") as tar:
            tar.add(server, arcname=server.name)
        shutil.rmtree(server)


@pytest.fixture
def seeded(collection):
    seeds = sensitive.seed(collection)
    _archives(collection)
    return collection, seeds


def _redact(src, tmp_path, *args):
    out, map_path = tmp_path / "out" / src.name, tmp_path / "map.json"
    result = CliRunner().invoke(main, ["redact", str(src), "--out", str(out), "--map", str(map_path), *args])
    assert result.exit_code == 0, result.output
    return out, RedactionMap.load(map_path), json.loads(result.stdout.strip().splitlines()[-1])


def test_no_seeded_secret_in_any_byte(seeded, tmp_path):
    src, seeds = seeded
    out, rmap, summary = _redact(src, tmp_path, "--names", ",".join(NAMES))
    assert summary["leaks"] == 0 and summary["archives"] >= 4  # two servers and their elog archives
    anywhere = [s.encode() for s in seeds["secrets"] + seeds["users"] + seeds["mail"] + seeds["domains"]
                + seeds["addresses"]]
    hosts = [re.compile(rb"(?<![A-Za-z0-9])" + h.encode() + rb"(?![A-Za-z0-9])", re.I) for h in seeds["hosts"]]
    names = [re.compile(rb"(?<![A-Za-z0-9])" + n.encode() + rb"(?![A-Za-z0-9])") for n in ("failover1", "cluster1", "genw1")]
    looked = 0
    for where, data in contents(out):
        looked += 1
        assert not [s for s in anywhere if s.lower() in data.lower()], where
        assert not [h.pattern for h in hosts + names if h.search(data)], where
    assert looked > 100


def test_scan_finds_what_was_not_redacted(seeded):
    src, seeds = seeded
    rmap = RedactionMap.new()
    Redactor(rmap, hosts=seeds["hosts"], secrets=seeds["secrets"], mail=seeds["mail"])
    found = scan(src, rmap)
    assert any("Db!pass-2024" in f for f in found) and any("'sv1'" in f for f in found)


def test_structure_kept_host_names_replaced(seeded, tmp_path):
    src, _ = seeded
    out, rmap, _ = _redact(src, tmp_path)
    assert sorted(p.name for p in out.iterdir()) == [f"{rmap.hosts['sv1']}.tar.gz", f"{rmap.hosts['sv2']}.tar.gz"]
    names = tarfile.open(out / f"{rmap.hosts['sv1']}.tar.gz").getnames()
    host = rmap.hosts["sv1"]
    assert f"{host}/perf/disk/nmp1.cur" in names and f"{host}/perf/cluster/group/group.cur" in names
    assert any(re.fullmatch(rf"{host}/log/elog_rc0\.tar\.gz", n) for n in names)
    # Without --names the cluster's own names stay.
    assert not rmap.names
    conf = tarfile.open(out / f"{host}.tar.gz").extractfile(f"{host}/etc/clp.conf").read()
    assert b'<group name="failover1">' in conf


def test_clp_conf_stays_valid_in_its_encoding(seeded, tmp_path):
    src, _ = seeded
    out, rmap, _ = _redact(src, tmp_path, "--names", "group")
    host = rmap.hosts["sv1"]
    conf = tarfile.open(out / f"{host}.tar.gz").extractfile(f"{host}/etc/clp.conf").read()
    assert clp_conf.declared_encoding(conf) == "EUC-JP"
    text = conf.decode("euc_jp")  # strict: still EUC-JP
    assert "業務グループ" in text and f'<server name="{host}">' in text
    rows = clp_conf.parse(conf)
    assert rows["problem"].null_count() == rows.height
    assert "<password>secret" in text and "Sm7p" not in text


def test_shift_jis_clp_conf(collection, tmp_path):
    conf = collection / "sv1" / "etc" / "clp.conf"
    text = conf.read_bytes().decode("euc_jp").replace('encoding="EUC-JP"', 'encoding="Shift_JIS"')
    conf.write_bytes(text.encode("cp932"))
    (collection / "sv1" / "log" / "note.log.cur").write_bytes("sv1 の ソ表示 sv1\n".encode("cp932"))
    out, rmap, _ = _redact(collection / "sv1", tmp_path)
    redacted = (out / "etc" / "clp.conf").read_bytes()
    assert clp_conf.declared_encoding(redacted) == "Shift_JIS"
    assert "業務グループ" in redacted.decode("cp932")
    clp_conf.parse(redacted)
    assert (out / "log" / "note.log.cur").read_bytes().decode("cp932") == f"{rmap.hosts['sv1']} の ソ表示 {rmap.hosts['sv1']}\n"


def test_addresses_keep_their_subnets():
    r = Redactor(RedactionMap.new())
    pairs = [("192.168.10.11", "192.168.10.12"), ("10.1.2.3", "10.1.2.200"), ("203.0.113.5", "203.0.113.6")]
    for a, b in pairs:
        ma, mb = (ipaddress.IPv4Address(r.text(x)) for x in (a, b))
        shared = 32 - (int(ipaddress.IPv4Address(a)) ^ int(ipaddress.IPv4Address(b))).bit_length()
        assert 32 - (int(ma) ^ int(mb)).bit_length() == shared, (a, b, ma, mb)
        assert str(ma) != a
    assert r.text("10.1.2.3").startswith("10.") and r.text("192.168.10.11").startswith("192.168.")
    assert not ipaddress.IPv4Address(r.text("203.0.113.5")).is_private
    for kept in ("127.0.0.1", "255.255.255.0", "0.0.0.0", "239.1.1.1"):
        assert r.text(kept) == kept
    assert r.text("version 4.3.0.1234 and 1.2.3.4.5") == "version 4.3.0.1234 and 1.2.3.4.5"


def test_same_map_same_replacements(seeded, tmp_path):
    src, _ = seeded
    out1, map1, _ = _redact(src, tmp_path / "a")
    map_path = tmp_path / "a" / "map.json"
    out2 = tmp_path / "b" / "out"
    result = CliRunner().invoke(main, ["redact", str(src), "--out", str(out2), "--map", str(map_path)])
    assert result.exit_code == 0, result.output
    assert RedactionMap.load(map_path).hosts == map1.hosts
    assert sorted(p.name for p in out2.iterdir()) == sorted(p.name for p in out1.iterdir())


def test_map_inside_the_output_or_a_used_output_is_refused(seeded, tmp_path):
    src, _ = seeded
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["redact", str(src), "--out", str(out), "--map", str(out / "map.json")])
    assert result.exit_code == 2 and "outside" in result.output
    out.mkdir()
    (out / "x").write_text("x")
    result = CliRunner().invoke(main, ["redact", str(src), "--out", str(out), "--map", str(tmp_path / "m.json")])
    assert result.exit_code == 2 and "not empty" in result.output


def test_layout_words_are_never_replaced():
    r = Redactor(RedactionMap.new(), hosts=["log", "sv1"], names={"cluster": ["cluster"], "group": ["failover1"]})
    assert r.text("sv1/perf/cluster/group/failover1.cur log") == "host01/perf/cluster/group/group01.cur log"
    assert any("'log'" in n for n in r.notes) and any("'cluster'" in n for n in r.notes)


def test_hostile_member_is_left_out_and_said(collection, tmp_path):
    import io

    archive = collection / "sv1.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(collection / "sv1", arcname="sv1")
        evil = tarfile.TarInfo("../../escape")
        evil.size = 2
        tar.addfile(evil, io.BytesIO(b"no"))
    import shutil

    shutil.rmtree(collection / "sv1")
    result = CliRunner().invoke(main, ["redact", str(collection), "--out", str(tmp_path / "o"), "--map", str(tmp_path / "m.json")])
    assert result.exit_code == 0, result.output
    assert "'../../escape'" in result.stderr and "left out" in result.stderr


def test_findings_and_events_equal_under_the_map(seeded, tmp_path):
    src, _ = seeded
    out, rmap, _ = _redact(src, tmp_path, "--names", ",".join(NAMES))
    redactor = Redactor(rmap)
    for command in ("findings", "events"):
        before = CliRunner().invoke(main, [command, str(src), "--json", "--tz", "Asia/Tokyo"])
        after = CliRunner().invoke(main, [command, str(out), "--json", "--tz", "Asia/Tokyo"])
        assert before.exit_code == after.exit_code == 0
        expected, got = json.loads(redactor.text(before.stdout)), json.loads(after.stdout)
        assert got == expected
        assert (got if command == "findings" else got["events"])  # there is something to compare


# -- every byte, checked with the standard library only ---------------------------------------------------
def _unpack(name: str, data: bytes, where: str):
    """(where, bytes) of a file and, for an archive or a .gz, of every member and member name, recursively.

    Only tarfile, zipfile and gzip of the standard library, never clpkit's own reader, so the check does
    not share a blind spot with the redaction it checks."""
    import gzip
    import io
    import zipfile

    lower = name.lower()
    if lower.endswith((".tar.gz", ".tgz", ".tar")):
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            for member in tar.getmembers():
                yield f"{where}!{member.name} (name)", member.name.encode("utf-8", "surrogateescape")
                if member.isfile():
                    yield from _unpack(member.name.rsplit("/", 1)[-1], tar.extractfile(member).read(),
                                       f"{where}!{member.name}")
    elif lower.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                yield f"{where}!{info.filename} (name)", info.filename.encode("utf-8", "surrogateescape")
                if not info.is_dir():
                    yield from _unpack(info.filename.rsplit("/", 1)[-1], zf.read(info), f"{where}!{info.filename}")
    elif lower.endswith(".gz"):
        yield from _unpack(name[:-3], gzip.decompress(data), f"{where} (gunzipped)")
    else:
        yield where, data


def _every_byte(folder):
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        yield f"{rel} (name)", rel.encode("utf-8", "surrogateescape")
        if path.is_file():
            yield from _unpack(path.name, path.read_bytes(), rel)


def _nest_secrets(server_folder, seeds):
    """A zip inside a tar.gz inside the server's log folder, and a .gz inside that zip, every seeded
    string in their contents and the server's name in their member names."""
    import gzip
    import io
    import zipfile

    server = server_folder.name
    other = next(h for h in seeds["hosts"] if h != server)
    text = (f"{server} {other.upper()} {other}.{seeds['domains'][0]} smtp.{seeds['domains'][0]}\n"
            + " ".join(seeds["secrets"] + seeds["users"] + seeds["mail"] + seeds["addresses"])
            + f"\nlogin {seeds['users'][0]}@{server} from 192.168.10.11\n").encode("ascii")
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr(f"{server}/notes-{server}.txt", text)
        zf.writestr(f"{server}/old-{other}.log.gz", gzip.compress(text))
    tarred = io.BytesIO()
    with tarfile.open(fileobj=tarred, mode="w:gz") as tar:
        for member, data in ((f"{server}/case-{server}.zip", zipped.getvalue()), (f"{server}/plain.txt", text)):
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    (server_folder / "log" / f"support-{server}.tar.gz").write_bytes(tarred.getvalue())


def _conf_addresses(data: bytes) -> list[str]:
    return re.findall(r"(?<![0-9.])(?:[0-9]{1,3}\.){3}[0-9]{1,3}(?![0-9.])", data.decode("latin-1"))


def test_no_seeded_string_in_any_byte_of_nested_archives_stdlib_unpacked(collection, tmp_path):
    seeds = sensitive.seed(collection)
    originals = {s: (collection / s / "etc" / "clp.conf").read_bytes() for s in seeds["hosts"]}
    for server in seeds["hosts"]:
        _nest_secrets(collection / server, seeds)
    _archives(collection)
    out, rmap, summary = _redact(collection, tmp_path, "--names", ",".join(NAMES))
    assert summary["leaks"] == 0
    changed = sorted({a for data in originals.values() for a in _conf_addresses(data)
                      if rmap.addresses.get(a, a) != a and a not in set(rmap.addresses.values())})
    assert "192.168.10.11" in changed and sensitive.OUTSIDE in changed
    anywhere = [s.lower().encode() for s in seeds["secrets"] + seeds["users"] + seeds["mail"] + seeds["domains"]]
    words = [re.compile(rb"(?<![A-Za-z0-9])" + re.escape(w.encode()) + rb"(?![A-Za-z0-9])", re.I)
             for w in seeds["hosts"] + ["failover1", "cluster1"]]
    words += [re.compile(rb"(?<![0-9.])" + re.escape(a.encode()) + rb"(?![0-9]|\.[0-9])") for a in changed]
    wheres = []
    for where, data in _every_byte(out):
        wheres.append(where)
        lowered = data.lower()
        assert not [s for s in anywhere if s in lowered], where
        assert not [w.pattern for w in words if w.search(data)], where
    assert len(wheres) > 100
    # The check went three archives deep (server tar.gz ! support tar.gz ! case zip ! a .gz member), and
    # what was nested is still there, under its redacted names.
    host, other = rmap.hosts["sv1"], rmap.hosts["sv2"]
    deep = f"{host}.tar.gz!{host}/log/support-{host}.tar.gz!{host}/case-{host}.zip!{host}/old-{other}.log.gz (gunzipped)"
    assert deep in wheres, [w for w in wheres if w.count("!") == 3]


def _rfc1918(address: str) -> str | None:
    """The private block (RFC 1918) the address lies in, or None."""
    return next((n for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
                 if ipaddress.IPv4Address(address) in ipaddress.ip_network(n)), None)


def _strict_tree(data: bytes):
    """clp.conf as a strict XML tree: decoded with its declared encoding (no replacement allowed), then
    parsed by expat (which reads no multi-byte encodings itself, hence the declaration swapped to UTF-8)."""
    import xml.etree.ElementTree as ET

    declared = clp_conf.declared_encoding(data)
    codec = {"euc-jp": "euc_jp", "shift_jis": "cp932"}[declared.lower()]
    text = data.decode(codec)  # strict
    return ET.fromstring(re.sub(r'encoding="[^"]+"', 'encoding="UTF-8"', text, count=1).encode("utf-8"))


def _shape(tree):
    return [(e.tag, sorted(e.attrib)) for e in tree.iter()]


@pytest.mark.parametrize("declared, codec", [("EUC-JP", "euc_jp"), ("Shift_JIS", "cp932")])
def test_clp_conf_strict_xml_same_shape_subnets_kept(collection, tmp_path, declared, codec):
    seeds = sensitive.seed(collection)
    for server in seeds["hosts"]:
        conf = collection / server / "etc" / "clp.conf"
        text = conf.read_bytes().decode("euc_jp").replace('encoding="EUC-JP"', f'encoding="{declared}"', 1)
        conf.write_bytes(text.encode(codec))
    before = {s: (collection / s / "etc" / "clp.conf").read_bytes() for s in seeds["hosts"]}
    _archives(collection)
    out, rmap, _ = _redact(collection, tmp_path, "--names", ",".join(NAMES))
    for server, original in before.items():
        host = rmap.hosts[server]
        redacted = tarfile.open(out / f"{host}.tar.gz").extractfile(f"{host}/etc/clp.conf").read()
        assert clp_conf.declared_encoding(redacted) == declared
        old, new = _strict_tree(original), _strict_tree(redacted)
        assert _shape(new) == _shape(old)  # only values changed
        assert [s.get("name") for s in new.iter("server")] == [rmap.hosts["sv1"], rmap.hosts["sv2"]]
        assert "業務グループ" in redacted.decode(codec) and b"Sm7p" not in redacted
        # Addresses keep their subnets: two addresses of one private block (here 192.168/16) share exactly as
        # many leading bits as before; private stays private, an outside address stays outside.
        pairs = list(zip(_conf_addresses(original), _conf_addresses(redacted)))
        assert len(pairs) >= 8 and len(_conf_addresses(original)) == len(_conf_addresses(redacted))
        assert all(a != b for a, b in pairs if not a.startswith(("127.", "255.", "0.")))

        def common(x, y):
            return 32 - (int(ipaddress.IPv4Address(x)) ^ int(ipaddress.IPv4Address(y))).bit_length()

        for (a1, b1) in pairs:
            assert _rfc1918(a1) == _rfc1918(b1), (a1, b1)
            for (a2, b2) in pairs:
                if a1.startswith("192.168.") and a2.startswith("192.168."):
                    assert common(b1, b2) == common(a1, a2), (a1, a2, b1, b2)
        assert any(common(a1, a2) >= 24 and a1 != a2 for a1, _ in pairs for a2, _ in pairs)  # a real subnet in there


def test_clp_conf_element_names_are_kept_values_and_comments_redacted():
    r = Redactor(RedactionMap.new(), hosts=["sv1"], names={"resource": ["exec1"]})
    conf = ('<?xml version="1.0" encoding="EUC-JP"?>\n<!-- made on sv1 -->\n<root><pm><exec1><recover>2</recover>'
            '</exec1></pm><resource><exec name="exec1"><comment>runs on sv1</comment></exec></resource>'
            '<server name="sv1"/></root>\n')
    out = r.clp_conf(conf)
    assert out == ('<?xml version="1.0" encoding="EUC-JP"?>\n<!-- made on host01 -->\n<root><pm><exec1><recover>2'
                   '</recover></exec1></pm><resource><exec name="res01"><comment>runs on host01</comment></exec>'
                   '</resource><server name="host01"/></root>\n')


def test_a_name_that_is_an_element_of_clp_conf_is_left_and_said(collection, tmp_path):
    # The sample's exec resource is named exec1, which is also <pm><exec1> in every clp.conf.
    out, map_path = tmp_path / "out", tmp_path / "map.json"
    result = CliRunner().invoke(main, ["redact", str(collection), "--out", str(out), "--map", str(map_path),
                                       "--names", "resource"])
    assert result.exit_code == 0, result.output
    assert "resource name 'exec1' is also an element name of clp.conf" in result.stderr
    rmap = RedactionMap.load(map_path)
    assert "exec1" not in rmap.names and rmap.names  # the other resources are replaced
    result_conf = (out / rmap.hosts["sv1"] / "etc" / "clp.conf").read_bytes()
    assert b"<pm><exec0>" in result_conf and b"<exec1>" in result_conf

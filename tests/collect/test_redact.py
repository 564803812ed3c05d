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

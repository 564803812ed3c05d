"""The clp.conf format module: paths, encodings, malformed files.

Expectations come from the hand-written fixtures in ``fixtures/`` (see the
comment at the top of each), never from the parser's own output.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from clpkit import formats
from clpkit.formats import clp_conf
from clpkit.problems import ParseError

FIXTURES = Path(__file__).parent / "fixtures"


def value(df: pl.DataFrame, path: str):
    hit = df.filter(pl.col("path") == path)
    assert hit.height == 1, f"{path}: {hit.height} rows"
    return hit["value"].item()


def test_registry_detects_clp_conf():
    assert formats.detect("etc/clp.conf").kind == "clp_conf"
    assert formats.detect("clp.conf.bak") is None


def test_schema_and_paths_of_the_ascii_fixture():
    df = formats.parse_file(FIXTURES / "mirror2.clp.conf", kind="clp_conf", server="sv1")
    assert df.schema == clp_conf.SCHEMA
    assert set(df["server"].unique()) == {"sv1"}
    assert value(df, "/root/cluster/name") == "mirror2"
    assert value(df, "/root/server@sv1/device@0/info") == "192.168.10.1"
    assert value(df, "/root/server@sv2/device@400/type") == "mdc"
    assert value(df, "/root/heartbeat/lankhb@lankhb2/priority") == "1"
    assert value(df, "/root/resource/md@md1/parameters/nmppath") == "/dev/NMP1"
    assert value(df, "/root/resource/md@md1/parameters/netdev@0/mdcname") == "mdc1"
    assert value(df, "/root/networkpartition/pingnp@pingnp1/grp@0/list@0/ip") == "192.168.10.254"
    assert value(df, "/root/cluster/rsctimeout/rsctoaction") == "3"
    assert value(df, "/root/pm/exec0/recover") == "7"
    # a key-only element is a row without value; its name may contain '@'
    assert value(df, "/root/group@failover1/resource@md@md1") is None
    # attributes other than the key are rows of their own
    assert value(df, "/root/extension/@vendor") == "local"
    # empty elements without attributes are not rows
    assert df.filter(pl.col("path") == "/root/cluster/comment").height == 0
    assert df["problem"].null_count() == df.height


def test_line_numbers_point_into_the_file():
    df = formats.parse_file(FIXTURES / "mirror2.clp.conf", kind="clp_conf")
    lines = (FIXTURES / "mirror2.clp.conf").read_text().splitlines()
    for path in ["/root/cluster/name", "/root/server@sv2", "/root/resource/md@md1/parameters/mddriver/acktimeout"]:
        line = df.filter(pl.col("path") == path)["line"].item()
        tag = path.rsplit("/", 1)[1].split("@")[0]
        assert f"<{tag}" in lines[line - 1], (path, line, lines[line - 1])
    assert df["line"].is_sorted()


@pytest.mark.parametrize(("name", "declared"), [("japanese-eucjp.clp.conf", "EUC-JP"), ("japanese-sjis.clp.conf", "Shift_JIS")])
def test_multibyte_encodings(name, declared):
    data = (FIXTURES / name).read_bytes()
    assert clp_conf.declared_encoding(data) == declared
    df = clp_conf.parse(data, source=name)
    assert value(df, "/root/cluster/comment") == "本番クラスタ（東京）"
    assert value(df, "/root/server@node-b/comment") == "二号機"
    assert value(df, "/root/group@業務グループ/comment") == "業務用フェイルオーバグループ"
    assert value(df, "/root/group@業務グループ/resource@exec@exec1") is None
    assert df["problem"].null_count() == df.height


def test_undecodable_bytes_are_replaced_counted_and_marked():
    # 0x83 0x41 is Katakana "ア" in Shift_JIS; a lone 0x83 before "<" is not.
    data = b'<?xml version="1.0" encoding="Shift_JIS"?>\n<root>\n<a>ok</a>\n<b>x\x83</b>\n<c>\x83\x41</c>\n</root>\n'
    text, replaced = clp_conf.decode(data)
    assert replaced == 1
    df = clp_conf.parse(data, source="bad.conf")
    assert value(df, "/root/c") == "ア"
    bad = df.filter(pl.col("problem").is_not_null())
    assert bad["path"].to_list() == ["/root/b"]
    assert bad["line"].to_list() == [4]
    assert "1 in the file" in bad["problem"].item()


def test_gb2312_is_read_with_its_superset():
    data = '<?xml version="1.0" encoding="GB2312"?><root><cluster><comment>集群</comment></cluster></root>'.encode("gb2312")
    assert value(clp_conf.parse(data), "/root/cluster/comment") == "集群"


def test_malformed_xml_names_file_and_line():
    data = b'<?xml version="1.0" encoding="ASCII"?>\n<root>\n  <cluster>\n    <name>x</nam>\n  </cluster>\n</root>\n'
    with pytest.raises(ParseError) as err:
        clp_conf.parse(data, source="etc/clp.conf")
    assert err.value.file == "etc/clp.conf" and err.value.line == 4
    assert "mismatched tag" in err.value.reason


def test_unknown_encoding_is_a_clear_error():
    with pytest.raises(ParseError, match="unknown encoding 'X-NOPE'"):
        clp_conf.parse(b'<?xml version="1.0" encoding="X-NOPE"?><root/>', source="c.conf")


def test_empty_input_is_the_empty_schema():
    assert clp_conf.parse(b"").schema == clp_conf.SCHEMA
    assert clp_conf.parse(b"  \n").height == 0

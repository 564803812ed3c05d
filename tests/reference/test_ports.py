"""clpkit ports against hand-written configurations.

The expected flows are worked out by hand from the guide's port table
(L1705-2037) and the fixture (see its header comment).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from clpkit import config
from clpkit.reference import ports as P

FIXTURES = Path(__file__).parent / "fixtures"
MIRROR2 = Path(__file__).parents[1] / "config" / "fixtures" / "mirror2.clp.conf"
THREE = FIXTURES / "three-servers.clp.conf"


def flows_of(path: Path, **kw) -> list[P.Port]:
    return P.ports(config.load(path), **kw)


def key(p: P.Port) -> tuple:
    return (p.source, p.source_address, p.destination, p.destination_address, p.port, p.protocol)


def test_two_server_mirror_cluster():
    flows = flows_of(MIRROR2)
    keys = {key(p) for p in flows}
    # fixed ports both ways over both interconnects (10.x and 20.x networks)
    for a, b, net in [("sv1", "sv2", 10), ("sv2", "sv1", 10), ("sv1", "sv2", 20), ("sv2", "sv1", 20)]:
        src, dst = f"192.168.{net}.{a[-1]}", f"192.168.{net}.{b[-1]}"
        for port, proto in [(29001, "tcp"), (29002, "tcp"), (29002, "udp"), (29003, "udp"), (29004, "tcp"), (None, "icmp")]:
            assert (a, src, b, dst, port, proto) in keys
        # kernel-mode heartbeat: lankhb1 on device 0, lankhb2 on device 1
        assert (a, src, b, dst, 29006, "udp") in keys
    # the mirror's three ports only over its mirror connect (device 400)
    for a, b in [("sv1", "sv2"), ("sv2", "sv1")]:
        for port in (29051, 29031, 29071):
            assert (a, f"192.168.30.{a[-1]}", b, f"192.168.30.{b[-1]}", port, "tcp") in keys
    assert not any(p.port in (29051, 29031, 29071) and p.destination_address.startswith("192.168.10.") for p in flows)
    # WebUI to each interconnect address of each server
    webui = sorted(p.destination_address for p in flows if p.source == "Cluster WebUI")
    assert webui == ["192.168.10.1", "192.168.10.2", "192.168.20.1", "192.168.20.2"]
    # ping NP target from each server
    assert {(p.source, p.destination_address) for p in flows if p.destination == "ping NP target"} == {
        ("sv1", "192.168.10.254"),
        ("sv2", "192.168.10.254"),
    }
    # nothing unconfigured: no log port, BMC, witness, cloud
    assert not any(p.port in (623, 5570, 162, 514, 443, 53) for p in flows)
    assert not any("log" in p.purpose for p in flows)
    assert len(flows) == 2 * 2 * 6 + 4 + 6 + 4 + 2


def test_configured_extras_on_three_servers():
    flows = flows_of(THREE)
    assert len(flows) == 80
    by_port = Counter((p.port, p.protocol) for p in flows)
    assert by_port[(29001, "tcp")] == 6  # 3 servers, 6 ordered pairs, one interconnect
    assert by_port[(29006, "udp")] == 0  # lanhb only, no kernel-mode heartbeat
    # md1 defaults, hd1 data port set to 30000, its driver ports default + 1
    mirror = {(p.purpose, p.port) for p in flows if "(md1)" in p.purpose or "(hd1)" in p.purpose}
    assert mirror == {
        ("mirror data synchronisation (md1)", 29051),
        ("mirror driver communication (md1)", 29031),
        ("mirror driver communication (ack) (md1)", 29071),
        ("mirror data synchronisation (hd1)", 30000),
        ("mirror driver communication (hd1)", 29032),
        ("mirror driver communication (ack) (hd1)", 29072),
    }
    # sv3 has no mirror connect: no mirror traffic to or from it
    assert not any(("sv3" in (p.source, p.destination)) and p.port in (29051, 30000, 29031) for p in flows)
    assert by_port[(29010, "udp")] == 6  # log method UDP
    bmc = {key(p) for p in flows if p.port in (623, 5570)}
    assert bmc == {
        ("sv1", None, "BMC of sv1", "10.0.6.1", 623, "udp"),
        ("sv2", None, "BMC of sv2", "10.0.6.2", 623, "udp"),
        ("BMC of sv1", "10.0.6.1", "BMC of sv2", "10.0.6.2", 5570, "udp"),
        ("BMC of sv2", "10.0.6.2", "BMC of sv1", "10.0.6.1", 5570, "udp"),
    }
    assert by_port[(162, "udp")] == 0  # no external linkage monitor
    assert [key(p) for p in flows if p.port == 514] == [("sv1", None, "network warning light", "10.0.9.9", 514, "tcp")]
    assert {(p.source, p.destination_address, p.port) for p in flows if p.destination == "witnesshb1 host"} == {
        ("sv1", "10.1.1.1", 8080), ("sv2", "10.1.1.1", 8080), ("sv3", "10.1.1.1", 8080)
    }
    assert {p.port for p in flows if p.destination == "httpnp1 host"} == {80}
    assert by_port[(None, "icmp")] == 6 + 3  # server pairs + IP monitor target from each server
    assert sum(1 for p in flows if p.destination == "JVM monitor target") == 3
    assert by_port[(443, "tcp")] == 3 and by_port[(53, "udp")] == 3


def test_log_port_from_the_command_line():
    flows = flows_of(MIRROR2, log_udp_port=29999)
    assert sum(1 for p in flows if p.port == 29999 and p.protocol == "udp") == 4


def test_firewall_commands():
    cfg = config.load(THREE)
    flows = P.ports(cfg)
    servers = [s.name for s in cfg.servers]
    ipt = P.render_firewall(flows, servers, "iptables")
    assert ipt.index("# --- on sv1 ---") < ipt.index("# --- on sv2 ---") < ipt.index("# --- on sv3 ---")
    sv3 = ipt.split("# --- on sv3 ---")[1]
    assert "iptables -A INPUT -p tcp -s 10.0.0.1 -d 10.0.0.3 --dport 29001 -j ACCEPT  # internal communication" in sv3
    assert "iptables -A INPUT -p icmp -s 10.0.0.2 -d 10.0.0.3 -j ACCEPT" in sv3
    assert "iptables -A INPUT -p udp -s 10.0.0.1 -d 10.0.0.3 --dport 29010 -j ACCEPT" in sv3
    assert "iptables -A INPUT -p tcp -d 10.0.0.3 --dport 29003 -j ACCEPT  # Cluster WebUI (http)" in sv3
    assert "iptables -A OUTPUT -p tcp -d 10.1.1.1 --dport 8080 -j ACCEPT  # Witness heartbeat" in sv3
    assert "iptables -A OUTPUT -p udp --dport 53 -j ACCEPT  # Azure DNS monitor" in sv3
    assert "29051" not in sv3
    sv1 = ipt.split("# --- on sv1 ---")[1].split("# --- on sv2 ---")[0]
    assert "iptables -A INPUT -p tcp -s 10.0.4.2 -d 10.0.4.1 --dport 30000 -j ACCEPT" in sv1
    assert "iptables -A OUTPUT -p udp -d 10.0.6.1 --dport 623 -j ACCEPT" in sv1
    assert "add it by hand" in sv1  # the JVM monitor's ports are not in clp.conf
    nft = P.render_firewall(flows, servers, "nftables")
    assert "nft add rule inet filter input ip saddr 10.0.0.2 ip daddr 10.0.0.1 tcp dport 29004 accept" in nft
    assert "nft add rule inet filter input ip saddr 10.0.0.3 ip daddr 10.0.0.1 ip protocol icmp accept" in nft
    fwd = P.render_firewall(flows, servers, "firewalld")
    assert (
        "firewall-cmd --permanent --add-rich-rule='rule family=\"ipv4\" source address=\"10.0.4.1\" "
        "destination address=\"10.0.4.2\" port port=\"29031\" protocol=\"tcp\" accept'"
    ) in fwd
    assert fwd.count("firewall-cmd --reload") == 3
    # duplicates collapse: every command line is unique within a server block
    for block in ipt.split("# --- on ")[1:]:
        lines = [line for line in block.splitlines()[1:] if line]
        assert len(lines) == len(set(lines))
    with pytest.raises(ValueError, match="unknown firewall style"):
        P.render_firewall(flows, servers, "pf")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clpkit", *args], capture_output=True, text=True)


def test_cli_ports():
    res = run_cli("ports", str(MIRROR2))
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines[0].split()[:4] == ["from", "from", "address", "to"]
    assert any("29051/tcp" in line and "192.168.30.1" in line and "192.168.30.2" in line for line in lines)
    assert len(lines) == 2 + 40
    res = run_cli("ports", str(MIRROR2), "--format", "json")
    rows = json.loads(res.stdout)
    assert len(rows) == 40 and rows[0]["port"] == 29001
    res = run_cli("ports", str(MIRROR2), "--format", "nftables")
    assert res.returncode == 0 and res.stdout.startswith("# --- on sv1 ---\nnft add rule inet filter input")

"""Every port a configured cluster needs, per server pair and direction (guide L1705-2037, SPEC 4).

Facts from the guide's port table, kept as data below:

- between servers, always: 29001/tcp internal, 29002/tcp data, 29002/udp
  heartbeat, 29003/udp alert sync, 29004/tcp mirror agent, and ICMP;
- between servers, when configured: 29006/udp for a kernel-mode LAN
  heartbeat (lankhb); three ports per mirror or hybrid disk resource (data
  synchronisation from 29051, mirror driver from 29031 and 29071, one more
  per resource); the internal log port only when the log method is UDP;
- Cluster WebUI to every server: 29003/tcp;
- other peers only when configured: BMC 623/udp (and 5570/udp between
  BMCs for a BMC heartbeat), the network warning light 514/tcp, the
  Witness and HTTP network-partition hosts at their configured ports, ICMP
  to ping-NP and IP-monitor targets, JVM monitor ports, AWS endpoints
  443/tcp, Azure endpoints 443/tcp and Azure DNS 53/udp.

Addresses come from clp.conf: interconnect (``lan``) devices carry the
fixed ports, heartbeats the devices they name, mirrors their mirror disk
connect (``mdc``) devices. Which clp.conf element holds a mirror's port
numbers and the log method is not published: the paths in
:data:`MIRROR_PORTS` and :data:`LOG_METHOD_PATH` are inferred ([I]); when
absent the guide's defaults apply, numbered in file order.

>>> from clpkit import config
>>> cfg = config.load(config.SAMPLE)
>>> [(p.source, p.destination, p.port, p.protocol) for p in ports(cfg)][:3]
[('sv1', 'sv2', 29001, 'tcp'), ('sv1', 'sv2', 29002, 'tcp'), ('sv1', 'sv2', 29002, 'udp')]
>>> sorted(p.port for p in ports(cfg) if p.source == "sv1" and p.destination == "sv2" and "md1" in p.purpose)
[29031, 29051, 29071]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import polars as pl

from clpkit.config import ClusterConfig, require_linux

#: Server-to-server ports every cluster uses (port, protocol, purpose).
FIXED_SERVER_PORTS = (
    (29001, "tcp", "internal communication"),
    (29002, "tcp", "data transfer"),
    (29002, "udp", "heartbeat"),
    (29003, "udp", "alert synchronisation"),
    (29004, "tcp", "mirror agent communication"),
)
KERNEL_HEARTBEAT_PORT = 29006
WEBUI_PORT = 29003
#: Per mirror/hybrid resource: (key, purpose, first default, inferred clp.conf paths under the resource).
MIRROR_PORTS = (
    ("data", "mirror data synchronisation", 29051, ("parameters/mdport",)),
    ("driver", "mirror driver communication", 29031, ("parameters/hbport",)),
    ("driver2", "mirror driver communication (ack)", 29071, ("parameters/ackport", "parameters/ack2port")),
)
#: Inferred: the log method ("udp" selects the UDP log port) and its port.
LOG_METHOD_PATH = "/root/log/method"
LOG_PORT_PATH = "/root/log/port"
BMC_PORT = 623
BMC_HEARTBEAT_PORT = 5570
BMC_TRAP_PORT = 162
WARNING_LIGHT_PORT = 514
WARNING_LIGHT_TYPES = ("dn1000s", "dn1500gl", "patlite", "nhfv1")

PORT_SCHEMA = pl.Schema(
    {
        "source": pl.String,
        "source_address": pl.String,
        "destination": pl.String,
        "destination_address": pl.String,
        "port": pl.Int32,
        "protocol": pl.String,
        "purpose": pl.String,
        "condition": pl.String,
    }
)


@dataclass(frozen=True)
class Port:
    """One allowed flow: from a source to a destination port (None: ICMP or a port set elsewhere)."""

    source: str
    source_address: str | None
    destination: str
    destination_address: str | None
    port: int | None
    protocol: str
    purpose: str
    condition: str


def _device_ip(cfg: ClusterConfig, server: str, device: str | None) -> str | None:
    if device is None:
        return None
    return cfg.get(f"/root/server@{server}/device@{device}/info")


def _lan_devices(cfg: ClusterConfig, server: str) -> list[str]:
    return [a.device for a in next(s for s in cfg.servers if s.name == server).addresses if a.type == "lan"]


def _pairs(cfg: ClusterConfig, devices: list[str]) -> list[tuple[str, str, str, str | None, str | None]]:
    """(src, dst, device, src ip, dst ip) for every ordered server pair over each device both have."""
    names = [s.name for s in cfg.servers]
    out = []
    for a in names:
        for b in names:
            if a == b:
                continue
            for dev in devices:
                ip_a, ip_b = _device_ip(cfg, a, dev), _device_ip(cfg, b, dev)
                if ip_a is not None and ip_b is not None:
                    out.append((a, b, dev, ip_a, ip_b))
    return out


def _interconnects(cfg: ClusterConfig) -> list[str]:
    seen: dict[str, None] = {}
    for s in cfg.servers:
        for dev in _lan_devices(cfg, s.name):
            seen[dev] = None
    return list(seen)


def _mirror_devices(cfg: ClusterConfig, name: str) -> list[str]:
    mirror = cfg.mirror(name)
    devices = [mc["device"] for mc in mirror["mirror_connects"] if mc.get("device")]
    if devices:
        return devices
    mdc = {a.device for s in cfg.servers for a in s.addresses if a.type == "mdc"}
    return sorted(mdc) or _interconnects(cfg)


def mirror_ports(cfg: ClusterConfig) -> dict[str, dict[str, int]]:
    """The three ports of every mirror/hybrid resource: configured values, else default + file order."""
    out = {}
    for index, name in enumerate(cfg.mirrors()):
        rtype = cfg.mirror(name)["type"]
        ports = {}
        for key, _, first, paths in MIRROR_PORTS:
            values = [cfg.get(f"/root/resource/{rtype}@{name}/{path}") for path in paths]
            value = next((v for v in values if v and v.isdigit()), None)
            ports[key] = int(value) if value else first + index
        out[name] = ports
    return out


def ports(cfg: ClusterConfig, *, log_udp_port: int | None = None) -> list[Port]:
    """Every flow the configured cluster needs, in a stable order.

    The table is the Linux guide's: a Windows cluster is refused (``config.WindowsCluster``).
    """
    require_linux(cfg, "its port table is the Linux one")
    out: list[Port] = []
    servers = [s.name for s in cfg.servers]
    interconnect_pairs = _pairs(cfg, _interconnects(cfg))

    for a, b, _, ip_a, ip_b in interconnect_pairs:
        for port, proto, purpose in FIXED_SERVER_PORTS:
            out.append(Port(a, ip_a, b, ip_b, port, proto, purpose, "always"))
        out.append(Port(a, ip_a, b, ip_b, None, "icmp", "mirror keepalive, FIP/VIP duplicate check, mirror agent", "always"))

    for hb in cfg.heartbeats:
        if hb.type == "lankhb":
            for a, b, _, ip_a, ip_b in _pairs(cfg, [hb.device] if hb.device else []):
                out.append(Port(a, ip_a, b, ip_b, KERNEL_HEARTBEAT_PORT, "udp", "kernel-mode LAN heartbeat", f"{hb.name} configured"))

    for name, numbers in mirror_ports(cfg).items():
        for a, b, _, ip_a, ip_b in _pairs(cfg, _mirror_devices(cfg, name)):
            for key, purpose, _, _ in MIRROR_PORTS:
                out.append(Port(a, ip_a, b, ip_b, numbers[key], "tcp", f"{purpose} ({name})", f"{name} configured"))

    method = (cfg.get(LOG_METHOD_PATH) or "").lower()
    if log_udp_port is None and method == "udp" and (cfg.get(LOG_PORT_PATH) or "").isdigit():
        log_udp_port = int(cfg.get(LOG_PORT_PATH))
    if log_udp_port is not None:
        for a, b, _, ip_a, ip_b in interconnect_pairs:
            out.append(Port(a, ip_a, b, ip_b, log_udp_port, "udp", "internal log communication", "log method UDP"))

    for s in cfg.servers:
        for dev in _lan_devices(cfg, s.name):
            out.append(Port("Cluster WebUI", None, s.name, _device_ip(cfg, s.name, dev), WEBUI_PORT, "tcp", "Cluster WebUI (http)", "always"))

    # BMC and warning lights: devices of each server.
    bmc = {s.name: dev["info"] for s in cfg.servers for dev in s.devices.values() if dev.get("type") == "bmc" and dev.get("info")}
    for server, ip in bmc.items():
        out.append(Port(server, None, f"BMC of {server}", ip, BMC_PORT, "udp", "BMC control (forced stop, chassis lamp)", "BMC configured"))
        if any(m.type == "mrw" for m in cfg.monitors):
            out.append(Port(f"BMC of {server}", ip, server, None, BMC_TRAP_PORT, "udp", "BMC alerts to the external linkage monitor", "mrw monitor and BMC configured"))
    if any(h.type == "bmchb" for h in cfg.heartbeats):
        for a in bmc:
            for b in bmc:
                if a != b:
                    out.append(Port(f"BMC of {a}", bmc[a], f"BMC of {b}", bmc[b], BMC_HEARTBEAT_PORT, "udp", "BMC heartbeat", "bmchb configured"))
    for s in cfg.servers:
        for dev in s.devices.values():
            if dev.get("type") in WARNING_LIGHT_TYPES:
                out.append(Port(s.name, None, "network warning light", dev.get("info"), WARNING_LIGHT_PORT, "tcp", "network warning light control", f"{dev['type']} configured"))

    # Witness and HTTP network partition hosts, ping NP and IP monitor targets.
    for hb in cfg.heartbeats + cfg.network_partitions:
        if hb.type in ("witnesshb", "httpnp"):
            port = hb.params.get("port")
            purpose = "Witness heartbeat" if hb.type == "witnesshb" else "HTTP network partition resolution"
            for server in servers:
                out.append(Port(server, None, f"{hb.name} host", hb.params.get("host"), int(port) if port and port.isdigit() else None, "tcp", purpose, f"{hb.name} configured"))
        if hb.type == "pingnp":
            targets = [v for k, v in hb.params.items() if k.endswith("/ip")]
            for server in servers:
                for ip in targets:
                    out.append(Port(server, None, "ping NP target", ip, None, "icmp", "ping network partition resolution", f"{hb.name} configured"))
    for m in cfg.monitors:
        if m.type == "ipw":
            for key, ip in m.params.items():
                if key.startswith("parameters/list@") and key.endswith("/ip"):
                    for server in servers:
                        out.append(Port(server, None, "IP monitor target", ip, None, "icmp", f"IP monitor {m.name}", f"{m.name} configured"))
        if m.type == "jraw":
            for server in servers:
                out.append(Port(server, None, "JVM monitor target", None, None, "tcp", f"JVM monitor {m.name} (ports as configured)", f"{m.name} configured"))

    # Cloud endpoints.
    kinds = [r.type for r in cfg.resources] + [m.type for m in cfg.monitors]
    if any(k.startswith("aws") for k in kinds):
        for server in servers:
            out.append(Port(server, None, "AWS regional endpoint", None, 443, "tcp", "AWS CLI (AWS resources and monitors)", "AWS resource or monitor configured"))
    if "azuredns" in kinds:
        for server in servers:
            out.append(Port(server, None, "Azure endpoint", None, 443, "tcp", "Azure CLI (Azure DNS resource)", "azuredns configured"))
    if "azurednsw" in kinds:
        for server in servers:
            out.append(Port(server, None, "Azure authoritative DNS", None, 53, "udp", "Azure DNS monitor", "azurednsw configured"))
    return out


def to_frame(flows: list[Port]) -> pl.DataFrame:
    return pl.DataFrame([asdict(p) for p in flows], schema=PORT_SCHEMA) if flows else PORT_SCHEMA.to_frame()


def render_table(flows: list[Port]) -> str:
    """A fixed-width text table, one flow per line."""
    header = ("from", "from address", "to", "to address", "port", "purpose", "because")
    rows = [
        (
            p.source,
            p.source_address or "-",
            p.destination,
            p.destination_address or "-",
            p.protocol if p.port is None and p.protocol == "icmp" else f"{p.port if p.port is not None else 'as set'}/{p.protocol}",
            p.purpose,
            p.condition,
        )
        for p in flows
    ]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip() for r in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _by_host(cfg_servers: set[str], flows: list[Port]) -> dict[str, list[tuple[str, Port]]]:
    """Rules grouped by the server that applies them: ('in', flow) where it receives, ('out', flow) where it sends."""
    hosts: dict[str, list[tuple[str, Port]]] = {}
    for p in flows:
        if p.destination in cfg_servers:
            hosts.setdefault(p.destination, []).append(("in", p))
        elif p.source in cfg_servers:
            hosts.setdefault(p.source, []).append(("out", p))
    return hosts


def render_firewall(flows: list[Port], servers: list[str], style: str) -> str:
    """Ready commands for ``firewalld``, ``nftables`` or ``iptables``, one block per server."""
    lines: list[str] = []
    grouped = _by_host(set(servers), flows)
    for host in [s for s in servers if s in grouped]:
        rules = grouped[host]
        lines.append(f"# --- on {host} ---")
        seen: set[str] = set()
        for direction, p in rules:
            cmd = _rule(style, direction, p)
            if cmd not in seen:
                seen.add(cmd)
                lines.append(cmd)
        if style == "firewalld":
            lines.append("firewall-cmd --reload")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _rule(style: str, direction: str, p: Port) -> str:
    why = f"{p.purpose}"
    if p.port is None and p.protocol != "icmp":
        return f"# {direction}: {p.destination} {p.protocol} port as configured for {why}: add it by hand"
    peer = p.source_address if direction == "in" else p.destination_address
    local = p.destination_address if direction == "in" else p.source_address
    if style == "iptables":
        chain = "INPUT" if direction == "in" else "OUTPUT"
        peer_opt = f" -s {peer}" if direction == "in" and peer else (f" -d {peer}" if peer else "")
        local_opt = f" -d {local}" if direction == "in" and local else (f" -s {local}" if direction == "out" and local else "")
        port = "" if p.protocol == "icmp" else f" --dport {p.port}"
        return f"iptables -A {chain} -p {p.protocol}{peer_opt}{local_opt}{port} -j ACCEPT  # {why}"
    if style == "nftables":
        chain = "input" if direction == "in" else "output"
        peer_opt = (f" ip saddr {peer}" if direction == "in" else f" ip daddr {peer}") if peer else ""
        local_opt = (f" ip daddr {local}" if direction == "in" else f" ip saddr {local}") if local else ""
        match = " ip protocol icmp" if p.protocol == "icmp" else f" {p.protocol} dport {p.port}"
        return f"nft add rule inet filter {chain}{peer_opt}{local_opt}{match} accept  # {why}"
    if style == "firewalld":
        if direction == "out":
            target = f"{p.destination_address or p.destination}"
            port = p.protocol if p.protocol == "icmp" else f"{p.port}/{p.protocol}"
            return f"# outgoing {port} to {target} ({why}): allowed by firewalld's default outbound policy"
        src = f' source address="{peer}"' if peer else ""
        dst = f' destination address="{local}"' if local else ""
        match = ' protocol value="icmp"' if p.protocol == "icmp" else f' port port="{p.port}" protocol="{p.protocol}"'
        return f"firewall-cmd --permanent --add-rich-rule='rule family=\"ipv4\"{src}{dst}{match} accept'"
    raise ValueError(f"unknown firewall style {style!r}: use firewalld, nftables or iptables")

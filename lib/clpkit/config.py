"""``clp.conf`` as a typed model: servers, heartbeats, groups, resources, monitors.

Built on the flat rows of :mod:`clpkit.formats.clp_conf`, so every element of
the file stays reachable with :meth:`ClusterConfig.get` in the ``a@x`` path
notation of SPEC 3.7, including the ones this model does not name.

Layout facts come from the vendor's public configuration tools (clpcfset,
clpcreate; evidence level [P]): servers hold ``device@N`` entries whose
``type`` is ``lan`` (interconnect) or ``mdc`` (mirror disk connect) and whose
``info`` is the address; a group lists its resources as
``resource@<type>@<name>`` and its servers as ``policy@<server>/order``
(all servers when absent); resources live under ``/root/resource/<type>@<name>``,
monitors under ``/root/monitor/<type>@<name>``; ``types@<type>`` entries are
bookkeeping and are skipped.

>>> cfg = load(SAMPLE)
>>> cfg.name, [s.name for s in cfg.servers], cfg.servers[0].addresses[0].address
('cluster1', ['sv1', 'sv2'], '192.168.0.1')
>>> [(r.type, r.name, r.group) for r in cfg.resources]
[('md', 'md1', 'failover1')]
>>> cfg.mirror("md1")["acktimeout"], cfg.mirror("md1")["nmppath"]
(30, '/dev/NMP1')
>>> cfg.get("/root/resource/md@md1/parameters/mddriver/acktimeout")
'30'
>>> [a["action"] for a in cfg.final_actions() if a["setting"] == "rsctoaction"]
['stop cluster service and reboot OS']
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import polars as pl

from clpkit.formats import clp_conf
from clpkit.problems import ClpkitError, ParseError

SAMPLE = """<?xml version="1.0" encoding="ASCII"?>
<root>
  <cluster><name>cluster1</name><rsctimeout><rsctoaction>3</rsctoaction></rsctimeout></cluster>
  <server name="sv1"><priority>0</priority>
    <device id="0"><type>lan</type><info>192.168.0.1</info></device></server>
  <server name="sv2"><priority>1</priority>
    <device id="0"><type>lan</type><info>192.168.0.2</info></device></server>
  <group name="failover1"><resource name="md@md1"/></group>
  <resource><types name="md"/><md name="md1"><parameters>
    <nmppath>/dev/NMP1</nmppath><mddriver><acktimeout>30</acktimeout></mddriver>
  </parameters></md></resource>
</root>
"""

# --- final actions -------------------------------------------------------
# Each setting numbers its final actions differently. The SPEC 3.7 table is
# the one of cluster/rsctimeout/rsctoaction; the others come from the
# vendor's public parameter documentation (CreateClusterOnLinux, [P]).
_HW = {
    8: "sysrq panic",
    9: "keepalive reset",
    10: "keepalive panic",
    11: "BMC reset",
    12: "BMC power off",
    13: "BMC power cycle",
    14: "BMC NMI",
    15: "I/O fencing",
}
#: cluster/rsctimeout/rsctoaction (SPEC 3.7 table): default 2.
RSCTO_ACTIONS = {0: "no operation", 2: "stop cluster service and shut down OS", 3: "stop cluster service and reboot OS", **_HW}
#: resource act/action and deact/action: defaults 1 (act) and 4 (deact).
RESOURCE_ACTIONS = {
    0: "no operation (activate/deactivate next resource)",
    1: "no operation (do not activate/deactivate next resource)",
    2: "stop group",
    3: "stop cluster service",
    4: "stop cluster service and shut down OS",
    5: "stop cluster service and reboot OS",
    **_HW,
}
#: monitor emergency/action.
MONITOR_ACTIONS = {
    1: "no operation",
    2: "stop group",
    3: "stop cluster service",
    4: "stop cluster service and shut down OS",
    5: "stop cluster service and reboot OS",
    **_HW,
    16: "stop resource",
}
#: cluster/networkpartition/npaction: default 2.
NP_ACTIONS = {
    0: "no operation",
    1: "stop cluster service",
    2: "stop cluster service and shut down OS",
    3: "stop cluster service and reboot OS",
    4: "sysrq panic",
    5: "keepalive reset",
    6: "keepalive panic",
    7: "BMC reset",
    8: "BMC power off",
    9: "BMC power cycle",
    10: "BMC NMI",
    11: "I/O fencing",
}
#: pm/exec0..2/recover (cluster process failure): default 2.
PM_ACTIONS = {
    2: "shut down OS",
    3: "reboot OS",
    5: "sysrq panic",
    6: "keepalive reset",
    7: "keepalive panic",
    8: "BMC reset",
    9: "BMC power off",
    10: "BMC power cycle",
    11: "BMC NMI",
    12: "I/O fencing",
}


#: Which :meth:`ClusterConfig.final_actions` setting decides the final action of
#: each server-down condition (the codes of ``clpkit.catalog.SERVER_DOWN_CONDITIONS``).
#: A setting ending in ``/`` stands for every setting below it (``pm/exec0/recover`` …).
#: Conditions missing here have no clp.conf setting: their behaviour is fixed.
CONDITION_SETTINGS: dict[str, tuple[str, ...]] = {
    "activation_failure_final_action": ("act/action",),
    "deactivation_failure_final_action": ("deact/action",),
    "activation_stall": ("rsctoaction",),
    "deactivation_stall": ("rsctoaction",),
    "monitor_error_final_action": ("emergency/action",),
    "emergency_shutdown": ("pm/",),
    "network_partition_resolution": ("npaction",),
}


def setting_matches(setting: str, wanted: tuple[str, ...]) -> bool:
    """Whether a final_actions() ``setting`` is one of ``wanted`` (see :data:`CONDITION_SETTINGS`).

    >>> setting_matches("pm/exec1/recover", CONDITION_SETTINGS["emergency_shutdown"])
    True
    """
    return any(setting == w or (w.endswith("/") and setting.startswith(w)) for w in wanted)


def action_name(table: dict[int, str], code: str | int | None) -> str | None:
    """The name of a final-action code in ``table``; unknown codes stay visible as ``code N``.

    >>> action_name(RSCTO_ACTIONS, "9"), action_name(RSCTO_ACTIONS, 42), action_name(RSCTO_ACTIONS, None)
    ('keepalive reset', 'code 42', None)
    """
    if code is None or str(code).strip() == "":
        return None
    try:
        number = int(str(code).strip())
    except ValueError:
        return f"code {code}"
    return table.get(number, f"code {number}")


# --- mirror defaults -------------------------------------------------------
#: Mirror (md) and hybrid (hd) settings: relative path under
#: ``parameters/`` and the default applied when absent (None: no default).
#: Units assumed: every timeout and interval here is in seconds (the ack
#: times of the mirror statistics are milliseconds; compare with
#: ``acktimeout * 1000``); sendqueuesize counts requests, 0 = unlimited.
MIRROR_SETTINGS: dict[str, tuple[str, object]] = {
    "acktimeout": ("mddriver/acktimeout", 100),
    "sendqueuesize": ("mddriver/sendqueuesize", 2048),
    "syncmode": ("mddriver/syncmode", 1),
    "hbinterval": ("mddriver/hbinterval", 10),
    "pingtimeout": ("mddriver/pingtimeout", 2),
    "sendtimeout": ("mddriver/sendtimeout", 30),
    "connecttimeout": ("mddriver/connecttimeout", 10),
    "compress": ("mddriver/compress", 0),
    "umount_timeout": ("umount/timeout", 300),
    "mount_timeout": ("mount/timeout", 120),
    "fsck_timeout": ("fsck/timeout", 7200),
    "fullcopy": ("fullcopy", 1),
    "mkfs": ("mkfs", 0),
    "nmppath": ("nmppath", None),
    "dppath": ("diskdev/dppath", None),
    "cppath": ("diskdev/cppath", None),
    "mount_point": ("mount/point", None),
    "fs": ("fs", None),
}

MIRROR_TYPES = ("md", "hd")


# --- model -----------------------------------------------------------------
@dataclass(frozen=True)
class Address:
    """One network device of a server: ``lan`` devices are interconnects, ``mdc`` mirror disk connects."""

    device: str
    type: str
    role: str
    address: str | None


@dataclass(frozen=True)
class Server:
    name: str
    priority: int | None
    addresses: list[Address]
    devices: dict[str, dict[str, str | None]]  # every device@N: its type, info and other values


@dataclass(frozen=True)
class Heartbeat:
    """A heartbeat or network-partition resolution entry (``kind`` says which)."""

    kind: str
    type: str
    name: str
    priority: int | None
    device: str | None
    params: dict[str, str | None]


@dataclass(frozen=True)
class Group:
    name: str
    type: str | None
    resources: list[tuple[str, str]]  # (type, name) in file order
    servers: list[str]  # startup order; all servers by priority when the group names none


@dataclass(frozen=True)
class Resource:
    type: str
    name: str
    group: str | None
    params: dict[str, str | None]  # every value below the resource, by relative path


@dataclass(frozen=True)
class Monitor:
    """A monitor resource; interval and timeout in seconds, None when the file leaves the type default."""

    type: str
    name: str
    interval: int | None
    timeout: int | None
    target: str | None
    recovery: dict[str, object]
    params: dict[str, str | None]


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


@dataclass
class ClusterConfig:
    """The parsed configuration; ``values`` maps every path to its text (None for key-only elements)."""

    values: dict[str, str | None]
    source: str = "<bytes>"
    replaced_chars: int = 0
    encoding: str | None = None
    _children: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for path in self.values:
            parts = path.split("/")
            for depth in range(2, len(parts)):
                parent, child = "/".join(parts[:depth]), parts[depth]
                kids = self._children.setdefault(parent, [])
                if child not in kids:
                    kids.append(child)

    # -- generic access ------------------------------------------------------
    def get(self, path: str, default: str | None = None) -> str | None:
        """The text of the element at ``path`` (``/root/server@sv1/device@0/info``), or ``default``."""
        path = "/" + path.strip("/")
        value = self.values.get(path)
        return default if value is None else value

    def has(self, path: str) -> bool:
        """Whether an element exists at ``path`` (with a value, a key, or children)."""
        path = "/" + path.strip("/")
        return path in self.values or path in self._children

    def children(self, path: str) -> list[str]:
        """The path segments directly below ``path``, in file order."""
        return list(self._children.get("/" + path.strip("/"), []))

    def subtree(self, path: str) -> dict[str, str | None]:
        """Every value below ``path``, keyed by the path relative to it."""
        prefix = "/" + path.strip("/") + "/"
        return {p[len(prefix):]: v for p, v in self.values.items() if p.startswith(prefix) and v is not None}

    def _entries(self, section: str) -> list[tuple[str, str]]:
        """(type, name) of the keyed entries of a section, skipping ``types@`` bookkeeping."""
        out = []
        for child in self.children(section):
            tag, _, name = child.partition("@")
            if name and tag != "types":
                out.append((tag, name))
        return out

    # -- typed views ---------------------------------------------------------
    @property
    def name(self) -> str | None:
        return self.get("/root/cluster/name")

    @property
    def servers(self) -> list[Server]:
        """Servers ordered by priority (0 first), then by file order."""
        out = []
        for tag, name in self._entries("/root"):
            if tag != "server":
                continue
            base = f"/root/server@{name}"
            devices: dict[str, dict[str, str | None]] = {}
            addresses = []
            for child in self.children(base):
                dtag, _, dev = child.partition("@")
                if dtag != "device" or not dev:
                    continue
                values = self.subtree(f"{base}/{child}")
                devices[dev] = values
                dtype = values.get("type")
                role = {"lan": "interconnect", "mdc": "mirror-connect"}.get(dtype or "")
                if role:
                    addresses.append(Address(dev, dtype, role, values.get("info")))
            out.append(Server(name, _int(self.get(f"{base}/priority")), addresses, devices))
        order = {s.name: i for i, s in enumerate(out)}
        return sorted(out, key=lambda s: (s.priority if s.priority is not None else 1 << 30, order[s.name]))

    def _heartbeat_like(self, section: str, kind: str) -> list[Heartbeat]:
        out = []
        for tag, name in self._entries(section):
            base = f"{section}/{tag}@{name}"
            params = self.subtree(base)
            out.append(Heartbeat(kind, tag, name, _int(params.get("priority")), params.get("device"), params))
        return sorted(out, key=lambda h: (h.priority if h.priority is not None else 1 << 30))

    @property
    def heartbeats(self) -> list[Heartbeat]:
        return self._heartbeat_like("/root/heartbeat", "heartbeat")

    @property
    def network_partitions(self) -> list[Heartbeat]:
        return self._heartbeat_like("/root/networkpartition", "networkpartition")

    @property
    def groups(self) -> list[Group]:
        all_servers = [s.name for s in self.servers]
        out = []
        for tag, name in self._entries("/root"):
            if tag != "group":
                continue
            base = f"/root/group@{name}"
            resources, policies = [], []
            for child in self.children(base):
                ctag, _, ref = child.partition("@")
                if ctag == "resource" and ref:
                    rtype, _, rname = ref.partition("@")
                    resources.append((rtype, rname))
                elif ctag == "policy" and ref:
                    policies.append((_int(self.get(f"{base}/{child}/order")), ref))
            servers = [s for _, s in sorted(policies, key=lambda p: (p[0] is None, p[0] or 0))] or all_servers
            out.append(Group(name, self.get(f"{base}/type"), resources, servers))
        return out

    @property
    def resources(self) -> list[Resource]:
        owner = {ref: g.name for g in self.groups for ref in g.resources}
        return [
            Resource(rtype, name, owner.get((rtype, name)), self.subtree(f"/root/resource/{rtype}@{name}"))
            for rtype, name in self._entries("/root/resource")
        ]

    @property
    def monitors(self) -> list[Monitor]:
        out = []
        for mtype, name in self._entries("/root/monitor"):
            p = self.subtree(f"/root/monitor/{mtype}@{name}")
            recovery = {
                "target_type": p.get("relation/type"),
                "target": p.get("relation/name"),
                "reconfirmation": _int(p.get("polling/reconfirmation")),
                "restart_threshold": _int(p.get("emergency/threshold/restart")),
                "failover_threshold": _int(p.get("emergency/threshold/fo")),
                "final_action_code": _int(p.get("emergency/action")),
                "final_action": action_name(MONITOR_ACTIONS, p.get("emergency/action")),
            }
            out.append(
                Monitor(
                    mtype,
                    name,
                    _int(p.get("polling/interval")),
                    _int(p.get("polling/timeout")),
                    p.get("target"),
                    recovery,
                    p,
                )
            )
        return out

    @property
    def cluster(self) -> dict[str, str | None]:
        """Settings under ``/root/cluster`` by relative path."""
        return self.subtree("/root/cluster")

    def resource(self, rtype: str, name: str) -> Resource:
        for r in self.resources:
            if r.type == rtype and r.name == name:
                return r
        raise ClpkitError(f"{self.source}: no {rtype} resource named {name!r}")

    def mirrors(self) -> list[str]:
        """Names of the mirror (md) and hybrid (hd) disk resources."""
        return [name for rtype, name in self._entries("/root/resource") if rtype in MIRROR_TYPES]

    def mirror(self, name: str) -> dict[str, object]:
        """Mirror-driver and disk settings of an md/hd resource, SPEC 3.7 defaults applied where absent.

        Numeric settings are ints. ``defaulted`` lists the keys that took the
        default. Timeouts and intervals are seconds (see :data:`MIRROR_SETTINGS`).
        """
        for rtype in MIRROR_TYPES:
            base = f"/root/resource/{rtype}@{name}"
            if self.has(base):
                break
        else:
            known = ", ".join(self.mirrors()) or "none"
            raise ClpkitError(f"{self.source}: no mirror or hybrid disk resource named {name!r} (configured: {known})")
        out: dict[str, object] = {"name": name, "type": rtype}
        defaulted = []
        for key, (rel, default) in MIRROR_SETTINGS.items():
            raw = self.get(f"{base}/parameters/{rel}")
            if raw is None:
                out[key] = default
                if default is not None:
                    defaulted.append(key)
            else:
                out[key] = _int(raw) if isinstance(default, int) else raw
        out["syncmode_name"] = {1: "sync", 0: "async"}.get(out["syncmode"], f"code {out['syncmode']}")
        out["mirror_connects"] = [
            self.subtree(f"{base}/parameters/{child}")
            for child in self.children(f"{base}/parameters")
            if child.startswith("netdev@")
        ]
        out["defaulted"] = defaulted
        return out

    def final_actions(self) -> list[dict[str, object]]:
        """Every configured final action, decoded: cluster stall and partition actions,
        process-failure recovery, resource activation/deactivation, monitor error.

        Absent settings take the documented defaults (rsctoaction 2, npaction 2,
        pm recover 2, resource act 1, deact 4) and say so with ``default: True``.
        """
        out: list[dict[str, object]] = []

        def add(scope: str, name: str | None, setting: str, path: str, table: dict[int, str], default: int | None):
            raw = self.get(path)
            if raw is None and default is None:
                return
            code = _int(raw) if raw is not None else default
            out.append(
                {
                    "scope": scope,
                    "name": name,
                    "setting": setting,
                    "path": path,
                    "code": code,
                    "action": action_name(table, raw if raw is not None else default),
                    "default": raw is None,
                }
            )

        add("cluster", None, "rsctoaction", "/root/cluster/rsctimeout/rsctoaction", RSCTO_ACTIONS, 2)
        add("cluster", None, "npaction", "/root/cluster/networkpartition/npaction", NP_ACTIONS, 2)
        for child in self.children("/root/pm"):
            add("cluster", None, f"pm/{child}/recover", f"/root/pm/{child}/recover", PM_ACTIONS, None)
        for r in self.resources:
            base = f"/root/resource/{r.type}@{r.name}"
            add("resource", r.name, "act/action", f"{base}/act/action", RESOURCE_ACTIONS, 1)
            add("resource", r.name, "deact/action", f"{base}/deact/action", RESOURCE_ACTIONS, 4)
        for m in self.monitors:
            add("monitor", m.name, "emergency/action", f"/root/monitor/{m.type}@{m.name}/emergency/action", MONITOR_ACTIONS, None)
        return out

    def to_dict(self) -> dict[str, object]:
        """Plain data for ``clpkit config FILE --json``."""
        return {
            "name": self.name,
            "source": self.source,
            "encoding": self.encoding,
            "replaced_chars": self.replaced_chars,
            "servers": [
                {"name": s.name, "priority": s.priority, "addresses": [asdict(a) for a in s.addresses]}
                for s in self.servers
            ],
            "heartbeats": [asdict(h) for h in self.heartbeats],
            "network_partitions": [asdict(h) for h in self.network_partitions],
            "groups": [
                {
                    "name": g.name,
                    "type": g.type,
                    "servers": g.servers,
                    "resources": [{"type": t, "name": n} for t, n in g.resources],
                }
                for g in self.groups
            ],
            "resources": [{"type": r.type, "name": r.name, "group": r.group, "parameters": r.params} for r in self.resources],
            "monitors": [
                {
                    "type": m.type,
                    "name": m.name,
                    "interval": m.interval,
                    "timeout": m.timeout,
                    "target": m.target,
                    "recovery": m.recovery,
                }
                for m in self.monitors
            ],
            "mirrors": [self.mirror(n) for n in self.mirrors()],
            "final_actions": self.final_actions(),
            "cluster": self.cluster,
        }


def from_frame(frame: pl.DataFrame, *, source: str = "<frame>") -> ClusterConfig:
    """A model from the rows of :func:`clpkit.formats.clp_conf.parse` (first value wins on duplicates)."""
    values: dict[str, str | None] = {}
    for path, value in frame.select("path", "value").iter_rows():
        if path not in values or (values[path] is None and value is not None):
            values[path] = value
    replaced = int(frame["problem"].is_not_null().sum()) if "problem" in frame.columns else 0
    return ClusterConfig(values, source=source, replaced_chars=replaced)


def load(path_or_bytes: str | os.PathLike | bytes) -> ClusterConfig:
    """Read a clp.conf from a path, raw bytes or XML text; ParseError names file and line."""
    if isinstance(path_or_bytes, str) and path_or_bytes.lstrip().startswith("<"):
        data: bytes | str = path_or_bytes
        source = "<text>"
    elif isinstance(path_or_bytes, bytes):
        data, source = path_or_bytes, "<bytes>"
    else:
        source = str(path_or_bytes)
        try:
            data = Path(path_or_bytes).read_bytes()
        except OSError as exc:
            raise ParseError(source, exc.strerror or str(exc)) from None
    if isinstance(data, bytes):
        _, replaced = clp_conf.decode(data, source=source)
        encoding = clp_conf.declared_encoding(data)
    else:
        replaced, encoding = data.count("\ufffd"), None
    frame = clp_conf.parse(data, source=source)
    if frame.is_empty():
        raise ParseError(source, "empty configuration: no elements found", 1)
    cfg = from_frame(frame, source=source)
    cfg.replaced_chars = replaced
    cfg.encoding = encoding
    return cfg

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

import bisect
import os
import re
from dataclasses import asdict, dataclass, field
from functools import cached_property
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
#: Sections the typed model reads; everything else is reported raw (``other``).
#: (``all``, ``webmgr``, ``pm`` and ``servergroup`` are read only in part, so they stay in ``other`` whole.)
MODELLED_SECTIONS = ("cluster", "server", "heartbeat", "networkpartition", "group", "resource", "monitor", "haltp")

#: Group attributes (public clpcreate parameter documentation, [P]): code -> meaning, and the default.
GROUP_START = ({"0": "manual", "1": "auto"}, "1")
GROUP_FAILOVER = ({"0": "manual", "1": "auto"}, "1")
GROUP_FAILBACK = ({"0": "manual", "1": "auto"}, "0")

#: Type-specific monitor settings worth naming (relative paths under the monitor), [P] from
#: the vendor's parameter documentation and the real files; every other value stays in ``params``.
MONITOR_WATCHES: dict[str, dict[str, str]] = {
    "mdw": {"mirror": "parameters/object"},
    "mdnw": {"mirror": "parameters/object"},
    "hdw": {"mirror": "parameters/object"},
    "hdnw": {"mirror": "parameters/object"},
    "diskw": {"device": "parameters/object", "method": "parameters/method", "size": "parameters/size"},
    "genw": {"script": "parameters/path"},
    "volmgrw": {"volume": "parameters/devname"},
    "fipw": {"resource": "target"},
    "mysqlw": {"database": "parameters/database", "address": "parameters/ipaddress", "port": "parameters/port",
               "user": "parameters/username", "library": "parameters/libraryfullpath"},
    "psqlw": {"database": "parameters/database", "address": "parameters/ipaddress", "port": "parameters/port",
              "user": "parameters/username", "library": "parameters/libraryfullpath"},
    "oraclew": {"database": "parameters/connectstring", "user": "parameters/username"},
    "httpw": {"server": "parameters/servername", "port": "parameters/port"},
    "userw": {"method": "parameters/method"},
}
#: Setting names whose values are secrets: ``to_dict`` shows that they are set, never the value.
SECRET_KEYS = ("password", "passwd", "passphrase", "secret")


def _is_secret(rel: str) -> bool:
    last = rel.rsplit("/", 1)[-1].lower()
    return any(k in last for k in SECRET_KEYS)


def hide_secrets(values: dict[str, str | None]) -> dict[str, str | None]:
    """``values`` with every password-like setting replaced by ``(set, hidden)``."""
    return {k: ("(set, hidden)" if v and _is_secret(k) else v) for k, v in values.items()}


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
    settings: dict[str, str | None] = field(default_factory=dict)  # every other value (survive, …), raw

    def interconnects(self) -> list[Address]:
        """The server's interconnect (``lan``) devices, in device-id order of the file."""
        return [a for a in self.addresses if a.role == "interconnect"]


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
    settings: dict[str, str | None] = field(default_factory=dict)  # start, failover, gid…, raw
    start: str = "auto"  # start attribute: auto (default) or manual; "code N" when unknown
    failover: str = "auto"
    failback: str = "manual"
    start_after: list[str] = field(default_factory=list)  # groups this one waits for (depend/act/depend@X)
    stop_after: list[str] = field(default_factory=list)  # depend/deact/depend@X


@dataclass(frozen=True)
class ServerGroup:
    """A server group (hybrid disks, ``/root/servergroup``; the element layout is inferred, [I])."""

    name: str
    servers: list[str]


@dataclass(frozen=True)
class Resource:
    type: str
    name: str
    group: str | None
    params: dict[str, str | None]  # every value below the resource, by relative path
    depends: list[str] = field(default_factory=list)  # resources this one starts after (<depend name=…/>)


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
    watches: dict[str, object] = field(default_factory=dict)  # type-specific: mirror, script, device, targets…


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _decode(table: tuple[dict[str, str], str], raw: str | None) -> str:
    codes, default = table
    value = (raw or "").strip() or default
    return codes.get(value, f"code {value}")


_WINDOWS_DEVICE = re.compile(r"^[A-Za-z]:?\\?$|^[A-Za-z]:[\\/]")


@dataclass
class ClusterConfig:
    """The parsed configuration; ``values`` maps every path to its text (None for key-only elements)."""

    values: dict[str, str | None]
    source: str = "<bytes>"
    replaced_chars: int = 0
    encoding: str | None = None
    _children: dict[str, dict[str, None]] = field(default_factory=dict, repr=False)
    _sorted: list[str] = field(default_factory=list, repr=False)
    _order: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        # Each path links itself to its parent, then climbs until a link already
        # exists: linear in the number of elements (25,000 monitors load at once).
        children = self._children
        for path in self.values:
            child_path = path
            while True:
                cut = child_path.rfind("/")
                if cut <= 0:
                    break
                parent = child_path[:cut]
                kids = children.get(parent)
                seg = child_path[cut + 1:]
                if kids is None:
                    children[parent] = {seg: None}
                elif seg in kids:
                    break
                else:
                    kids[seg] = None
                child_path = parent
        self._order = {p: i for i, p in enumerate(self.values)}
        self._sorted = sorted(self.values)

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
        return list(self._children.get("/" + path.strip("/"), ()))

    def _below(self, path: str) -> list[str]:
        """Every path below ``path``, in file order (a range of the sorted paths)."""
        prefix = "/" + path.strip("/") + "/"
        lo = bisect.bisect_left(self._sorted, prefix)
        hi = bisect.bisect_left(self._sorted, prefix[:-1] + "0")  # "0" sorts right after "/"
        return sorted(self._sorted[lo:hi], key=self._order.__getitem__)

    def subtree(self, path: str) -> dict[str, str | None]:
        """Every value below ``path``, keyed by the path relative to it."""
        cut = len("/" + path.strip("/")) + 1
        return {p[cut:]: self.values[p] for p in self._below(path) if self.values[p] is not None}

    def _entries(self, section: str) -> list[tuple[str, str]]:
        """(type, name) of the keyed entries of a section, skipping ``types@`` bookkeeping."""
        out = []
        for child in self.children(section):
            tag, _, name = child.partition("@")
            if name and tag != "types":
                out.append((tag, name))
        return out

    def _keys(self, path: str, tag: str) -> list[str]:
        """The names of the ``tag@name`` children of ``path`` (key-only elements such as ``depend``)."""
        return [c.partition("@")[2] for c in self.children(path) if c.partition("@")[0] == tag and "@" in c]

    # -- typed views ---------------------------------------------------------
    @property
    def name(self) -> str | None:
        return self.get("/root/cluster/name")

    @cached_property
    def os(self) -> str | None:
        """``linux`` or ``windows``: ``/root/all/serveros``, else Windows when devices are drive letters."""
        return self.os_evidence()[0]

    def os_evidence(self) -> tuple[str | None, str]:
        """The server OS and why it is believed (the setting, or the Windows-only values seen)."""
        declared = (self.get("/root/all/serveros") or "").strip().lower()
        if declared:
            return declared, f"/root/all/serveros is {declared!r}"
        for path, value in self.values.items():
            if not path.startswith("/root/resource/") or not value:
                continue
            rel = path.rsplit("/", 1)[-1]
            if rel in ("volumemountpoint", "cpvolumemountpoint", "volumeguid", "cpvolumeguid"):
                return "windows", f"{path} is a Windows volume setting"
            if rel in ("device", "dppath", "cppath") and _WINDOWS_DEVICE.match(value.strip()):
                return "windows", f"{path} is the drive letter {value!r}"
        return None, "clp.conf does not say (no /root/all/serveros)"

    @property
    def is_windows(self) -> bool:
        return self.os == "windows"

    @cached_property
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
            settings = {k: v for k, v in self.subtree(base).items() if not k.startswith("device@") and k != "priority"}
            out.append(Server(name, _int(self.get(f"{base}/priority")), addresses, devices, settings))
        order = {s.name: i for i, s in enumerate(out)}
        return sorted(out, key=lambda s: (s.priority if s.priority is not None else 1 << 30, order[s.name]))

    def _heartbeat_like(self, section: str, kind: str) -> list[Heartbeat]:
        out = []
        for tag, name in self._entries(section):
            base = f"{section}/{tag}@{name}"
            params = self.subtree(base)
            out.append(Heartbeat(kind, tag, name, _int(params.get("priority")), params.get("device"), params))
        return sorted(out, key=lambda h: (h.priority if h.priority is not None else 1 << 30))

    @cached_property
    def heartbeats(self) -> list[Heartbeat]:
        return self._heartbeat_like("/root/heartbeat", "heartbeat")

    @cached_property
    def network_partitions(self) -> list[Heartbeat]:
        return self._heartbeat_like("/root/networkpartition", "networkpartition")

    @cached_property
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
            settings = {k: v for k, v in self.subtree(base).items() if not k.startswith(("resource@", "policy@"))}
            out.append(Group(
                name, self.get(f"{base}/type"), resources, servers, settings,
                start=_decode(GROUP_START, settings.get("start")),
                failover=_decode(GROUP_FAILOVER, settings.get("failover")),
                failback=_decode(GROUP_FAILBACK, settings.get("failback")),
                start_after=self._keys(f"{base}/depend/act", "depend"),
                stop_after=self._keys(f"{base}/depend/deact", "depend"),
            ))
        return out

    @cached_property
    def server_groups(self) -> list[ServerGroup]:
        """Server groups under ``/root/servergroup`` (element layout inferred, [I]); empty when none."""
        out = []
        for tag, name in self._entries("/root/servergroup"):
            base = f"/root/servergroup/{tag}@{name}"
            members = [(_int(self.get(f"{base}/server@{s}/order")), i, s) for i, s in enumerate(self._keys(base, "server"))]
            out.append(ServerGroup(name, [s for _, _, s in sorted(members, key=lambda m: (m[0] is None, m[0] or 0, m[1]))]))
        return out

    @cached_property
    def resources(self) -> list[Resource]:
        owner = {ref: g.name for g in self.groups for ref in g.resources}
        return [
            Resource(rtype, name, owner.get((rtype, name)), self.subtree(f"/root/resource/{rtype}@{name}"),
                     self._keys(f"/root/resource/{rtype}@{name}", "depend"))
            for rtype, name in self._entries("/root/resource")
        ]

    @cached_property
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
                "final_action": self._action(MONITOR_ACTIONS, p.get("emergency/action")),
            }
            watches: dict[str, object] = {
                key: p[rel] for key, rel in MONITOR_WATCHES.get(mtype, {}).items() if p.get(rel) is not None
            }
            addresses = [v for k, v in p.items() if k.startswith("parameters/list@") and k.endswith("/ip") and v]
            if addresses:
                watches["addresses"] = addresses
            out.append(
                Monitor(mtype, name, _int(p.get("polling/interval")), _int(p.get("polling/timeout")),
                        p.get("target"), recovery, p, watches)
            )
        return out

    @property
    def cluster(self) -> dict[str, str | None]:
        """Settings under ``/root/cluster`` by relative path."""
        return self.subtree("/root/cluster")

    @property
    def heartbeat_settings(self) -> dict[str, int | None]:
        """Heartbeat ``timeout`` and ``interval`` (cluster/heartbeat), milliseconds as written
        (the unit is assumed: the values seen are like 50000 and 3000); None when the file leaves the default."""
        return {k: _int(self.get(f"/root/cluster/heartbeat/{k}")) for k in ("timeout", "interval")}

    @property
    def survive(self) -> dict[str, object]:
        """``cluster/survive`` (rscact, rscdeact, monitor) and each server's ``survive``, raw: their meaning
        is not published, so they are shown as written."""
        return {
            "cluster": self.subtree("/root/cluster/survive"),
            "servers": {s.name: s.settings["survive"] for s in self.servers if "survive" in s.settings},
            "meaning": "not published: values shown as written",
        }

    @property
    def shutdown_monitor(self) -> dict[str, str | None]:
        """``/root/haltp``: the shutdown monitor's method (softdog, keepalive) and timeout action (RESET, PANIC)."""
        return self.subtree("/root/haltp")

    @property
    def webui_clients(self) -> dict[str, object]:
        """The Cluster WebUI client allow-list: ``iprest`` (1: connections limited by address) and the
        addresses allowed with (``ip@X``) and without (``ipro@X``) operation rights."""
        base = "/root/webmgr/security/clientlist"
        return {
            "restricted": self.get(f"{base}/iprest") == "1",
            "operate": self._keys(base, "ip"),
            "view_only": self._keys(base, "ipro"),
        }

    def other(self) -> dict[str, str | None]:
        """Every value outside the sections the model reads, by full path: their meaning is not
        modelled here, so they are shown raw."""
        out = {}
        for path, value in self.values.items():
            top = path.split("/")[2] if path.count("/") >= 2 else ""
            if top.partition("@")[0] not in MODELLED_SECTIONS:
                out[path] = value
        return out

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
        The defaults are the Linux ones; on a Windows cluster nothing is defaulted
        (``defaults`` says so) and the Windows volume settings are listed raw.
        """
        for rtype in MIRROR_TYPES:
            base = f"/root/resource/{rtype}@{name}"
            if self.has(base):
                break
        else:
            known = ", ".join(self.mirrors()) or "none"
            raise ClpkitError(f"{self.source}: no mirror or hybrid disk resource named {name!r} (configured: {known})")
        windows = self.is_windows
        out: dict[str, object] = {"name": name, "type": rtype}
        defaulted = []
        for key, (rel, default) in MIRROR_SETTINGS.items():
            raw = self.get(f"{base}/parameters/{rel}")
            if raw is None:
                out[key] = None if windows else default
                if default is not None and not windows:
                    defaulted.append(key)
            else:
                out[key] = _int(raw) if isinstance(default, int) else raw
        sync = out["syncmode"]
        out["syncmode_name"] = None if sync is None else {1: "sync", 0: "async"}.get(sync, f"code {sync}")
        out["mirror_connects"] = [
            self.subtree(f"{base}/parameters/{child}")
            for child in self.children(f"{base}/parameters")
            if child.startswith("netdev@")
        ]
        out["defaulted"] = defaulted
        if windows:
            out["defaults"] = "none applied: the documented defaults are those of the Linux mirror driver"
            out["windows"] = {
                k: v for k, v in self.subtree(base).items()
                if k.rsplit("/", 1)[-1] in ("volumemountpoint", "cpvolumemountpoint", "volumeguid", "cpvolumeguid")
            }
        return out

    def _action(self, table: dict[int, str], code: str | int | None) -> str | None:
        """:func:`action_name`, except on Windows, whose codes are numbered differently: shown raw."""
        if self.is_windows and code is not None and str(code).strip():
            return f"code {str(code).strip()} (Windows numbering, not decoded)"
        return action_name(table, code)

    def final_actions(self) -> list[dict[str, object]]:
        """Every configured final action, decoded: cluster stall and partition actions,
        process-failure recovery, resource activation/deactivation, monitor error.

        Absent settings take the documented defaults (rsctoaction 2, npaction 2,
        pm recover 2, resource act 1, deact 4) and say so with ``default: True``.
        The tables are the Linux ones: on a Windows cluster only written codes are
        listed, undecoded, and no default is assumed.
        """
        out: list[dict[str, object]] = []
        windows = self.is_windows

        def add(scope: str, name: str | None, setting: str, path: str, table: dict[int, str], default: int | None):
            raw = self.get(path)
            if raw is None and (default is None or windows):
                return
            code = _int(raw) if raw is not None else default
            out.append(
                {
                    "scope": scope,
                    "name": name,
                    "setting": setting,
                    "path": path,
                    "code": code,
                    "action": self._action(table, raw if raw is not None else default),
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
        """Plain data for ``clpkit config FILE --json``: every value of the file, the ones the model
        does not interpret under ``other``; password-like settings say only that they are set."""
        os_name, os_reason = self.os_evidence()
        return {
            "name": self.name,
            "source": self.source,
            "encoding": self.encoding,
            "replaced_chars": self.replaced_chars,
            "os": os_name,
            "os_evidence": os_reason,
            "servers": [
                {"name": s.name, "priority": s.priority, "addresses": [asdict(a) for a in s.addresses],
                 "devices": s.devices, "settings": s.settings}
                for s in self.servers
            ],
            "server_groups": [asdict(g) for g in self.server_groups],
            "heartbeats": [asdict(h) for h in self.heartbeats],
            "heartbeat_settings": self.heartbeat_settings,
            "network_partitions": [asdict(h) for h in self.network_partitions],
            "groups": [
                {
                    "name": g.name,
                    "type": g.type,
                    "servers": g.servers,
                    "resources": [{"type": t, "name": n} for t, n in g.resources],
                    "start": g.start,
                    "failover": g.failover,
                    "failback": g.failback,
                    "start_after": g.start_after,
                    "stop_after": g.stop_after,
                    "settings": g.settings,
                }
                for g in self.groups
            ],
            "resources": [
                {"type": r.type, "name": r.name, "group": r.group, "depends": r.depends,
                 "parameters": hide_secrets(r.params)}
                for r in self.resources
            ],
            "monitors": [
                {
                    "type": m.type,
                    "name": m.name,
                    "interval": m.interval,
                    "timeout": m.timeout,
                    "target": m.target,
                    "watches": m.watches,
                    "recovery": m.recovery,
                    "parameters": hide_secrets(m.params),
                }
                for m in self.monitors
            ],
            "mirrors": [self.mirror(n) for n in self.mirrors()],
            "final_actions": self.final_actions(),
            "cluster": hide_secrets(self.cluster),
            "survive": self.survive,
            "shutdown_monitor": self.shutdown_monitor,
            "webui_clients": self.webui_clients,
            "other": {
                "meaning": "elements the model does not interpret (their meaning is not published or not "
                           "modelled): shown raw by path",
                "values": hide_secrets(self.other()),
            },
        }


class WindowsCluster(ClpkitError):
    """A tool built on the Linux Maintenance Guide was given a Windows cluster's clp.conf."""


#: The one line every Linux-only tool refuses a Windows cluster with.
WINDOWS_REFUSAL = "this is a Windows cluster; the Linux Maintenance Guide procedures do not apply"


def require_linux(cfg: ClusterConfig | None, what: str = "") -> None:
    """Refuse a Windows cluster (``WindowsCluster``: source, the one line, what does not apply, why)."""
    if cfg is None or not cfg.is_windows:
        return
    _, reason = cfg.os_evidence()
    suffix = f" ({what})" if what else ""
    raise WindowsCluster(f"{cfg.source}: {WINDOWS_REFUSAL}{suffix}; {reason}")


def from_frame(frame: pl.DataFrame, *, source: str = "<frame>") -> ClusterConfig:
    """A model from the rows of :func:`clpkit.formats.clp_conf.parse` (first value wins on duplicates)."""
    values: dict[str, str | None] = {}
    for path, value in zip(frame["path"].to_list(), frame["value"].to_list()):
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
        encoding = clp_conf.declared_encoding(data)
        text, replaced = clp_conf.decode(data, source=source)
    else:
        text, replaced, encoding = data, data.count("\ufffd"), None
    frame = clp_conf.parse(text, source=source)
    if frame.is_empty():
        raise ParseError(source, "empty configuration: no elements found", 1)
    cfg = from_frame(frame, source=source)
    cfg.replaced_chars = replaced
    cfg.encoding = encoding
    return cfg

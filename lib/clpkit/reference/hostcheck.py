"""Host checks before (re)starting CLUSTERPRO on a server: drivers, ports, services.

Everything is read below ``root`` (``/`` on a live server, a collected or
test tree otherwise), so the same checks run on a bundle:

- driver numbers (guide L2038-2054): the mirror driver uses block/char
  major 218, the kernel-mode LAN heartbeat driver misc minor 240, the
  keepalive driver misc minor 241 (``/proc/devices``, ``/proc/misc``); each
  must be free or held by the CLUSTERPRO driver itself;
- ports: every port the cluster listens on must be free or held by a
  CLUSTERPRO process (``/proc/net/tcp*``, ``/proc/net/udp*``; owners found
  through ``/proc/<pid>/fd`` socket links and ``/proc/<pid>/comm``);
- the six services (SPEC 5) enabled (or disabled, during maintenance), by
  systemd ``*.wants`` links or SysV ``rc3.d`` start links.

A check whose evidence is not there (no ``/proc`` in a collected tree, a
table that cannot be read, no service folder at all) is neither PASS nor
FAIL: it says ``CANNOT CHECK`` and why, so a tree with nothing to read never
looks healthy. A ``root`` that is not a folder is refused.

The names the CLUSTERPRO drivers register and its process-name prefix are
not published: :data:`OWN_DRIVER_NAMES` and :data:`OWN_PROCESS_PREFIX` are
inferred ([I]) from the module names (liscal, clpkhb, clpka) and the
commands (clp*).

>>> _verdict("mirror driver major 218", "major 218", ["liscal"], OWN_DRIVER_NAMES[MIRROR_MAJOR]).line()
'PASS  mirror driver major 218: major 218 held by liscal (CLUSTERPRO)'
>>> _verdict("keepalive driver 10:241", "minor 241", ["watchdog"], OWN_DRIVER_NAMES[KEEPALIVE_MINOR]).line()
'FAIL  keepalive driver 10:241: minor 241 held by watchdog (not CLUSTERPRO)'
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from clpkit.config import ClusterConfig
from clpkit.problems import ClpkitError
from clpkit.reference import ports as ports_ref
from clpkit.reference.services import START_ORDER

MIRROR_MAJOR = 218
KHB_MINOR = 240
KEEPALIVE_MINOR = 241
OWN_DRIVER_NAMES = {
    MIRROR_MAJOR: {"liscal", "nmp"},
    KHB_MINOR: {"clpkhb", "khb"},
    KEEPALIVE_MINOR: {"clpka", "ka", "keepalive"},
}
OWN_PROCESS_PREFIX = "clp"
#: Services in start order (SPEC 5).
SERVICES = START_ORDER
_TCP_LISTEN = "0A"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool | None  # None: the evidence could not be read, so nothing is claimed
    detail: str

    @property
    def status(self) -> str:
        return "CANNOT CHECK" if self.ok is None else "PASS" if self.ok else "FAIL"

    def line(self) -> str:
        return f"{self.status}  {self.name}: {self.detail}"


def _read(root: Path, rel: str) -> str | None:
    try:
        return (root / rel).read_text(errors="replace")
    except OSError:
        return None


def check_driver_major(root: Path) -> Check:
    """Major 218 free or held by the mirror driver, in both device sections of /proc/devices."""
    name = f"mirror driver major {MIRROR_MAJOR}"
    text = _read(root, "proc/devices")
    if text is None:
        return Check(name, None, f"cannot read {root / 'proc/devices'}")
    holders = [m.group(1) for m in re.finditer(rf"^\s*{MIRROR_MAJOR}\s+(\S+)\s*$", text, re.M)]
    return _verdict(name, f"major {MIRROR_MAJOR}", holders, OWN_DRIVER_NAMES[MIRROR_MAJOR])


def check_misc_minor(root: Path, minor: int, what: str) -> Check:
    """A misc minor (10:minor) free or held by the CLUSTERPRO driver."""
    name = f"{what} 10:{minor}"
    text = _read(root, "proc/misc")
    if text is None:
        return Check(name, None, f"cannot read {root / 'proc/misc'}")
    holders = [m.group(1) for m in re.finditer(rf"^\s*{minor}\s+(\S+)\s*$", text, re.M)]
    return _verdict(name, f"minor {minor}", holders, OWN_DRIVER_NAMES[minor])


def _verdict(name: str, what: str, holders: list[str], own: set[str]) -> Check:
    if not holders:
        return Check(name, True, f"{what} free")
    foreign = [h for h in holders if h.lower() not in own]
    if foreign:
        return Check(name, False, f"{what} held by {', '.join(foreign)} (not CLUSTERPRO)")
    return Check(name, True, f"{what} held by {', '.join(holders)} (CLUSTERPRO)")


def _sockets(root: Path) -> tuple[dict[tuple[int, str], list[str]], set[str]]:
    """(port, protocol) -> inodes of listening TCP or bound UDP sockets; and the protocols whose tables were read."""
    out: dict[tuple[int, str], list[str]] = {}
    read: set[str] = set()
    for table, proto in (("tcp", "tcp"), ("tcp6", "tcp"), ("udp", "udp"), ("udp6", "udp")):
        text = _read(root, f"proc/net/{table}")
        if not text:
            continue
        read.add(proto)
        for line in text.splitlines()[1:]:
            fields = line.split()
            if len(fields) < 10 or ":" not in fields[1]:
                continue
            if proto == "tcp" and fields[3] != _TCP_LISTEN:
                continue
            port = int(fields[1].rsplit(":", 1)[1], 16)
            out.setdefault((port, proto), []).append(fields[9])
    return out, read


def _socket_owners(root: Path) -> dict[str, tuple[str, str]]:
    """inode -> (pid, command name), from the fd links of every process readable under root."""
    owners: dict[str, tuple[str, str]] = {}
    proc = root / "proc"
    if not proc.is_dir():
        return owners
    for pid_dir in proc.iterdir():
        if not pid_dir.name.isdigit():
            continue
        comm = (_read(root, f"proc/{pid_dir.name}/comm") or "?").strip()
        try:
            fds = list((pid_dir / "fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if m := re.fullmatch(r"socket:\[(\d+)\]", target):
                owners[m.group(1)] = (pid_dir.name, comm)
    return owners


def required_ports(cfg: ClusterConfig | None) -> list[tuple[int, str]]:
    """Ports a cluster server listens on: from the configuration, or the guide's fixed ones."""
    if cfg is None:
        found = [(p, proto) for p, proto, _ in ports_ref.FIXED_SERVER_PORTS] + [(ports_ref.WEBUI_PORT, "tcp")]
    else:
        servers = {s.name for s in cfg.servers}
        found = [(f.port, f.protocol) for f in ports_ref.ports(cfg) if f.destination in servers and f.port is not None]
    return sorted(dict.fromkeys(found))


def check_ports(root: Path, cfg: ClusterConfig | None = None) -> list[Check]:
    """One check per required port: free, or held by a CLUSTERPRO process."""
    sockets, read = _sockets(root)
    owners = _socket_owners(root) if sockets else {}
    checks = []
    for port, proto in required_ports(cfg):
        name = f"port {port}/{proto}"
        if proto not in read:
            checks.append(Check(name, None, f"cannot read {root / 'proc/net'}/{proto}{{,6}}"))
            continue
        inodes = sockets.get((port, proto), [])
        if not inodes:
            checks.append(Check(name, True, "free"))
            continue
        held = [owners.get(i) for i in inodes]
        unknown = [i for i, o in zip(inodes, held) if o is None]
        foreign = [o for o in held if o and not o[1].startswith(OWN_PROCESS_PREFIX)]
        if foreign:
            who = ", ".join(f"{c} (pid {p})" for p, c in foreign)
            checks.append(Check(name, False, f"held by {who}, not CLUSTERPRO"))
        elif unknown:
            checks.append(Check(name, False, f"in use, owner not readable (socket inode {', '.join(unknown)}; run as root)"))
        else:
            who = ", ".join(sorted({f"{c} (pid {p})" for p, c in held if p}))
            checks.append(Check(name, True, f"held by CLUSTERPRO: {who}"))
    return checks


#: Where service start links live; with none of them the services cannot be checked.
SERVICE_FOLDERS = ("etc/systemd/system", "etc/rc.d/rc3.d", "etc/rc3.d")


def service_state(root: Path, service: str) -> str:
    """``enabled (systemd)``, ``enabled (sysv)`` or ``disabled``."""
    for wants in (root / "etc/systemd/system").glob("*.wants"):
        if (wants / f"{service}.service").is_symlink() or (wants / f"{service}.service").exists():
            return "enabled (systemd)"
    for rc in ("etc/rc.d/rc3.d", "etc/rc3.d"):
        d = root / rc
        if d.is_dir() and any(re.fullmatch(rf"S\d+{re.escape(service)}", p.name) for p in d.iterdir()):
            return "enabled (sysv)"
    return "disabled"


def check_services(root: Path, expect: str = "enabled") -> list[Check]:
    """Each of the six services in the expected state (``enabled`` or ``disabled``)."""
    if expect not in ("enabled", "disabled"):
        raise ValueError("expect must be 'enabled' or 'disabled'")
    if not any((root / d).is_dir() for d in SERVICE_FOLDERS):
        where = ", ".join(str(root / d) for d in SERVICE_FOLDERS)
        return [Check(f"service {svc}", None, f"no service folder ({where})") for svc in SERVICES]
    checks = []
    for svc in SERVICES:
        state = service_state(root, svc)
        checks.append(Check(f"service {svc}", state.startswith(expect), f"{state} (expected {expect})"))
    return checks


def check_host(root: str | os.PathLike = "/", cfg: ClusterConfig | None = None, *, services: str = "enabled") -> list[Check]:
    """All host checks, in a fixed order; ClpkitError when ``root`` is not a folder."""
    root = Path(root)
    if not root.is_dir():
        raise ClpkitError(f"--root {root}: no such folder")
    return [
        check_driver_major(root),
        check_misc_minor(root, KHB_MINOR, "kernel-mode LAN heartbeat driver"),
        check_misc_minor(root, KEEPALIVE_MINOR, "keepalive driver"),
        *check_ports(root, cfg),
        *check_services(root, services),
    ]

"""A fake CLUSTERPRO for the runbook tests and rehearsals. It is a simulator:
it never touches the real system, only its own state directory.

:func:`install` writes one small executable per command (``clpstat``,
``clpmdctrl``, ``systemctl``, ``reboot``, ``dd``…) into a directory meant to
go first on ``PATH``. Each one calls :func:`main`, which:

- answers ``--version`` by saying it is the clpkit simulator;
- finds the server it runs on in ``CLPKIT_HOST`` (the local transport sets
  it; over SSH the test's sshd sets it per port);
- reads and writes the state files of the simulated cluster
  (``<server>.json`` per server, ``cluster.json`` for what the servers
  share), prints what the real command prints in the formats of SPEC §3.8;
- appends every call (time, server, argv, exit status) to ``calls.jsonl``;
- simulates the operating system commands the procedures call (``shutdown``,
  ``hostnamectl``, ``ping``) so that none of them ever reaches this machine;
- plays ``clplogcc`` (log collection) from the files :func:`install_files`
  gave each simulated server: one ``<server>.tar.gz`` with the tree under
  ``<server>/``, the statistics only for the types the guide names (mirror
  statistics with ``type5``, cluster statistics with ``type6``);
- in a rehearsal (``install(..., rehearsal=True)``) also plays ``mkdir``,
  ``find`` and ``grep``, each server's file system being the folder
  ``root/<server>/`` of the state directory, so that no command of a plan
  ever reaches this machine's files (the rehearsal's PATH holds only the
  simulator);
- fails on purpose when ``fail.json`` says so: ``{"clpmdctrl": {"count": 1,
  "host": "sv1"}}`` makes the next ``clpmdctrl`` on sv1 exit 1 (once).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

COMMANDS = (
    "clpstat", "clpcl", "clpstdn", "clpdown", "clpgrp", "clpmdstat", "clpmdctrl", "clpmdinit", "clphdstat",
    "clphdctrl", "clphdinit", "clptoratio", "clpmonctrl", "clpcfctrl", "clproset", "systemctl", "chkconfig",
    "reboot", "fdisk", "dd", "mkfs", "shutdown", "hostnamectl", "ping", "clplogcc", "lsblk", "ip",
)
SERVICES = ("clusterpro_evt", "clusterpro_trn", "clusterpro_md", "clusterpro", "clusterpro_webmgr", "clusterpro_alertsync")
BANNER = "clpkit CLUSTERPRO simulator (not CLUSTERPRO; touches nothing real)"
#: Operating system commands a rehearsal also simulates, inside each server's own folder.
SANDBOX_COMMANDS = ("mkdir", "find", "grep")


def install(bin_dir: Path, state_dir: Path, *, servers=("sv1", "sv2"), mirror="md1", group="failover1",
            fullcopy=1, copy_seconds=0.5, partitions=("/dev/sdb1", "/dev/sdb2"), autostart=False,
            rehearsal=False) -> Path:
    """Write the fake commands into ``bin_dir`` and a healthy two-server cluster into ``state_dir``.

    ``autostart`` makes the group start by itself once every server is online
    again (the cluster's default after a reboot); without it groups stay as
    the commands leave them."""
    bin_dir, state_dir = Path(bin_dir).resolve(), Path(state_dir).resolve()
    bin_dir.mkdir(parents=True, exist_ok=True)
    state_dir.mkdir(parents=True, exist_ok=True)
    here = Path(__file__).resolve().parent
    for name in COMMANDS + (SANDBOX_COMMANDS if rehearsal else ()):
        script = bin_dir / name
        script.write_text(
            f"#!{sys.executable} -S\n# {BANNER}\n"
            f"import sys\nsys.path.insert(0, {str(here)!r})\nimport clpsim\n"
            f"sys.exit(clpsim.main({str(state_dir)!r}, {name!r}, sys.argv[1:]))\n"
        )
        script.chmod(0o755)
    for server in servers:
        _save(state_dir / f"{server}.json", {
            "cluster": "online", "power": "on", "services": dict.fromkeys(SERVICES, True),
            "partitions": list(partitions), "monitors": "running",
        })
    _save(state_dir / "cluster.json", {
        "name": "cluster1", "servers": list(servers),
        "groups": {group: {"status": "Online", "current": servers[0], "resources": [mirror],
                           **({"autostart": True} if autostart else {})}},
        "mirrors": {mirror: {"status": "Normal", "fullcopy": fullcopy, "copy_seconds": copy_seconds, "until": None}},
        "toratio": 1, **({"sandbox": True} if rehearsal else {}),
    })
    return bin_dir


def install_files(state_dir: Path, collection: Path) -> None:
    """Give each simulated server the files of ``collection/<server>/`` (a folder per server,
    such as ``clpkit samples --dir`` writes): its install root plus ``var/log``.
    ``clplogcc`` collects from them; ``files/<server>`` below the state folder is that root."""
    import shutil

    for server in _load(Path(state_dir) / "cluster.json")["servers"]:
        source = Path(collection) / server
        if source.is_dir():
            target = Path(state_dir) / "files" / server
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target)


def calls(state_dir: Path) -> list[dict]:
    """Every recorded call, oldest first."""
    log = Path(state_dir) / "calls.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def fail_next(state_dir: Path, command: str, host: str | None = None, count: int = 1) -> None:
    """Make the next ``count`` calls of ``command`` (on ``host``, or anywhere) fail."""
    path = Path(state_dir) / "fail.json"
    plan = json.loads(path.read_text()) if path.exists() else {}
    plan[command] = {"count": count, "host": host}
    _save(path, plan)


def update_server(state_dir: Path, name: str, **fields) -> None:
    """Change a simulated server's state the way an operator's hands would (an address, a power switch)."""
    path = Path(state_dir) / f"{name}.json"
    _save(path, {**_load(path), **fields})


def power_on(state_dir: Path, name: str) -> None:
    """Press a simulated server's power button: it boots as ``reboot`` would leave it."""
    sim = Sim(Path(state_dir), name)
    if sim.standalone:
        sim.me["power"] = "on"
    else:
        sim.boot(name)
    sim.save()


def add_server(state_dir: Path, name: str, **state) -> None:
    """Cluster WebUI's [Add Server] and apply: the server joins the cluster's list (stopped)."""
    cluster = _load(Path(state_dir) / "cluster.json")
    _save(Path(state_dir) / f"{name}.json", {
        "cluster": "offline", "power": "on", "services": dict.fromkeys(SERVICES, True),
        "partitions": ["/dev/sdb1", "/dev/sdb2"], "monitors": "running", **state,
    })
    cluster["servers"].append(name)
    _save(Path(state_dir) / "cluster.json", cluster)


def remove_server(state_dir: Path, name: str) -> None:
    """Cluster WebUI's [Remove Server] and apply: the server leaves the cluster's list, keeps its state file."""
    cluster = _load(Path(state_dir) / "cluster.json")
    cluster["servers"].remove(name)
    for group in cluster["groups"].values():
        if group["current"] == name:
            group["current"] = cluster["servers"][0] if group["status"] == "Online" else None
    _save(Path(state_dir) / "cluster.json", cluster)
    update_server(state_dir, name, cluster="offline")


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


def _save(path: Path, data: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)


class Sim:
    def __init__(self, state_dir: Path, host: str):
        self.dir, self.host = state_dir, host
        self.cluster = _load(state_dir / "cluster.json")
        self.servers = {s: _load(state_dir / f"{s}.json") for s in self.cluster["servers"]}
        # A server outside the cluster's list (removed from it) still runs its own commands.
        self.standalone = host not in self.servers and (state_dir / f"{host}.json").exists()
        if self.standalone:
            self.me = _load(state_dir / f"{host}.json")
        elif host in self.servers:
            self.me = self.servers[host]
        else:
            raise SystemExit(f"{BANNER}: CLPKIT_HOST={host!r} is not a simulated server ({', '.join(self.servers)})")

    def path(self, given: str) -> Path:
        """Where a path of this server is: itself, or in a rehearsal inside ``root/<server>/``."""
        if not self.cluster.get("sandbox"):
            return Path(given)
        inside = os.path.normpath(given.lstrip("/") or ".")
        if inside == ".." or inside.startswith("../"):
            raise _Fail(f"{given}: outside the simulated server's file system (simulated)", 1)
        return self.dir / "root" / self.host / inside

    def save(self) -> None:
        _save(self.dir / "cluster.json", self.cluster)
        for name, state in self.servers.items():
            _save(self.dir / f"{name}.json", state)
        if self.standalone:
            _save(self.dir / f"{self.host}.json", self.me)

    # -- cluster behaviour -----------------------------------------------------------------
    def online(self) -> list[str]:
        return [s for s, st in self.servers.items() if st["cluster"] == "online"]

    def server_down(self, name: str, power: str) -> None:
        self.servers[name]["cluster"] = "offline"
        self.servers[name]["power"] = power
        for group in self.cluster["groups"].values():
            if group["current"] == name and group["status"] == "Online":
                others = [s for s in self.online() if s != name]
                if others:
                    group["current"] = others[0]
                else:
                    group["status"], group["current"] = "Offline", None
        for mirror in self.cluster["mirrors"].values():
            if mirror["status"] in ("Normal", "Recovering"):
                mirror["status"], mirror["until"] = "Abnormal", None

    def boot(self, name: str) -> None:
        state = self.servers[name]
        state["power"] = "on"
        state["cluster"] = "online" if state["services"]["clusterpro"] else "offline"
        if state["cluster"] == "online" and len(self.online()) == len(self.servers):
            for group in self.cluster["groups"].values():
                if group.get("autostart") and group["status"] == "Offline":
                    group["status"], group["current"] = "Online", self.cluster["servers"][0]
            active = {r for g in self.cluster["groups"].values() if g["status"] == "Online" for r in g["resources"]}
            for name, mirror in self.cluster["mirrors"].items():
                fresh = len(set(mirror.pop("initialised", []))) >= 2
                if fresh and not mirror["fullcopy"]:
                    # Both sides initialised (clpmdinit/clphdinit on each) and initial mirror construction off:
                    # the mirror comes up Normal with nothing copied (guide L3076-3077); their data differ.
                    mirror["status"], mirror["until"], mirror["uncopied"] = "Normal", None, True
                    continue
                # The initial mirror construction starts by itself only with fullcopy on
                # and the application's group active (the guide's case A).
                if mirror["status"] == "Abnormal" and mirror["fullcopy"] and name in active:
                    self.start_copy(mirror)

    def start_copy(self, mirror: dict) -> None:
        mirror["status"], mirror["until"] = "Recovering", time.time() + mirror["copy_seconds"]
        mirror.pop("uncopied", None)

    def mirror(self, name: str) -> dict:
        mirror = self.cluster["mirrors"].get(name)
        if mirror is None:
            raise _Fail(f"{name}: no such mirror disk resource", 2)
        if mirror["status"] == "Recovering" and time.time() >= mirror["until"]:
            mirror["status"], mirror["until"] = "Normal", None
        return mirror

    def need_cluster(self) -> None:
        if self.me["cluster"] != "online":
            raise _Fail("The cluster service is not running on this server. (simulated)", 11)


class _Fail(Exception):
    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


def main(state_dir: str, name: str, argv: list[str]) -> int:
    state = Path(state_dir)
    host = os.environ.get("CLPKIT_HOST", "")
    if argv[:1] == ["--version"]:
        print(f"{name}: {BANNER}")
        return 0
    code = 0
    try:
        injected = _injected(state, name, host)
        if injected:
            raise _Fail(f"{name}: injected failure (simulated)", 1)
        sim = Sim(state, host)
        out = HANDLERS[name](sim, argv)
        sim.save()
        if out:
            print(out)
    except _Fail as exc:
        print(str(exc), file=sys.stderr)
        code = exc.code
    with open(state / "calls.jsonl", "a") as fh:
        fh.write(json.dumps({"time": time.time(), "host": host, "argv": [name, *argv], "exit": code}) + "\n")
    return code


def _injected(state: Path, name: str, host: str) -> bool:
    path = state / "fail.json"
    if not path.exists():
        return False
    plan = _load(path)
    entry = plan.get(name)
    if not entry or entry["count"] <= 0 or (entry.get("host") and entry["host"] != host):
        return False
    entry["count"] -= 1
    _save(path, plan)
    return True


# -- the commands ------------------------------------------------------------------------------
def clpstat(sim: Sim, argv: list[str]) -> str:
    sim.need_cluster()
    lines = [" ========================  CLUSTER STATUS  ===========================",
             f"  Cluster : {sim.cluster['name']}", "  <server>"]
    for name, st in sim.servers.items():
        mark = "*" if name == sim.host else " "
        status = "Online" if st["cluster"] == "online" else "Offline"
        label = st.get("hostname") or name  # a changed host name is what the cluster shows
        lines.append(f"   {mark}{label} {'.' * max(2, 16 - len(label))}: {status:<16} {label}")
        lines.append(f"      lanhb1         : {'Normal' if status == 'Online' else 'Unknown':<16} LAN Heartbeat")
    lines.append("  <group>")
    for gname, group in sim.cluster["groups"].items():
        lines.append(f"    {gname} {'.' * max(2, 15 - len(gname))}: {group['status']:<16}")
        lines.append(f"      current        : {group['current'] or ''}")
        for res in group["resources"]:
            lines.append(f"      {res:<15}: {group['status']:<16}")
    lines.append("  <monitor>")
    mon = "Suspend" if sim.me["monitors"] == "suspended" else "Normal"
    lines.append(f"    mdw1             : {mon:<16} mirror disk monitor")
    lines.append(" =====================================================================")
    return "\n".join(lines)


def clpcl(sim: Sim, argv: list[str]) -> str:
    # --suspend and --resume act on the whole cluster; -s/-t on this server, or every one with -a.
    cluster_wide = "-a" in argv or "--suspend" in argv or "--resume" in argv
    targets = list(sim.servers) if cluster_wide else [sim.host]
    for t in targets:
        if "-s" in argv or "--resume" in argv:
            sim.servers[t]["cluster"] = "online"
        elif "-t" in argv or "--suspend" in argv:
            sim.servers[t]["cluster"] = "offline"
    return "Command succeeded."


def clpstdn(sim: Sim, argv: list[str]) -> str:
    for name in sim.servers:
        sim.server_down(name, "off")
    if "-r" in argv:
        for name in sim.servers:
            sim.boot(name)
    return "Command succeeded."


def clpdown(sim: Sim, argv: list[str]) -> str:
    sim.server_down(sim.host, "off")
    if "-r" in argv:
        sim.boot(sim.host)
    return "Command succeeded."


def reboot(sim: Sim, argv: list[str]) -> str:
    if sim.standalone:
        sim.me["power"] = "on"
        return ""
    sim.server_down(sim.host, "off")
    sim.boot(sim.host)
    return ""


def clpgrp(sim: Sim, argv: list[str]) -> str:
    sim.need_cluster()
    for flag, status in (("-s", "Online"), ("-t", "Offline")):
        if flag in argv:
            name = argv[argv.index(flag) + 1]
            group = sim.cluster["groups"].get(name)
            if group is None:
                raise _Fail(f"{name}: no such group", 2)
            group["status"] = status
            target = argv[argv.index("-h") + 1] if "-h" in argv else sim.host
            group["current"] = target if status == "Online" else None
            return "Command succeeded."
    raise _Fail("clpgrp: give -s or -t GROUP (simulated)", 2)


def _mdstat(sim: Sim, argv: list[str]) -> str:
    sim.need_cluster()
    if "--mirror" not in argv:
        raise _Fail("Invalid option. (simulated)", 2)
    name = argv[argv.index("--mirror") + 1]
    mirror = sim.mirror(name)
    a, b = list(sim.servers)[:2]
    colors = {"Normal": ("GREEN", "GREEN"), "Recovering": ("GREEN", "YELLOW"), "Abnormal": ("GREEN", "RED")}
    ca, cb = colors.get(mirror["status"], ("GRAY", "GRAY"))
    return "\n".join([
        f"  Mirror Status: {mirror['status']}", "",
        f"  {name:<20}{a:<21}{b}",
        "  " + "-" * 61,
        f"  Mirror Color        {ca:<21}{cb}",
        f"  Lastupdate Time     {'--':<21}--",
        f"  Break Time          {'--':<21}--",
    ])


def _mdctrl(sim: Sim, argv: list[str]) -> str:
    sim.need_cluster()
    if "--force" not in argv:
        raise _Fail("Invalid option. (simulated)", 2)
    source, name = argv[argv.index("--force") + 1: argv.index("--force") + 3]
    if source not in sim.online():
        raise _Fail(f"{source} is not online. (simulated)", 3)
    sim.start_copy(sim.mirror(name))
    return "Command succeeded."


def _mdinit(sim: Sim, argv: list[str]) -> str:
    if argv[:1] != ["--create"] or len(argv) < 3 or argv[1] not in ("force", "quick"):
        raise _Fail("Usage: --create force|quick NAME (simulated)", 2)
    mirror = sim.mirror(argv[2])
    # Which servers' sides are new: both sides new is a mirror built from scratch when the cluster starts.
    mirror["initialised"] = sorted({*mirror.get("initialised", []), sim.host})
    return "Command succeeded."


def clptoratio(sim: Sim, argv: list[str]) -> str:
    sim.need_cluster()
    if "-r" in argv:
        sim.cluster["toratio"] = int(argv[argv.index("-r") + 1])
    elif "-i" in argv:
        sim.cluster["toratio"] = 1
    elif "-s" in argv:
        return f"present toratio : {sim.cluster['toratio']}"
    else:
        raise _Fail("Invalid option. (simulated)", 2)
    return "Command succeeded."


def clpmonctrl(sim: Sim, argv: list[str]) -> str:
    sim.need_cluster()
    target = argv[argv.index("-h") + 1] if "-h" in argv else sim.host
    sim.servers[target]["monitors"] = "suspended" if "-s" in argv else "running"
    return "Command succeeded."


def _ok(sim: Sim, argv: list[str]) -> str:
    return "Command succeeded."


def systemctl(sim: Sim, argv: list[str]) -> str:
    if len(argv) != 2 or argv[0] not in ("enable", "disable", "is-enabled") or argv[1] not in SERVICES:
        raise _Fail(f"systemctl {' '.join(argv)}: not simulated", 1)
    if argv[0] == "is-enabled":
        return "enabled" if sim.me["services"][argv[1]] else "disabled"
    sim.me["services"][argv[1]] = argv[0] == "enable"
    return ""


def chkconfig(sim: Sim, argv: list[str]) -> str:
    argv = [a for a in argv if a != "--force"]  # SUSE's chkconfig takes --force when deleting
    if len(argv) != 2 or argv[0] not in ("--add", "--del") or argv[1] not in SERVICES:
        raise _Fail(f"chkconfig {' '.join(argv)}: not simulated", 1)
    sim.me["services"][argv[1]] = argv[0] == "--add"
    return ""


def fdisk(sim: Sim, argv: list[str]) -> str:
    if argv[:1] != ["-l"]:
        raise _Fail("fdisk: interactive partitioning is not simulated", 1)
    return "\n".join(f"{p}   2048 2099199 2097152 1G 83 Linux" for p in sim.me["partitions"])


def lsblk(sim: Sim, argv: list[str]) -> str:
    """``lsblk -no NAME,TYPE,SIZE DEV``: a simulated partition, or lsblk's exit status 32 for another path."""
    device = argv[-1] if argv else ""
    if device not in sim.me["partitions"]:
        raise _Fail(f"lsblk: {device}: not a block device", 32)
    return f"{device.rsplit('/', 1)[-1]} part 1G"


def ip(sim: Sim, argv: list[str]) -> str:
    """``ip -o addr show``: one line per address of the server (its ``ips`` in the state, then the added ones)."""
    if argv[:3] != ["-o", "addr", "show"]:
        raise _Fail(f"ip {' '.join(argv)}: not simulated", 1)
    found = [*sim.me.get("ips", []), *sim.me.get("addresses", [])]
    return "\n".join(f"{n + 2}: eth{n}    inet {a}/24 scope global eth{n} (simulated)" for n, a in enumerate(found))


def dd(sim: Sim, argv: list[str]) -> str:
    target = next((a[3:] for a in argv if a.startswith("of=")), None)
    if target is None:
        raise _Fail("dd: no of= (simulated)", 1)
    if target not in sim.me["partitions"]:
        raise _Fail(f"dd: failed to open '{target}': No such file or directory", 1)
    raise _Fail(f"dd: writing to '{target}': No space left on device\n2048+0 records in\n2047+0 records out", 1)


def mkfs(sim: Sim, argv: list[str]) -> str:
    if not argv or argv[-1] not in sim.me["partitions"]:
        raise _Fail(f"mkfs: {argv[-1] if argv else '(none)'}: no such device (simulated)", 1)
    return f"Creating filesystem on {argv[-1]} (simulated)"


def shutdown(sim: Sim, argv: list[str]) -> str:
    if sim.standalone:
        sim.me["power"] = "off"
    else:
        sim.server_down(sim.host, "off")
    return ""


def hostnamectl(sim: Sim, argv: list[str]) -> str:
    if len(argv) != 2 or argv[0] != "set-hostname":
        raise _Fail(f"hostnamectl {' '.join(argv)}: not simulated", 1)
    sim.me["hostname"] = argv[1]
    return ""


def ping(sim: Sim, argv: list[str]) -> str:
    """Answers for the name, changed host name or added address of a powered-on simulated server."""
    target = argv[-1] if argv else ""
    for name, st in sim.servers.items():
        if st["power"] == "on" and target in (name, st.get("hostname"), *st.get("ips", []), *st.get("addresses", [])):
            return f"3 packets transmitted, 3 received, 0% packet loss (simulated {name})"
    raise _Fail(f"ping: {target}: 3 packets transmitted, 0 received, 100% packet loss (simulated)", 1)


def clpcfctrl(sim: Sim, argv: list[str]) -> str:
    """--pull writes the simulated cluster's clp.conf into -x DIR; --push/--dpush read DIR/clp.conf,
    --dpush (dynamic addition, cluster suspended) adds the groups' resources it lists."""
    if "-x" not in argv or argv.index("-x") + 1 >= len(argv):
        raise _Fail("clpcfctrl: give -x DIRECTORY (simulated)", 2)
    folder = sim.path(argv[argv.index("-x") + 1])
    conf = folder / "clp.conf"
    if "--pull" in argv:
        if not folder.is_dir():
            raise _Fail(f"clpcfctrl: {folder}: no such directory (simulated)", 11)
        conf.write_text(_conf_xml(sim))
        return "Command succeeded.(code:0)"
    if "--push" not in argv and "--dpush" not in argv:
        raise _Fail("Invalid option. (simulated)", 2)
    if not conf.exists():
        raise _Fail(f"clpcfctrl: {conf}: no such file (simulated)", 11)
    if "--dpush" in argv:
        if sim.online():
            raise _Fail("clpcfctrl: the cluster is not suspended (simulated)", 11)
        import xml.etree.ElementTree as ET

        for group in ET.parse(conf).getroot().findall("group"):
            if group.get("name") in sim.cluster["groups"]:
                names = [r.get("name", "").split("@", 1)[-1] for r in group.findall("resource")]
                sim.cluster["groups"][group.get("name")]["resources"] = names
    return "Command succeeded.(code:0)"


def _conf_xml(sim: Sim) -> str:
    mirrors = sim.cluster["mirrors"]
    groups = "".join(
        f'<group name="{g}">' + "".join(
            f'<resource name="{"md" if r in mirrors else "exec"}@{r}"/>' for r in group["resources"]) + "</group>"
        for g, group in sim.cluster["groups"].items()
    )
    servers = "".join(f'<server name="{s}"/>' for s in sim.cluster["servers"])
    return (f'<?xml version="1.0" encoding="ASCII"?>\n<root><cluster><name>{sim.cluster["name"]}</name></cluster>'
            f"{servers}{groups}</root>\n")


#: What each clplogcc type adds to the logs every type collects (guide L555-565: mirror
#: statistics with type5; L1544-1553: cluster statistics with type6). The other types'
#: extra contents are not in the guide; here they collect what type1 does.
LOGCC_EXTRA = {"type5": ("perf/disk/",), "type6": ("perf/cluster/",)}
LOGCC_TYPES = ("type1", "type2", "type3", "type4", "type5", "type6")


def clplogcc(sim: Sim, argv: list[str]) -> str:
    """``clplogcc [-t TYPE] [-o DIR] [-l]``: this server's collection as DIR/<server>.tar.gz
    (-l: this server only; without it every online server of the simulated cluster)."""
    import tarfile

    ctype = argv[argv.index("-t") + 1] if "-t" in argv and argv.index("-t") + 1 < len(argv) else "type1"
    if ctype not in LOGCC_TYPES:
        raise _Fail(f"clplogcc: invalid collect type {ctype!r} (simulated)", 2)
    if "-o" not in argv or argv.index("-o") + 1 >= len(argv):
        raise _Fail("clplogcc: give -o DIRECTORY (the simulator writes nowhere else)", 2)
    out = Path(argv[argv.index("-o") + 1])
    if not out.is_dir():
        raise _Fail(f"clplogcc: {out}: no such directory (simulated)", 2)
    targets = [sim.host] if "-l" in argv else sim.online()
    lines = []
    for server in targets:
        root = sim.dir / "files" / server
        if not root.is_dir():
            raise _Fail(f"clplogcc: the simulated server {server} has no files (install_files first)", 1)
        extra = LOGCC_EXTRA.get(ctype, ())
        with tarfile.open(out / f"{server}.tar.gz", "w:gz", compresslevel=1) as tar:
            for path in sorted(root.rglob("*")):
                rel = path.relative_to(root).as_posix()
                if path.is_file() and (not rel.startswith("perf/") or rel.startswith(extra)):
                    tar.add(path, arcname=f"{server}/{rel}")
        lines.append(f"{server:<16}: Normal ({ctype}, simulated)")
    return "\n".join(["Collect Log (clpkit simulator)", *lines])


def mkdir(sim: Sim, argv: list[str]) -> str:
    """``mkdir [-p] DIR…`` inside the rehearsal's folder of this server."""
    for given in (a for a in argv if not a.startswith("-")):
        sim.path(given).mkdir(parents=True, exist_ok=True)
    return ""


def find(sim: Sim, argv: list[str]) -> str:
    """``find DIR -mindepth 1 [-type f] -delete`` (the only form a plan uses), inside this server's folder."""
    if not argv or argv[-1] != "-delete" or "-mindepth" not in argv:
        raise _Fail(f"find {' '.join(argv)}: not simulated", 1)
    top = sim.path(argv[0])
    if not top.is_dir():
        raise _Fail(f"find: '{argv[0]}': No such file or directory", 1)
    files_only = "-type" in argv and argv[argv.index("-type") + 1] == "f"
    for path in sorted(top.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_file() or path.is_symlink():
            path.unlink()
        elif not files_only:
            path.rmdir()
    return ""


def grep(sim: Sim, argv: list[str]) -> str:
    """``grep [-q] TEXT FILE`` inside this server's folder: exit 1 when TEXT is not in FILE."""
    words = [a for a in argv if not a.startswith("-")]
    if len(words) != 2:
        raise _Fail(f"grep {' '.join(argv)}: not simulated", 2)
    file = sim.path(words[1])
    if not file.is_file():
        raise _Fail(f"grep: {words[1]}: No such file or directory", 2)
    found = [line for line in file.read_text(errors="replace").splitlines() if words[0] in line]
    if not found:
        raise _Fail("", 1)
    return "" if "-q" in argv else "\n".join(found)


HANDLERS = {
    "clpstat": clpstat, "clpcl": clpcl, "clpstdn": clpstdn, "clpdown": clpdown, "clpgrp": clpgrp,
    "clpmdstat": _mdstat, "clphdstat": _mdstat, "clpmdctrl": _mdctrl, "clphdctrl": _mdctrl,
    "clpmdinit": _mdinit, "clphdinit": _mdinit, "clptoratio": clptoratio, "clpmonctrl": clpmonctrl,
    "clpcfctrl": clpcfctrl, "clproset": _ok, "systemctl": systemctl, "chkconfig": chkconfig,
    "reboot": reboot, "fdisk": fdisk, "lsblk": lsblk, "ip": ip, "dd": dd, "mkfs": mkfs,
    "shutdown": shutdown, "hostnamectl": hostnamectl, "ping": ping, "clplogcc": clplogcc,
    "mkdir": mkdir, "find": find, "grep": grep,
}

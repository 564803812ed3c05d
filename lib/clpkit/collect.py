"""From the servers to a complete collection (``clpkit collect``).

On every server, over the runbook transport (SSH: host key checked against
known_hosts and never learnt, key from the agent or a key file, never a
password), either

- runs ``clplogcc -l -t TYPE -o DIR`` for each collection type the analysis
  needs — ``type1`` for the logs, ``type6`` for cluster statistics and, when
  clp.conf has mirror or hybrid disks, ``type5`` for mirror statistics (the
  guide names these two types, L555-565 and L1544-1553) — into a private
  temporary folder on the server, brings each archive home and removes the
  folder; or
- with ``statistics_only``, copies the statistics and log folders of the
  install root (``perf/``, ``log/``, ``alert/log/``, ``etc/clp.conf``)
  incrementally: a file whose size and time did not change is not fetched
  again, and a file that only grew (a ``.cur`` being written) is fetched from
  where the last copy ended, once its start is checked to be the same.

Files come home in base64 pieces of the command output (``tail -c`` and
``head -c``), so nothing but a shell is needed on the server. Each server's
collection becomes ``OUT/<server>/`` (archives extracted safely with
:mod:`clpkit.archive`, replaced only once complete), which is a bundle
clpkit opens as it is; the archives stay in ``OUT/.archives/<server>/``.
Each server folder gets ``clpkit-host.json`` (the server's clock against this
machine's, its UTC offset and time zone: the evidence ``clpkit
check-bundle`` looks for), and ``OUT/collect.json`` says per server what was
collected, or why not.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shlex
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from clpkit.archive import extract
from clpkit.problems import ClpkitError
from clpkit.runbook.transport import HostSpec, LocalTransport, SSHTransport, TransportError

#: Where CLUSTERPRO lives on a server (SPEC 2, guide L486).
INSTALL_ROOT = "/opt/nec/clusterpro"
#: What the statistics-only copy fetches, below the install root.
FETCHED = ("perf", "log", "alert/log", "etc/clp.conf")
#: Bytes of one piece of a file fetched through the command output.
PIECE = 8 << 20
#: Record of the incremental copies, below OUT.
STATE_DIR = ".clpkit-collect"
ARCHIVES_DIR = ".archives"
MANIFEST = "collect.json"
HOST_RECORD = "clpkit-host.json"

_HOST = re.compile(r"^(?P<name>[A-Za-z0-9_.\-]+)(?:=(?:(?P<user>[^@\s]+)@)?(?P<host>\[[^\]]+\]|[^:\s]+)(?::(?P<port>\d+))?)?$")


@dataclass
class Target:
    """One server to collect from, and how to reach it."""

    name: str
    host: str
    user: str | None = None
    port: int | None = None
    identity: str | None = None
    known_hosts: str | None = None


def parse_hosts(text: str) -> list[Target]:
    """``name[=[user@]host[:port]],…``; a bare name is reached by that name (and ssh_config).

    >>> [(t.name, t.host, t.user, t.port) for t in parse_hosts("sv1,sv2=admin@10.0.0.2:2222")]
    [('sv1', 'sv1', None, None), ('sv2', '10.0.0.2', 'admin', 2222)]
    """
    out = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        m = _HOST.match(item)
        if not m:
            raise ClpkitError(f"--hosts: {item!r} is not name[=[user@]host[:port]]")
        out.append(Target(m["name"], (m["host"] or m["name"]).strip("[]"), m["user"],
                          int(m["port"]) if m["port"] else None))
    return out


def apply_ssh_config(targets: list[Target], path: str | os.PathLike | None) -> list[Target]:
    """Fill what --hosts left open from the user's ssh_config (HostName, User, Port,
    IdentityFile, UserKnownHostsFile). What the transport cannot do is refused by name."""
    import paramiko

    file = Path(path).expanduser() if path else Path("~/.ssh/config").expanduser()
    if not file.is_file():
        if path:
            raise ClpkitError(f"--ssh-config {path}: no such file")
        return targets
    try:
        config = paramiko.SSHConfig.from_path(str(file))
    except (OSError, paramiko.ssh_exception.ConfigParseError) as exc:
        raise ClpkitError(f"{file}: cannot read it ({exc})") from None
    for t in targets:
        found = config.lookup(t.host)
        for unsupported in ("proxyjump", "proxycommand"):
            if unsupported in found:
                raise ClpkitError(f"{file}: {t.host} uses {unsupported.title()}, which the runbook SSH transport "
                                  "does not support; give a directly reachable address in --hosts")
        t.host = found.get("hostname", t.host)
        t.user = t.user or found.get("user")
        t.port = t.port or (int(found["port"]) if "port" in found else None)
        if t.identity is None and found.get("identityfile"):
            existing = [f for f in found["identityfile"] if Path(f).expanduser().is_file()]
            t.identity = existing[0] if existing else None
        if t.known_hosts is None and found.get("userknownhostsfile"):
            t.known_hosts = found["userknownhostsfile"].split()[0]
    return targets


@dataclass
class ServerResult:
    """What one server's collection brought home."""

    server: str
    ok: bool = False
    method: str = ""
    types: list[str] = field(default_factory=list)
    archives: list[dict] = field(default_factory=list)
    files: int = 0
    fetched_bytes: int = 0
    unchanged: int = 0
    appended: int = 0
    clock_offset_s: float | None = None
    utc_offset: str | None = None
    timezone: str | None = None
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    error: str | None = None

    def line(self) -> str:
        if not self.ok:
            return f"{self.server}: FAILED: {self.error}"
        what = (f"clplogcc {', '.join(self.types)}: {len(self.archives)} archive(s)" if self.method == "clplogcc"
                else f"statistics and logs copied ({self.appended} grown, {self.unchanged} unchanged)")
        clock = "" if self.clock_offset_s is None else f"; clock {self.clock_offset_s:+.3f} s against this machine"
        zone = f"; zone {self.timezone or '?'} (UTC{self.utc_offset or '?'})"
        extra = f"; {len(self.problems)} problem(s)" if self.problems else ""
        return (f"{self.server}: ok: {what}, {self.files} files, {self.fetched_bytes / 1e6:.1f} MB fetched "
                f"in {self.seconds:.1f} s{clock}{zone}{extra}")


class Remote:
    """The commands collect runs on one server, through a transport."""

    def __init__(self, transport, timeout: float):
        self.t, self.timeout = transport, timeout

    def run(self, command: str, what: str) -> str:
        result = self.t.run(command, timeout=self.timeout)
        if result.exit_code != 0:
            tail = " ".join(result.output.strip().splitlines()[-3:])[:300]
            raise ClpkitError(f"{what} failed (exit {result.exit_code}): {tail or 'no output'}")
        return result.output

    def fetch(self, remote: str, local: Path, size: int, offset: int = 0) -> int:
        """Copy bytes [offset, size) of a remote file to ``local`` (appending after offset); return the count."""
        got = 0
        mode = "r+b" if offset and local.exists() else "wb"
        with open(local, mode) as fh:
            if mode == "r+b":
                fh.seek(offset)
            fh.truncate()
            position = offset
            while position < size:
                length = min(PIECE, size - position)
                out = self.run(f"tail -c +{position + 1} -- {shlex.quote(remote)} | head -c {length} | base64 -w0",
                               f"reading {remote}")
                try:
                    piece = base64.b64decode(out.strip(), validate=False)
                except ValueError as exc:
                    raise ClpkitError(f"reading {remote}: the output is not base64 ({exc})") from None
                if not piece:
                    break  # the file shrank while we read it (rotated): what we have is what there was
                fh.write(piece)
                position += len(piece)
                got += len(piece)
        return got

    def clock(self) -> dict:
        before = time.time()
        out = self.run("date -u +%s.%N; date +%z; (cat /etc/timezone 2>/dev/null || "
                       "timedatectl show -p Timezone --value 2>/dev/null || readlink /etc/localtime) | head -n 1",
                       "reading the clock")
        after = time.time()
        lines = [line.strip() for line in out.splitlines()]
        record: dict = {"read_at_utc": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        try:
            remote = float(lines[0])
            record["clock_offset_s"] = round(remote - (before + after) / 2, 3)
            record["clock_uncertainty_s"] = round((after - before) / 2, 3)
        except (IndexError, ValueError):
            pass
        if len(lines) > 1 and re.fullmatch(r"[+-]\d{4}", lines[1]):
            record["utc_offset"] = lines[1]
        if len(lines) > 2 and lines[2]:
            record["timezone"] = lines[2].split("zoneinfo/")[-1]
        return record


def _sha256(path: Path, length: int | None = None) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        remaining = length
        while remaining is None or remaining > 0:
            chunk = fh.read(1 << 20 if remaining is None else min(1 << 20, remaining))
            if not chunk:
                break
            digest.update(chunk)
            if remaining is not None:
                remaining -= len(chunk)
    return digest.hexdigest()


def _clplogcc(remote: Remote, server: str, types: list[str], out: Path, stage: Path, remote_tmp: str,
              result: ServerResult) -> None:
    """Run clplogcc once per type into a private remote folder, bring the archives home, extract them."""
    archives_dir = out / ARCHIVES_DIR / server
    new_archives = stage.with_name(stage.name + ".archives")
    new_archives.mkdir(parents=True)
    for ctype in types:
        folder = remote.run(f"mktemp -d {shlex.quote(remote_tmp.rstrip('/') + '/clpkit-collect.XXXXXXXX')}",
                            "making a temporary folder").strip().splitlines()[-1]
        if "clpkit-collect." not in folder:
            raise ClpkitError(f"mktemp gave {folder!r}, not a folder of its own")
        try:
            remote.run(f"clplogcc -l -t {shlex.quote(ctype)} -o {shlex.quote(folder)}", f"clplogcc -t {ctype}")
            listing = remote.run(f"find {shlex.quote(folder)} -type f -printf '%s\\t%P\\n'", "listing the collection")
            made = [line.split("\t", 1) for line in listing.splitlines() if "\t" in line]
            if not made:
                raise ClpkitError(f"clplogcc -t {ctype} wrote no file")
            for size, name in made:
                local = new_archives / f"{ctype}-{Path(name).name}"
                got = remote.fetch(f"{folder}/{name}", local, int(size))
                result.fetched_bytes += got
                result.archives.append({"type": ctype, "name": local.name, "bytes": got, "sha256": _sha256(local)})
                for p in extract(local, stage):
                    result.problems.append(f"{local.name}: {p.reason}")
        finally:
            remote.t.run(f"rm -rf -- {shlex.quote(folder)}", timeout=60)
        result.types.append(ctype)
    # An archive holds <hostname>/...: that folder is the server's root.
    inner = [c for c in stage.iterdir()]
    if len(inner) == 1 and inner[0].is_dir() and not (stage / "log").exists():
        for child in list(inner[0].iterdir()):
            os.replace(child, stage / child.name)
        inner[0].rmdir()
    shutil.rmtree(archives_dir, ignore_errors=True)
    archives_dir.parent.mkdir(parents=True, exist_ok=True)
    os.replace(new_archives, archives_dir)


def _fetch_statistics(remote: Remote, server: str, root: str, out: Path, stage: Path, result: ServerResult) -> None:
    """Copy the statistics and log folders of the install root, fetching only what changed."""
    state_file = out / STATE_DIR / f"{server}.json"
    known = json.loads(state_file.read_text()) if state_file.is_file() else {}
    current = out / server
    quoted = " ".join(shlex.quote(p) for p in FETCHED)
    listing = remote.run(f"cd {shlex.quote(root)} && find {quoted} -type f -printf '%s\\t%T@\\t%p\\n' 2>/dev/null; true",
                         f"listing {root}")
    files = {}
    for line in listing.splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and parts[0].isdigit() and ".." not in parts[2].split("/"):
            files[parts[2]] = (int(parts[0]), parts[1])
    if not files:
        raise ClpkitError(f"nothing found below {root} ({', '.join(FETCHED)}); is it the install root? (--install-root)")
    state = {}
    for rel, (size, mtime) in sorted(files.items()):
        target = stage / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        old = current / rel
        before = known.get(rel)
        remote_path = f"{root.rstrip('/')}/{rel}"
        if before and old.is_file() and before == [size, mtime] and old.stat().st_size == size:
            os.link(old, target) if _same_device(old, target) else shutil.copy2(old, target)
            result.unchanged += 1
        elif before and old.is_file() and size > old.stat().st_size > 0 and \
                _remote_prefix_matches(remote, remote_path, old):
            shutil.copy2(old, target)
            result.fetched_bytes += remote.fetch(remote_path, target, size, offset=old.stat().st_size)
            result.appended += 1
        else:
            result.fetched_bytes += remote.fetch(remote_path, target, size)
        state[rel] = [size, mtime]
        result.files += 1
    result.types = ["statistics and logs"]
    state_file.parent.mkdir(parents=True, exist_ok=True)
    _write_json(state_file, state)


def _same_device(a: Path, b: Path) -> bool:
    try:
        return a.stat().st_dev == b.parent.stat().st_dev
    except OSError:
        return False


def _remote_prefix_matches(remote: Remote, path: str, local: Path) -> bool:
    length = local.stat().st_size
    out = remote.run(f"head -c {length} -- {shlex.quote(path)} | sha256sum", f"checking {path}")
    return out.split()[0] == _sha256(local) if out.split() else False


def _write_json(path: Path, data) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def collect_server(target: Target, out: Path, *, types: list[str], statistics_only: bool, install_root: str,
                   remote_tmp: str, transport: str = "ssh", known_hosts: str | None = None,
                   identity: str | None = None, timeout: float = 1800.0) -> ServerResult:
    """Collect one server into ``out/<server>/``; a failure is the result's ``error``, never an exception."""
    started = time.monotonic()
    result = ServerResult(target.name, method="fetch" if statistics_only else "clplogcc")
    if transport == "local":
        t = LocalTransport(target.name)
    else:
        spec = HostSpec(target.name, target.user or os.environ.get("USER") or "root", target.host, target.port or 22)
        t = SSHTransport(spec, known_hosts=target.known_hosts or known_hosts or None,
                         identity=target.identity or identity or None)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.incoming-", dir=out))
    try:
        remote = Remote(t, timeout)
        host = remote.clock()
        root = install_root.replace("{server}", target.name)
        if statistics_only:
            _fetch_statistics(remote, target.name, root, out, stage, result)
        else:
            _clplogcc(remote, target.name, types, out, stage, remote_tmp, result)
            result.files = sum(1 for p in stage.rglob("*") if p.is_file())
        result.clock_offset_s = host.get("clock_offset_s")
        result.utc_offset, result.timezone = host.get("utc_offset"), host.get("timezone")
        _write_json(stage / HOST_RECORD, {"server": target.name, "collected_with": result.method,
                                          "types": result.types, **host})
        final = out / target.name
        old = out / f".{target.name}.old"
        shutil.rmtree(old, ignore_errors=True)
        if final.exists():
            os.replace(final, old)
        os.replace(stage, final)
        shutil.rmtree(old, ignore_errors=True)
        result.ok = True
    except (ClpkitError, TransportError, OSError) as exc:
        result.error = str(exc)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        shutil.rmtree(stage.with_name(stage.name + ".archives"), ignore_errors=True)
        t.close()
        result.seconds = round(time.monotonic() - started, 2)
    return result


def needed_types(config) -> list[str]:
    """type1 (logs), type6 (cluster statistics), and type5 (mirror statistics) when there are mirror disks."""
    return ["type1", "type6"] + (["type5"] if config is not None and config.mirrors() else [])


def collect(config, targets: list[Target], out: Path, *, types: list[str] | None = None, statistics_only: bool = False,
            install_root: str = INSTALL_ROOT, remote_tmp: str = "/var/tmp", transport: str = "ssh",
            known_hosts: str | None = None, identity: str | None = None, jobs: int = 4) -> list[ServerResult]:
    """Collect every target (in parallel), write ``out/collect.json``; servers of clp.conf not targeted
    are results with an error, so they are never silently missing."""
    from concurrent.futures import ThreadPoolExecutor

    out.mkdir(parents=True, exist_ok=True)
    types = types or needed_types(config)
    by_name = {t.name: t for t in targets}
    if config is not None:
        unknown = [t.name for t in targets if t.name not in {s.name for s in config.servers}]
        if unknown:
            raise ClpkitError(f"--hosts names {', '.join(unknown)}, not a server of clp.conf "
                              f"({', '.join(s.name for s in config.servers)})")
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(lambda t: collect_server(
            t, out, types=types, statistics_only=statistics_only, install_root=install_root, remote_tmp=remote_tmp,
            transport=transport, known_hosts=known_hosts, identity=identity), targets))
    if config is not None:
        for server in config.servers:
            if server.name not in by_name:
                results.append(ServerResult(server.name, error="not in --hosts: not collected"))
    _write_json(out / MANIFEST, {
        "collected_at_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "method": "fetch" if statistics_only else "clplogcc",
        "types": [] if statistics_only else types,
        "servers": [asdict(r) for r in results],
    })
    return results

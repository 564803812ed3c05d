"""Fixtures for the runbook tests: the CLUSTERPRO simulator on a PATH prefix."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from clpkit.simulator import clpsim  # noqa: E402

from clpkit.runbook.transport import LocalTransport  # noqa: E402


@dataclass
class Simulator:
    bin: Path
    state: Path

    @property
    def env(self) -> dict[str, str]:
        return {"PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}"}

    def calls(self, skip_reads: bool = False) -> list[dict]:
        return clpsim.calls(self.state)

    def fail_next(self, command: str, host: str | None = None) -> None:
        clpsim.fail_next(self.state, command, host)

    def transports(self) -> dict[str, LocalTransport]:
        return {name: LocalTransport(name, env=self.env) for name in ("sv1", "sv2")}

    def server(self, name: str) -> dict:
        import json

        return json.loads((self.state / f"{name}.json").read_text())

    def cluster(self) -> dict:
        import json

        return json.loads((self.state / "cluster.json").read_text())


@pytest.fixture
def sim(tmp_path) -> Simulator:
    """A healthy two-server simulated cluster (sv1, sv2, mirror md1 in group failover1)."""
    s = Simulator(tmp_path / "simbin", tmp_path / "simstate")
    clpsim.install(s.bin, s.state)
    # Safety: the fake commands must shadow the real ones before any test runs them.
    for name in ("dd", "mkfs", "fdisk", "reboot", "systemctl"):
        out = subprocess.run(f"{name} --version", shell=True, env={**os.environ, **s.env}, capture_output=True, text=True)
        assert clpsim.BANNER in out.stdout, f"{name} on the test PATH is not the simulator"
    return s


# -- a real OpenSSH server on 127.0.0.1 -------------------------------------------------------
SSHD = Path("/usr/sbin/sshd")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _keygen(path: Path) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "clpkit-test", "-f", str(path)], check=True)
    return path.with_suffix(".pub").read_text().strip() if path.suffix else Path(f"{path}.pub").read_text().strip()


@dataclass
class SSHServer:
    """One sshd, two ports: port of sv1 and port of sv2. A ForceCommand per port
    runs each command with the simulator first on PATH and CLPKIT_HOST naming
    the simulated server, so the two ports are the two servers."""

    ports: dict[str, int]
    known_hosts: Path
    wrong_known_hosts: Path
    identity: Path
    user: str

    @property
    def hosts(self) -> str:
        return ",".join(f"{name}={self.user}@127.0.0.1:{port}" for name, port in self.ports.items())


@pytest.fixture
def sshd(sim, tmp_path, request):
    """A real sshd (own host key, own authorized key, own config) in front of the simulator.

    Indirect parametrisation gives extra sshd_config lines (``PasswordAuthentication yes``)."""
    import getpass
    import time

    if not SSHD.exists():
        pytest.fail("openssh-server is missing: run scripts/install-system-deps.sh (make test does)")
    d = tmp_path / "sshd"
    d.mkdir()
    d.chmod(0o700)
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation directory
    host_pub = _keygen(d / "host_key")
    client_pub = _keygen(d / "client_key")
    other_pub = _keygen(d / "other_host_key")
    (d / "authorized_keys").write_text(client_pub + "\n")
    (d / "authorized_keys").chmod(0o600)
    wrapper = d / "simshell"
    wrapper.write_text(
        "#!/bin/sh\n# Runs the client's command on a simulated CLUSTERPRO server ($1).\n"
        f'PATH="{sim.bin}:$PATH"; export PATH\nCLPKIT_HOST="$1"; export CLPKIT_HOST\n'
        'exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"\n'
    )
    wrapper.chmod(0o755)
    ports = {"sv1": _free_port(), "sv2": _free_port()}
    config = d / "sshd_config"
    lines = [f"Port {p}" for p in ports.values()] + [
        "ListenAddress 127.0.0.1",
        f"HostKey {d / 'host_key'}",
        f"PidFile {d / 'sshd.pid'}",
        f"AuthorizedKeysFile {d / 'authorized_keys'}",
        "PubkeyAuthentication yes",
        "PasswordAuthentication no",
        "KbdInteractiveAuthentication no",
        "PermitRootLogin prohibit-password",
        "UsePAM no",
        # pytest's temporary directories live under /tmp, which is world-writable
        # (sticky), and StrictModes rejects any key file below such a directory.
        # The files themselves are private (0600/0700) all the same.
        "StrictModes no",
        "LogLevel VERBOSE",
    ]
    extra = list(getattr(request, "param", None) or [])
    lines = [line for line in lines if line.split()[0] not in {e.split()[0] for e in extra}] + extra
    for name, port in ports.items():
        lines += [f"Match LocalPort {port}", f"    ForceCommand {wrapper} {name}"]
    config.write_text("\n".join(lines) + "\n")
    log = open(d / "sshd.log", "w")
    proc = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        import socket

        pending = set(ports.values())
        while pending and time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"sshd exited: {(d / 'sshd.log').read_text()}")
            for port in list(pending):
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        pending.discard(port)
            time.sleep(0.05)
        assert not pending, f"sshd did not listen on {pending}: {(d / 'sshd.log').read_text()}"
        known = d / "known_hosts"
        known.write_text("".join(f"[127.0.0.1]:{p} {host_pub.rsplit(' ', 1)[0]}\n" for p in ports.values()))
        wrong = d / "wrong_known_hosts"
        wrong.write_text("".join(f"[127.0.0.1]:{p} {other_pub.rsplit(' ', 1)[0]}\n" for p in ports.values()))
        yield SSHServer(ports, known, wrong, d / "client_key", getpass.getuser())
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()

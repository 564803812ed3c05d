"""Where a step's command runs: this machine (``local``) or a server over SSH.

A transport runs one command line and returns its exit status and its output
(stdout and stderr merged, as an operator sees them on a terminal), or fails
with :class:`TransportError` when it cannot reach the server at all.

SSH is strict on purpose: the server's host key must already be in the
known_hosts file (``RejectPolicy``: an unknown or changed key is refused,
never learnt), and authentication is by key only, from the SSH agent or a
key file. No password is ever accepted.

>>> parse_hosts("sv1=root@10.0.0.1,sv2=admin@10.0.0.2:2222")
{'sv1': HostSpec(name='sv1', user='root', host='10.0.0.1', port=22), 'sv2': HostSpec(name='sv2', user='admin', host='10.0.0.2', port=2222)}
>>> LocalTransport("sv1").run("echo hello").output
'hello\\n'
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from clpkit.problems import ClpkitError

#: Seconds a single command may run unless the step says otherwise.
DEFAULT_TIMEOUT = 600.0


class TransportError(ClpkitError):
    """The server could not be reached or refused the connection."""


class HostKeyError(TransportError):
    """The server's host key is unknown or differs from known_hosts."""


@dataclass(frozen=True)
class Result:
    exit_code: int
    output: str
    timed_out: bool = False
    unreachable: bool = False  # the server could not be reached: no condition holds


@dataclass(frozen=True)
class HostSpec:
    name: str
    user: str
    host: str
    port: int = 22


_HOST = re.compile(r"^(?P<name>[^=\s]+)=(?:(?P<user>[^@\s]+)@)?(?P<host>\[[^\]]+\]|[^:\s]+)(?::(?P<port>\d+))?$")


def parse_hosts(text: str) -> dict[str, HostSpec]:
    """``name=user@host[:port],…`` into host specs keyed by server name."""
    out = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        m = _HOST.match(item)
        if not m:
            raise ClpkitError(f"--hosts: {item!r} is not name=user@host[:port]")
        out[m["name"]] = HostSpec(m["name"], m["user"] or "root", m["host"].strip("[]"), int(m["port"] or 22))
    return out


class LocalTransport:
    """Runs commands on this machine, for one named server.

    ``CLPKIT_HOST`` in the command's environment names the server the
    command stands for (the test simulator uses it to pick its state).
    """

    def __init__(self, name: str, env: dict[str, str] | None = None):
        self.name = name
        self.env = {**os.environ, **(env or {}), "CLPKIT_HOST": name}

    def describe(self) -> str:
        return f"{self.name} (local)"

    def run(self, command: str, timeout: float | None = None) -> Result:
        try:
            done = subprocess.run(command, shell=True, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, timeout=timeout or DEFAULT_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            out = (exc.stdout or b"").decode("utf-8", "replace")
            return Result(124, out + f"\n[clpkit: timed out after {timeout or DEFAULT_TIMEOUT:g} s]", timed_out=True)
        return Result(done.returncode, done.stdout.decode("utf-8", "replace"))

    def close(self) -> None:
        pass


class SSHTransport:
    """Runs commands on one server over SSH (paramiko), connecting on first use."""

    def __init__(self, spec: HostSpec, known_hosts: str | Path | None = None, identity: str | Path | None = None,
                 connect_timeout: float = 15.0):
        self.spec = spec
        self.known_hosts = Path(known_hosts).expanduser() if known_hosts else Path("~/.ssh/known_hosts").expanduser()
        self.identity = str(Path(identity).expanduser()) if identity else None
        self.connect_timeout = connect_timeout
        self._client = None

    def describe(self) -> str:
        return f"{self.spec.name} ({self.spec.user}@{self.spec.host}:{self.spec.port})"

    def _connect(self):
        import paramiko

        if self._client is not None and self._client.get_transport() is not None and self._client.get_transport().is_active():
            return self._client
        if not self.known_hosts.is_file():
            raise HostKeyError(f"{self.describe()}: known_hosts file {self.known_hosts} does not exist; "
                               "add the server's host key to it first (ssh-keyscan, then check the fingerprint)")
        client = paramiko.SSHClient()
        client.load_host_keys(str(self.known_hosts))
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            client.connect(self.spec.host, port=self.spec.port, username=self.spec.user, key_filename=self.identity,
                           allow_agent=True, look_for_keys=self.identity is None, timeout=self.connect_timeout,
                           banner_timeout=self.connect_timeout, auth_timeout=self.connect_timeout)
        except paramiko.BadHostKeyException as exc:
            client.close()
            raise HostKeyError(f"{self.describe()}: host key does not match {self.known_hosts} "
                               f"(got {exc.key.get_name()} {exc.key.fingerprint}); refusing to connect") from None
        except paramiko.PasswordRequiredException:
            client.close()
            raise TransportError(f"{self.describe()}: the key file is encrypted; load it into ssh-agent instead "
                                 "(clpkit never asks for a passphrase)") from None
        except paramiko.AuthenticationException as exc:
            client.close()
            raise TransportError(f"{self.describe()}: key authentication failed ({exc})") from None
        except paramiko.SSHException as exc:
            client.close()
            if "not found in known_hosts" in str(exc):
                raise HostKeyError(f"{self.describe()}: host key not in {self.known_hosts}; refusing to connect") from None
            raise TransportError(f"{self.describe()}: {exc}") from None
        except (OSError, socket.timeout) as exc:
            client.close()
            raise TransportError(f"{self.describe()}: cannot connect ({exc})") from None
        self._client = client
        return client

    def run(self, command: str, timeout: float | None = None) -> Result:
        import paramiko

        limit = timeout or DEFAULT_TIMEOUT
        client = self._connect()
        try:
            chan = client.get_transport().open_session(timeout=self.connect_timeout)
            chan.set_combine_stderr(True)
            chan.exec_command(command)
        except (paramiko.SSHException, OSError) as exc:
            self.close()
            raise TransportError(f"{self.describe()}: cannot start the command ({exc})") from None
        chunks: list[bytes] = []
        deadline = time.monotonic() + limit
        while True:
            if chan.recv_ready():
                chunks.append(chan.recv(65536))
                continue
            if chan.exit_status_ready():
                while chan.recv_ready():
                    chunks.append(chan.recv(65536))
                break
            if chan.closed:
                break
            if time.monotonic() > deadline:
                chan.close()
                out = b"".join(chunks).decode("utf-8", "replace")
                return Result(124, out + f"\n[clpkit: timed out after {limit:g} s]", timed_out=True)
            time.sleep(0.02)
        code = chan.recv_exit_status() if chan.exit_status_ready() else -1
        chan.close()
        return Result(code, b"".join(chunks).decode("utf-8", "replace"))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

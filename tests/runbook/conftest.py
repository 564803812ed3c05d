"""Fixtures for the runbook tests: the CLUSTERPRO simulator on a PATH prefix."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

SIM_DIR = Path(__file__).resolve().parents[1] / "simulator"
sys.path.insert(0, str(SIM_DIR))

import clpsim  # noqa: E402

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

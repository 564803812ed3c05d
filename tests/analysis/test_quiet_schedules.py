"""The cron example is silent on success (cron mails anything printed) and still speaks on damage."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, SAMPLE


def _cron_command(bundle: Path, out: Path) -> str:
    """The command of the cron line, pointed at this environment's clpkit and the given folders."""
    line = next(l for l in (ROOT / "contrib" / "cron" / "clpkit-report").read_text().splitlines()
                if l and not l.startswith("#") and "=" not in l.split()[0])
    command = line.split(None, 6)[6]  # minute hour day month weekday user command
    assert command.startswith("/opt/clpkit/.venv/bin/clpkit report /var/lib/clpkit/collection --out /var/lib/clpkit/reports")
    clpkit = str(Path(sys.executable).with_name("clpkit"))
    return (command.replace("/opt/clpkit/.venv/bin/clpkit", clpkit)
            .replace("/var/lib/clpkit/collection", str(bundle)).replace("/var/lib/clpkit/reports", str(out))
            + " --only summary")


@pytest.mark.slow
def test_cron_line_is_silent_on_success_and_speaks_on_damage(tmp_path):
    ok = subprocess.run(["sh", "-c", _cron_command(SAMPLE, tmp_path / "out")], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == "" and ok.stderr == "", "cron would mail this"
    damaged = tmp_path / "cut"
    damaged.mkdir()
    shutil.copy(SAMPLE / "sv2.tar.gz", damaged)
    (damaged / "sv1.tar.gz").write_bytes((SAMPLE / "sv1.tar.gz").read_bytes()[:3000])
    bad = subprocess.run(["sh", "-c", _cron_command(damaged, tmp_path / "out")], capture_output=True, text=True)
    assert bad.returncode == 0 and bad.stdout == ""
    assert "incomplete input" in bad.stderr and "sv1.tar.gz" in bad.stderr

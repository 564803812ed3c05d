"""contrib/: the scheduled collect -> ingest -> report run, end to end against the simulated cluster."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from clpkit.simulator import clpsim

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "contrib" / "clpkit-collect-report"


def test_units_and_cron_run_the_script():
    service = (ROOT / "contrib" / "systemd" / "clpkit-collect.service").read_text()
    assert "ExecStart=/opt/clpkit/bin/clpkit-collect-report" in service
    assert "EnvironmentFile=/etc/default/clpkit-collect" in service
    assert "OnCalendar=" in (ROOT / "contrib" / "systemd" / "clpkit-collect.timer").read_text()
    cron = (ROOT / "contrib" / "cron" / "clpkit-collect").read_text()
    assert ". /etc/default/clpkit-collect" in cron and "/opt/clpkit/bin/clpkit-collect-report" in cron
    subprocess.run(["sh", "-n", str(SCRIPT)], check=True)


def test_collect_ingest_report_end_to_end(sim, sshd, generated, tmp_path):
    clpsim.install_files(sim.state, generated)
    (tmp_path / "remote").mkdir()
    (tmp_path / "ssh_config").write_text("# none\n")
    data = tmp_path / "data"
    data.mkdir()
    env = {
        **os.environ,
        "CLPKIT": str(Path(sys.executable).with_name("clpkit")),
        "CLPKIT_CONF": str(generated / "sv1" / "etc" / "clp.conf"),
        "CLPKIT_DATA": str(data),
        "CLPKIT_HOSTS": sshd.hosts,
        "CLPKIT_COLLECT_OPTS": f"--known-hosts {sshd.known_hosts} --identity {sshd.identity} "
                               f"--remote-tmp {tmp_path / 'remote'} --ssh-config {tmp_path / 'ssh_config'}",
        "CLPKIT_REPORT_OPTS": "--only cluster_reference",
        "CLPKIT_TZ": "Asia/Tokyo",
    }
    done = subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == "" and done.stderr == "", "cron would mail this"
    assert "sv1: ok: clplogcc" in (data / "collect.txt").read_text()
    assert (data / "collection" / "sv1" / "perf" / "disk" / "nmp1.cur").is_file()
    assert list((data / "dataset" / "mirror_stats").glob("cluster=*/server=sv1/*.parquet"))
    runs = [p for p in (data / "reports").iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert len(runs) == 1 and (runs[0] / "cluster_reference.html").is_file()
    assert "collection:" in (data / "check-bundle.txt").read_text()
    # A server that cannot be reached: the others are still reported, the run exits 1.
    sim.fail_next("clplogcc", host="sv2")  # its first clplogcc fails: the server fails
    again = subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 1, again.stdout + again.stderr
    assert "not collected: sv2" in again.stderr and again.stdout == ""
    assert len([p for p in (data / "reports").iterdir() if p.is_dir() and not p.name.startswith(".")]) == 2  # runs; .dataset is the parsed collection

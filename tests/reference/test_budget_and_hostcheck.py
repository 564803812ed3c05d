"""clpkit stats-budget and clpkit check-host.

The budget expectation is the guide's own example (L1684-1690: 1 MB, five
resource types of 3 MB, ten monitor types of 10 MB -> 232 MB) on a
hand-written configuration with those types. The host checks run against a
fake root directory built here, laid out like /proc and /etc.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import clpkit
from clpkit import config
from clpkit.reference import budget as B
from clpkit.reference import hostcheck as H

FIXTURES = Path(__file__).parent / "fixtures"
BUDGET_CONF = FIXTURES / "budget-example.clp.conf"
MIRROR2 = Path(__file__).parents[1] / "config" / "fixtures" / "mirror2.clp.conf"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clpkit", *args], capture_output=True, text=True)


# --- statistics budget ------------------------------------------------------
def test_guide_example_comes_out_at_232_mb():
    b = B.budget_for(config.load(BUDGET_CONF), group_mb=1, resource_mb=3, monitor_mb=10)
    assert b.resource_types == ("fip", "exec", "md", "disk", "volmgr")
    assert len(b.monitor_types) == 10
    assert (b.group_total_mb, b.resource_total_mb, b.monitor_total_mb, b.total_mb) == (2, 30, 200, 232)
    assert b.formula == "1 MB x 2 + 3 MB x 5 types x 2 + 10 MB x 10 types x 2 = 232 MB"


def test_sizes_outside_the_setting_range_are_refused():
    with pytest.raises(ValueError, match="1-99 MB"):
        B.budget(["exec"], [], group_mb=100)


def test_cli_stats_budget():
    res = run_cli("stats-budget", str(BUDGET_CONF), "--group-mb", "1", "--resource-mb", "3", "--monitor-mb", "10")
    assert res.returncode == 0, res.stderr
    assert "= 1 MB x 2 + 3 MB x 5 types x 2 + 10 MB x 10 types x 2 = 232 MB" in res.stdout
    assert "group resource types (5): fip, exec, md, disk, volmgr" in res.stdout
    res = run_cli("stats-budget", str(MIRROR2), "--json")
    d = json.loads(res.stdout)
    # mirror2: fip, md, exec and userw, mdw, genw at 1 MB each: 2 + 6 + 6
    assert d["total_mb"] == 14 and d["resource_types"] == ["fip", "md", "exec"]
    res = run_cli("stats-budget", str(MIRROR2), "--monitor-mb", "0")
    assert res.returncode == 2 and "0 is not in the range 1<=x<=99" in res.stderr


# --- host checks -------------------------------------------------------------
TCP_HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"


def sock(sl: int, port: int, state: str, inode: int) -> str:
    return f"   {sl}: 00000000:{port:04X} 00000000:0000 {state} 00000000:00000000 00:00000000 00000000     0        0 {inode} 1 0000\n"


def proc_with_socket(root: Path, pid: int, comm: str, inode: int) -> None:
    d = root / "proc" / str(pid)
    (d / "fd").mkdir(parents=True)
    (d / "comm").write_text(comm + "\n")
    os.symlink(f"socket:[{inode}]", d / "fd" / "3")


@pytest.fixture
def fake_root(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    (root / "proc/net").mkdir(parents=True)
    (root / "proc/devices").write_text(
        "Character devices:\n  1 mem\n  4 tty\n\nBlock devices:\n  8 sd\n218 liscal\n"
    )
    (root / "proc/misc").write_text(" 60 vga_arbiter\n240 clpkhb\n130 watchdog\n")
    (root / "proc/net/tcp").write_text(
        TCP_HEADER
        + sock(0, 29001, "0A", 1001)  # listening, clpnm: fine
        + sock(1, 29004, "0A", 1002)  # listening, httpd: conflict
        + sock(2, 29002, "01", 1003)  # an established client socket: not a holder
    )
    (root / "proc/net/tcp6").write_text(TCP_HEADER + sock(0, 29003, "0A", 1004))  # owner not readable
    (root / "proc/net/udp").write_text(TCP_HEADER + sock(0, 29002, "07", 1005))  # clprc: fine
    proc_with_socket(root, 100, "clpnm", 1001)
    proc_with_socket(root, 200, "httpd", 1002)
    proc_with_socket(root, 300, "clprc", 1005)
    wants = root / "etc/systemd/system/multi-user.target.wants"
    wants.mkdir(parents=True)
    for svc in ("clusterpro_evt", "clusterpro_trn", "clusterpro_md", "clusterpro"):
        os.symlink(f"/usr/lib/systemd/system/{svc}.service", wants / f"{svc}.service")
    rc3 = root / "etc/rc.d/rc3.d"
    rc3.mkdir(parents=True)
    (rc3 / "S99clusterpro_webmgr").write_text("")
    return root


def test_check_host_on_a_fake_root(fake_root):
    checks = {c.name: c for c in H.check_host(fake_root)}
    assert checks["mirror driver major 218"].ok and "liscal (CLUSTERPRO)" in checks["mirror driver major 218"].detail
    assert checks["kernel-mode LAN heartbeat driver 10:240"].ok
    assert checks["keepalive driver 10:241"].detail == "minor 241 free" and checks["keepalive driver 10:241"].ok
    assert checks["port 29001/tcp"].ok and checks["port 29001/tcp"].detail == "held by CLUSTERPRO: clpnm (pid 100)"
    assert not checks["port 29004/tcp"].ok and checks["port 29004/tcp"].detail == "held by httpd (pid 200), not CLUSTERPRO"
    assert checks["port 29002/tcp"].ok and checks["port 29002/tcp"].detail == "free"
    assert checks["port 29002/udp"].ok
    assert not checks["port 29003/tcp"].ok and "owner not readable" in checks["port 29003/tcp"].detail
    assert checks["port 29003/udp"].detail == "free"
    assert [checks[f"service {s}"].detail for s in H.SERVICES] == [
        "enabled (systemd) (expected enabled)",
        "enabled (systemd) (expected enabled)",
        "enabled (systemd) (expected enabled)",
        "enabled (systemd) (expected enabled)",
        "enabled (sysv) (expected enabled)",
        "disabled (expected enabled)",
    ]
    assert not checks["service clusterpro_alertsync"].ok
    assert [c.name for c in H.check_host(fake_root, services="disabled") if c.ok and c.name.startswith("service")] == [
        "service clusterpro_alertsync"
    ]


def test_foreign_drivers_fail(fake_root):
    (fake_root / "proc/devices").write_text("Character devices:\n218 otherdrv\n\nBlock devices:\n")
    (fake_root / "proc/misc").write_text("241 someone\n")
    assert H.check_driver_major(fake_root).detail == "major 218 held by otherdrv (not CLUSTERPRO)"
    assert not H.check_misc_minor(fake_root, 241, "keepalive driver").ok
    (fake_root / "proc/misc").unlink()
    assert H.check_misc_minor(fake_root, 240, "x").detail.startswith("cannot read")


def test_ports_to_check_come_from_the_configuration():
    assert H.required_ports(None) == [(29001, "tcp"), (29002, "tcp"), (29002, "udp"), (29003, "tcp"), (29003, "udp"), (29004, "tcp")]
    # mirror2: lankhb adds 29006/udp, md1 its three ports
    assert H.required_ports(config.load(MIRROR2)) == [
        (29001, "tcp"), (29002, "tcp"), (29002, "udp"), (29003, "tcp"), (29003, "udp"), (29004, "tcp"),
        (29006, "udp"), (29031, "tcp"), (29051, "tcp"), (29071, "tcp"),
    ]


def test_cli_check_host(fake_root):
    res = run_cli("check-host", "--root", str(fake_root), "--config", str(MIRROR2))
    assert res.returncode == 1
    lines = res.stdout.splitlines()
    assert lines[0] == "PASS  mirror driver major 218: major 218 held by liscal (CLUSTERPRO)"
    assert "FAIL  port 29004/tcp: held by httpd (pid 200), not CLUSTERPRO" in lines
    assert "PASS  port 29051/tcp: free" in lines
    assert lines[-1] == "16 passed, 3 failed"  # 3 drivers + 10 ports + 6 services; fails: 29003/tcp, 29004/tcp, alertsync
    # a clean host passes and exits 0
    (fake_root / "proc/net/tcp").write_text(TCP_HEADER)
    (fake_root / "proc/net/tcp6").write_text(TCP_HEADER)
    os.symlink("/x", fake_root / "etc/systemd/system/multi-user.target.wants/clusterpro_alertsync.service")
    res = run_cli("check-host", "--root", str(fake_root))
    assert res.returncode == 0, res.stdout
    assert res.stdout.splitlines()[-1] == "15 passed, 0 failed"


def test_what_cannot_be_read_is_cannot_check_not_pass(fake_root):
    """A collected tree has no /proc: nothing about drivers or ports is claimed."""
    import shutil

    shutil.rmtree(fake_root / "proc")
    checks = H.check_host(fake_root)
    unknown = [c for c in checks if c.ok is None]
    assert [c.name for c in unknown] == [
        "mirror driver major 218", "kernel-mode LAN heartbeat driver 10:240", "keepalive driver 10:241",
        "port 29001/tcp", "port 29002/tcp", "port 29002/udp", "port 29003/tcp", "port 29003/udp", "port 29004/tcp",
    ]
    assert all(c.line().startswith(f"CANNOT CHECK  {c.name}: cannot read ") for c in unknown)
    res = run_cli("check-host", "--root", str(fake_root))
    assert "PASS  port" not in res.stdout
    assert res.stdout.splitlines()[-1] == "5 passed, 1 failed, 9 cannot be checked"  # services still read
    assert res.returncode == 1


def test_one_protocol_table_missing_is_cannot_check_for_that_protocol(fake_root):
    (fake_root / "proc/net/udp").unlink()
    checks = {c.name: c for c in H.check_ports(fake_root)}
    assert checks["port 29002/udp"].ok is None and checks["port 29003/udp"].ok is None
    assert checks["port 29002/tcp"].ok is True


def test_no_service_folder_is_cannot_check_and_exit_3(tmp_path):
    root = tmp_path / "collected"
    (root / "proc/net").mkdir(parents=True)
    (root / "proc/devices").write_text("Character devices:\n  1 mem\n")
    (root / "proc/misc").write_text(" 60 vga_arbiter\n")
    for table in ("tcp", "udp"):
        (root / "proc/net" / table).write_text(TCP_HEADER)
    res = run_cli("check-host", "--root", str(root))
    lines = res.stdout.splitlines()
    assert [line.split(":")[0] for line in lines if line.startswith("CANNOT")] == [
        f"CANNOT CHECK  service {s}" for s in H.SERVICES
    ]
    assert lines[-1] == "9 passed, 0 failed, 6 cannot be checked"
    assert res.returncode == 3


def test_missing_root_is_refused_in_one_line(tmp_path):
    res = run_cli("check-host", "--root", str(tmp_path / "nonexistent"))
    assert res.returncode == 2 and res.stdout == ""
    assert res.stderr.strip() == f"clpkit: --root {tmp_path / 'nonexistent'}: no such folder"
    with pytest.raises(clpkit.ClpkitError, match="no such folder"):
        H.check_host(tmp_path / "nonexistent")

"""The simulator's lsblk and ip, which the device and address checks of the plans run."""

from __future__ import annotations

import os
import subprocess


def sh(sim, command, host="sv2"):
    return subprocess.run(command, shell=True, env={**os.environ, **sim.env, "CLPKIT_HOST": host},
                          capture_output=True, text=True)


def test_lsblk_knows_the_simulated_partitions_only(sim):
    ok = sh(sim, "lsblk -no NAME,TYPE,SIZE /dev/sdb2")
    assert ok.returncode == 0 and ok.stdout.startswith("sdb2 part")
    missing = sh(sim, "lsblk -no NAME,TYPE,SIZE /dev/vg0/lv0")
    assert missing.returncode == 32 and "not a block device" in missing.stderr


def test_ip_lists_the_addresses_the_state_gives(sim):
    assert sh(sim, "ip -o addr show").stdout.strip() == ""
    assert sh(sim, "ip route").returncode != 0

"""clpkit collect against the simulated cluster, over a real sshd on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from clpkit.cli import main
from clpkit.simulator import clpsim


@pytest.fixture
def cluster(sim, sshd, generated, tmp_path):
    """The simulator with the generated collection's files on sv1 and sv2, and the command-line basics."""
    clpsim.install_files(sim.state, generated)
    remote_tmp = tmp_path / "remote-tmp"
    remote_tmp.mkdir()
    args = ["--config", str(generated / "sv1" / "etc" / "clp.conf"), "--hosts", sshd.hosts,
            "--known-hosts", str(sshd.known_hosts), "--identity", str(sshd.identity),
            "--remote-tmp", str(remote_tmp), "--ssh-config", str(_empty_ssh_config(tmp_path))]
    return sim, sshd, args, remote_tmp


def _empty_ssh_config(tmp_path):
    path = tmp_path / "ssh_config"
    path.write_text("# nothing\n")
    return path


def _collect(args, out, *extra):
    return CliRunner().invoke(main, ["collect", *args, "--out", str(out), *extra])


def test_clplogcc_with_the_statistics_types_over_ssh(cluster, tmp_path):
    sim, sshd, args, remote_tmp = cluster
    out = tmp_path / "out"
    result = _collect(args, out)
    assert result.exit_code == 0, result.output
    assert "sv1: ok: clplogcc type1, type6, type5: 3 archive(s)" in result.stdout
    ran = [c["argv"] for c in sim.calls() if c["argv"][0] == "clplogcc"]
    assert len(ran) == 6  # three types on each of the two servers, each on the server itself (-l)
    assert all(c[1:3] == ["-l", "-t"] and c[4] == "-o" for c in ran) and {c[3] for c in ran} == {"type1", "type5", "type6"}
    assert list(remote_tmp.iterdir()) == []  # the temporary folders on the servers are gone
    for server in ("sv1", "sv2"):
        assert (out / server / "perf" / "disk" / "nmp1.cur").is_file()
        assert (out / server / "perf" / "cluster" / "group" / "group.cur").is_file()
        assert (out / server / "log" / "rc.log.cur").is_file()
        assert len(list((out / ".archives" / server).iterdir())) == 3
        host = json.loads((out / server / "clpkit-host.json").read_text())
        assert abs(host["clock_offset_s"]) < 5 and host["utc_offset"]
    manifest = json.loads((out / "collect.json").read_text())
    assert [s["ok"] for s in manifest["servers"]] == [True, True] and manifest["types"] == ["type1", "type6", "type5"]
    # What came home is a complete bundle as far as statistics, clock and zone go.
    check = CliRunner().invoke(main, ["check-bundle", str(out), "--json"])
    gaps = json.loads(check.stdout)["gaps"]
    assert not [g for g in gaps if g["kind"] in ("mirror_stats", "cluster_stats") or "evidence" in g["what"]], gaps


def test_without_type5_and_type6_check_bundle_says_so(cluster, tmp_path):
    sim, sshd, args, _ = cluster
    out = tmp_path / "out"
    assert _collect(args, out, "--types", "type1").exit_code == 0
    assert not (out / "sv1" / "perf").exists()
    check = CliRunner().invoke(main, ["check-bundle", str(out), "--json"])
    assert check.exit_code == 1
    gaps = json.loads(check.stdout)["gaps"]
    assert {(g["server"], g["kind"]) for g in gaps if "type5" in g["what"]} == {("sv1", "mirror_stats"), ("sv2", "mirror_stats")}
    assert any(g["kind"] == "cluster_stats" and "--types type6" in g["command"] for g in gaps)


def test_statistics_only_is_incremental(cluster, tmp_path):
    sim, sshd, args, _ = cluster
    out = tmp_path / "out"
    root = ["--install-root", str(sim.state / "files" / "{server}"), "--statistics-only"]
    first = _collect(args, out, *root)
    assert first.exit_code == 0, first.output
    nmp = sim.state / "files" / "sv1" / "perf" / "disk" / "nmp1.cur"
    assert (out / "sv1" / "perf" / "disk" / "nmp1.cur").read_bytes() == nmp.read_bytes()
    with open(nmp, "ab") as fh:
        fh.write(b'"2026/01/02 00:00:00","1"\n')
    pre = sim.state / "files" / "sv1" / "log" / "system" / "system.pre"
    pre.write_bytes(b"rotated\n")
    second = _collect(args, out, *root)
    assert second.exit_code == 0, second.output
    line = next(l for l in second.stdout.splitlines() if l.startswith("sv1:"))
    assert "(1 grown," in line and " unchanged)" in line and "0 unchanged" not in line
    assert (out / "sv1" / "perf" / "disk" / "nmp1.cur").read_bytes() == nmp.read_bytes()
    assert (out / "sv1" / "log" / "system" / "system.pre").read_bytes() == b"rotated\n"
    assert not [c for c in sim.calls() if c["argv"][0] == "clplogcc"]


def test_unknown_host_key_fails_that_server_and_says_why(cluster, tmp_path):
    sim, sshd, args, _ = cluster
    args = [a if a != str(sshd.known_hosts) else str(sshd.wrong_known_hosts) for a in args]
    result = _collect(args, tmp_path / "out")
    assert result.exit_code == 1
    assert "sv1: FAILED" in result.stdout and "host key" in result.stdout
    assert not (tmp_path / "out" / "sv1").exists()


def test_a_failing_server_keeps_its_previous_collection(cluster, tmp_path):
    sim, sshd, args, _ = cluster
    out = tmp_path / "out"
    assert _collect(args, out, "--types", "type1").exit_code == 0
    before = sorted(p.relative_to(out / "sv2") for p in (out / "sv2").rglob("*"))
    sim.fail_next("clplogcc", host="sv2")
    result = _collect(args, out, "--types", "type1")
    assert result.exit_code == 1 and "sv2: FAILED: clplogcc -t type1 failed" in result.stdout
    assert sorted(p.relative_to(out / "sv2") for p in (out / "sv2").rglob("*")) == before
    assert "sv1: ok" in result.stdout


def test_server_of_clp_conf_missing_from_hosts(cluster, tmp_path):
    sim, sshd, args, _ = cluster
    only_sv1 = ",".join(h for h in sshd.hosts.split(",") if h.startswith("sv1="))
    args = [only_sv1 if a == sshd.hosts else a for a in args]
    result = _collect(args, tmp_path / "out", "--types", "type1")
    assert result.exit_code == 1
    assert "sv2: FAILED: not in --hosts" in result.stdout and "sv1: ok" in result.stdout


def test_ssh_config_is_honoured_and_proxyjump_refused(cluster, tmp_path):
    sim, sshd, args, _ = cluster
    config = tmp_path / "ssh_config_hosts"
    lines = []
    for name, port in sshd.ports.items():
        lines += [f"Host {name}-alias", "  HostName 127.0.0.1", f"  Port {port}", f"  User {sshd.user}",
                  f"  IdentityFile {sshd.identity}", f"  UserKnownHostsFile {sshd.known_hosts}"]
    config.write_text("\n".join(lines) + "\n")
    base = [a for a in args]
    for flag in ("--hosts", "--known-hosts", "--identity", "--ssh-config"):
        i = base.index(flag)
        del base[i:i + 2]
    result = _collect(base + ["--hosts", "sv1=sv1-alias,sv2=sv2-alias", "--ssh-config", str(config)],
                      tmp_path / "out", "--types", "type1")
    assert result.exit_code == 0, result.output
    config.write_text("Host sv1-alias\n  ProxyJump bastion\n" + config.read_text())  # the first match wins
    refused = _collect(base + ["--hosts", "sv1=sv1-alias", "--ssh-config", str(config)], tmp_path / "out2")
    assert refused.exit_code == 2 and "Proxyjump" in refused.output and "Traceback" not in refused.output


@pytest.mark.parametrize("sshd", [["PasswordAuthentication yes", "KbdInteractiveAuthentication yes",
                                   "LogLevel DEBUG1"]], indirect=True)
def test_never_a_password_even_when_the_server_offers_one(cluster, tmp_path, monkeypatch):
    import re

    sim, sshd, args, _ = cluster
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    (sshd.identity.parent / "authorized_keys").write_text("")  # the key is no longer accepted
    result = _collect(args, tmp_path / "out", "--types", "type1")
    assert result.exit_code == 1 and "key authentication failed" in result.stdout, result.output
    log = (sshd.identity.parent / "sshd.log").read_text()
    methods = set(re.findall(r"userauth-request for user \S+ service ssh-connection method (\S+)", log))
    assert "publickey" in methods and not methods & {"password", "keyboard-interactive"}, methods
    assert "password" in _offered_methods(sshd)  # the server would have taken one


def _offered_methods(sshd) -> list[str]:
    """The authentication methods the test server offers (asked with the 'none' method)."""
    import paramiko

    transport = paramiko.Transport(("127.0.0.1", sshd.ports["sv1"]))
    try:
        transport.start_client(timeout=10)
        try:
            transport.auth_none(sshd.user)
        except paramiko.BadAuthenticationType as exc:
            return list(exc.allowed_types)
        return []
    finally:
        transport.close()


def test_an_encrypted_key_is_refused_not_asked_for(cluster, tmp_path, monkeypatch):
    import subprocess

    sim, sshd, args, _ = cluster
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    key = tmp_path / "locked_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "a passphrase", "-f", str(key)], check=True)
    with open(sshd.identity.parent / "authorized_keys", "a") as fh:
        fh.write(Path(f"{key}.pub").read_text())
    args = [str(key) if a == str(sshd.identity) else a for a in args]
    result = _collect(args, tmp_path / "out", "--types", "type1")
    assert result.exit_code == 1, result.output
    assert result.stdout.count("encrypted; load it into ssh-agent") == 2, result.stdout
    assert not [c for c in sim.calls() if c["argv"][0] == "clplogcc"]

"""The local transport and the --hosts syntax."""

from __future__ import annotations

import pytest

from clpkit.problems import ClpkitError
from clpkit.runbook.transport import HostKeyError, LocalTransport, SSHTransport, parse_hosts


def test_local_transport_merges_output_and_keeps_the_exit_status():
    res = LocalTransport("sv1").run("echo out; echo err >&2; echo $CLPKIT_HOST; exit 4")
    assert res.exit_code == 4 and res.output.split() == ["out", "err", "sv1"]


def test_local_transport_times_out():
    res = LocalTransport("sv1").run("echo started; sleep 5", timeout=0.3)
    assert res.timed_out and res.exit_code == 124 and "timed out after 0.3 s" in res.output


def test_hosts_syntax():
    hosts = parse_hosts("sv1=10.0.0.1, sv2=admin@[fe80::1]:2222")
    assert (hosts["sv1"].user, hosts["sv1"].port) == ("root", 22)
    assert (hosts["sv2"].user, hosts["sv2"].host, hosts["sv2"].port) == ("admin", "fe80::1", 2222)
    with pytest.raises(ClpkitError, match="not name=user@host"):
        parse_hosts("sv1=root@host:port")


def test_ssh_needs_a_known_hosts_file(tmp_path):
    t = SSHTransport(parse_hosts("sv1=root@127.0.0.1:1")["sv1"], known_hosts=tmp_path / "missing")
    with pytest.raises(HostKeyError, match="does not exist"):
        t.run("true")

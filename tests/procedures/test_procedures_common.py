"""The shared pieces: service orders (SPEC 5), SUSE's --force, parameter checks."""

from __future__ import annotations

import pytest

from clpkit.problems import ClpkitError
from clpkit.runbook.procedures import _common as c


def commands(steps):
    return [s.command for s in steps]


def test_all_six_services_disable_in_reverse_start_order_systemd():
    # guide L466-476: alertsync, webmgr, clusterpro, md, trn, evt
    assert commands(c.disable_services(c.SERVICES, "systemd", ("sv1", "sv2"), "L460")) == [
        "systemctl disable clusterpro_alertsync",
        "systemctl disable clusterpro_webmgr",
        "systemctl disable clusterpro",
        "systemctl disable clusterpro_md",
        "systemctl disable clusterpro_trn",
        "systemctl disable clusterpro_evt",
    ]


def test_all_six_services_enable_in_start_order_initd():
    # guide L500-510: evt, trn, md, clusterpro, webmgr, alertsync
    assert commands(c.enable_services(reversed(c.SERVICES), "initd", ("sv1",), "L494")) == [
        "chkconfig --add clusterpro_evt",
        "chkconfig --add clusterpro_trn",
        "chkconfig --add clusterpro_md",
        "chkconfig --add clusterpro",
        "chkconfig --add clusterpro_webmgr",
        "chkconfig --add clusterpro_alertsync",
    ]


def test_order_does_not_depend_on_how_the_subset_is_given():
    a = commands(c.disable_services(("clusterpro_md", "clusterpro"), "initd", ("sv1",), "L4211"))
    b = commands(c.disable_services(("clusterpro", "clusterpro_md"), "initd", ("sv1",), "L4211"))
    assert a == b == ["chkconfig --del clusterpro", "chkconfig --del clusterpro_md"]


def test_suse_forces_only_the_deletion():
    assert commands(c.disable_services(c.CLUSTER_AND_MIRROR, "initd", ("sv1",), "L4211", suse=True)) == [
        "chkconfig --del --force clusterpro",
        "chkconfig --del --force clusterpro_md",
    ]
    assert c.service_command("enable", "clusterpro", "initd", suse=True) == "chkconfig --add clusterpro"
    assert c.service_command("disable", "clusterpro", "systemd", suse=True) == "systemctl disable clusterpro"


def test_service_steps_run_on_every_host_and_are_not_destructive():
    steps = c.disable_services(c.DAEMON, "systemd", ("sv1", "sv2"), "L5828")
    assert [(s.kind, s.hosts, s.destructive, s.guide) for s in steps] == [
        ("command", ("sv1", "sv2"), False, "L5828")
    ]


def test_shutdown_and_reboot_are_destructive():
    assert c.cluster_shutdown_reboot("sv1", "L4227").destructive
    assert c.cluster_shutdown_reboot("sv1", "L4227").command == "clpstdn -r"
    assert c.reboot(("sv1",), "L4367").destructive


def test_config_backup_then_push_use_the_same_linux_format():
    mkdir, pull = c.config_backup("sv1", "/var/tmp/b", "L5818")
    assert mkdir.command == "mkdir -p /var/tmp/b"
    assert pull.command == "clpcfctrl --pull -l -x /var/tmp/b"
    assert c.config_push("sv1", "/var/tmp/n", "L5846").command == "clpcfctrl --push -l -x /var/tmp/n"


@pytest.mark.parametrize(
    "check, value, words",
    [
        (c.name, "sv1; rm -rf /", "not a valid name"),
        (c.name, "", "not a valid name"),
        (c.device, "/dev/sdb1 && reboot", "not a device path"),
        (c.device, "/dev/../etc/passwd", "not a device path"),
        (c.device, "sdb1", "not a device path"),
        (c.path, "relative/dir", "not an absolute path"),
        (c.path, "/tmp/$(id)", "not an absolute path"),
        (c.filesystem, "ext4 -F", "not a file-system type"),
    ],
)
def test_values_that_reach_a_command_line_are_checked(check, value, words):
    with pytest.raises(ClpkitError, match=words) as err:
        check("field", value)
    assert "field=" in str(err.value)


def test_server_list_refuses_repeats_and_empty():
    with pytest.raises(ClpkitError, match="names a server twice"):
        c.server_list("servers", "sv1,sv1")
    with pytest.raises(ClpkitError, match="empty"):
        c.server_list("servers", " , ")
    assert c.server_list("servers", "sv1,sv2,sv3") == ("sv1", "sv2", "sv3")


def test_member_names_the_servers():
    with pytest.raises(ClpkitError, match=r"server='sv9' is not a server of the cluster \(sv1, sv2\)"):
        c.member("server", "sv9", ("sv1", "sv2"))


def test_unknown_init_system_is_refused():
    with pytest.raises(ClpkitError, match="init='upstart' is not one of: systemd, initd"):
        c.service_command("disable", "clusterpro", "upstart")


def test_servers_come_from_the_parameter_else_the_example_and_the_plan_says_so():
    from clpkit.runbook.procedures import change_ip

    p = change_ip.plan(change_ip.Params(server="sv2"))
    assert p.steps[-1].expect.args == {"servers": ["sv1", "sv2"]}
    assert any("example servers sv1, sv2" in n for n in p.notes)
    p = change_ip.plan(change_ip.Params(server="b", servers="a,b,c", new_ip="192.168.10.12"))
    assert p.steps[-1].expect.args == {"servers": ["a", "b", "c"]}
    assert not any("example" in n for n in p.notes)


def test_clp_conf_wins_over_the_servers_parameter_and_the_plan_says_so(config):
    from clpkit.runbook.procedures import change_ip

    p = change_ip.plan(change_ip.Params(server="sv2", servers="sv2", new_ip="192.168.10.22", device="0"), config)
    assert p.steps[-1].expect.args == {"servers": ["sv1", "sv2"]}
    assert "Server names come from clp.conf." in p.notes

"""clp.conf and the saved command outputs (clpstat, clpmdstat) of the sample cluster.

clp.conf follows the public layout of SPEC 3.7 [P]: root ``<root>``, elements
named by ``name=`` (``id=`` for devices), resources listed in the group as
``resource name="fip@fip1"``. It declares EUC-JP and carries a Japanese
comment, as a cluster built on a Japanese system does. The command outputs
show the cluster as it stands when the logs are collected: failover1 online
on sv2, the mirror back to normal.

>>> conf = clp_conf(["sv1", "sv2"])
>>> conf.startswith(b'<?xml version="1.0" encoding="EUC-JP"?>')
True
>>> "<nmppath>/dev/NMP1</nmppath>" in conf.decode("euc_jp")
True
>>> print(clpmdstat(["sv1", "sv2"]).splitlines()[0])
 Mirror Status: Normal
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from clpkit.samples.story import INCIDENT, MONITORS, RESOURCES


def _ip(net: int, server: str) -> str:
    return f"192.168.{net}.{10 + int(server[2:])}"


def clp_conf(servers: list[str], cluster: str = "cluster1") -> bytes:
    i = INCIDENT
    srv = []
    for k, name in enumerate(servers):
        devices = [
            f'      <device id="0"><type>lan</type><info>{_ip(10, name)}</info></device>',
            f'      <device id="1"><type>lan</type><info>{_ip(20, name)}</info></device>',
        ]
        if name in ("sv1", "sv2"):
            devices.append(f'      <device id="400"><type>mdc</type><info>{_ip(30, name)}</info><mdc><info>{_ip(30, name)}</info></mdc></device>')
        srv.append(f'    <server name="{name}">\n      <priority>{k}</priority>\n' + "\n".join(devices) + "\n    </server>")
    monitors = []
    for name, (mtype, interval, timeout, where, target) in MONITORS.items():
        relation = "<relation><type>grp</type><name>failover1</name></relation>" if where == "active" else ""
        monitors.append(
            f'    <{mtype} name="{name}">\n'
            f"      <polling><interval>{interval}</interval><timeout>{timeout}</timeout><reconfirmation>{1 if mtype == 'genw' else 0}</reconfirmation></polling>\n"
            f"      <target>{target}</target>{relation}\n"
            f"      <emergency><action>1</action><threshold><restart>0</restart><fo>{1 if where == 'active' else 0}</fo></threshold></emergency>\n"
            f"    </{mtype}>"
        )
    monitor_types = "".join(f'<types name="{t}"/>' for t in sorted({m[0] for m in MONITORS.values()}))
    resource_types = "".join(f'<types name="{t}"/>' for t in sorted({r[0] for r in RESOURCES.values()}))
    policies = "".join(f'<policy name="{s}"><order>{k}</order></policy>' for k, s in enumerate(servers[:2]))
    text = f"""<?xml version="1.0" encoding="EUC-JP"?>
<!-- 検証用の合成クラスタ構成です。clpkit samples が生成しました (実機の設定ではありません)。 -->
<root>
  <all><charset>EUC-JP</charset><serveros>linux</serveros><encode>EUC-JP</encode></all>
  <cluster>
    <name>{escape(cluster)}</name>
    <comment>ミラーディスク型 2 ノードクラスタ (サンプル)</comment>
    <rsctimeout><rsctoaction>2</rsctoaction></rsctimeout>
    <networkpartition><npaction>2</npaction></networkpartition>
    <heartbeat><timeout>90000</timeout><interval>3000</interval></heartbeat>
  </cluster>
  <pm><exec0><recover>2</recover></exec0><exec1><recover>2</recover></exec1><exec2><recover>2</recover></exec2></pm>
{chr(10).join(srv)}
  <heartbeat>
    <types name="lankhb"/>
    <lankhb name="lankhb1"><priority>0</priority><device>0</device></lankhb>
    <lankhb name="lankhb2"><priority>1</priority><device>1</device></lankhb>
  </heartbeat>
  <group name="failover1">
    <type>failover</type>
    <comment>業務グループ</comment>
    {policies}
    <resource name="fip@fip1"/>
    <resource name="md@md1"/>
    <resource name="exec@exec1"/>
  </group>
  <resource>
    {resource_types}
    <fip name="fip1">
      <parameters><ip>192.168.10.100</ip></parameters>
      <act><retry>0</retry><fo>1</fo><action>1</action></act>
      <deact><retry>0</retry><action>4</action></deact>
    </fip>
    <md name="md1">
      <parameters>
        <netdev id="0"><priority>0</priority><device>400</device><mdcname>mdc1</mdcname></netdev>
        <nmppath>/dev/NMP1</nmppath>
        <diskdev><dppath>/dev/sdb2</dppath><cppath>/dev/sdb1</cppath></diskdev>
        <mount><point>/mnt/md1</point><timeout>120</timeout></mount>
        <umount><timeout>300</timeout></umount>
        <fsck><timeout>7200</timeout></fsck>
        <fs>ext4</fs>
        <fullcopy>1</fullcopy>
        <mkfs>0</mkfs>
        <mddriver>
          <acktimeout>{i.ack_timeout_s}</acktimeout>
          <syncmode>0</syncmode>
          <sendqueuesize>{i.send_queue_size}</sendqueuesize>
          <hbinterval>10</hbinterval>
          <pingtimeout>2</pingtimeout>
          <sendtimeout>30</sendtimeout>
          <connecttimeout>10</connecttimeout>
          <compress>0</compress>
        </mddriver>
      </parameters>
      <act><retry>0</retry><fo>1</fo><action>1</action></act>
      <deact><retry>0</retry><action>4</action></deact>
    </md>
    <exec name="exec1">
      <parameters>
        <act><path>start.sh</path></act>
        <deact><path>stop.sh</path></deact>
        <timeout><start>1800</start><stop>1800</stop></timeout>
      </parameters>
      <act><retry>0</retry><fo>1</fo><action>1</action></act>
      <deact><retry>1</retry><action>4</action></deact>
    </exec>
  </resource>
  <monitor>
    {monitor_types}
{chr(10).join(monitors)}
  </monitor>
  <webmgr><http><port>29003</port></http></webmgr>
</root>
"""
    return text.encode("euc_jp")


def _dots(name: str, width: int = 16) -> str:
    return (name + " ").ljust(width, ".") if len(name) < width - 1 else name


def clpstat(servers: list[str], local: str, cluster: str = "cluster1") -> str:
    """``clpstat`` as saved on ``local`` (``*`` marks it) after the failover."""
    lines = [" ========================  CLUSTER STATUS  ===========================", f"  Cluster : {cluster}", "  <server>"]
    for name in servers:
        mark = "*" if name == local else " "
        lines.append(f"  {mark}{_dots(name)}: Online")
        lines.append(f"      {'lankhb1'.ljust(14)}: Normal           LAN Heartbeat")
        lines.append(f"      {'lankhb2'.ljust(14)}: Normal           LAN Heartbeat")
    lines += ["  <group>", f"    {_dots('failover1')}: Online", f"      {'current'.ljust(14)}: {INCIDENT.to_server}"]
    for name in sorted(RESOURCES):
        lines.append(f"      {name.ljust(14)}: Online")
    lines.append("  <monitor>")
    for name in sorted(MONITORS):
        lines.append(f"    {name.ljust(16)}: Normal")
    lines.append(" =====================================================================")
    return "\n".join(lines) + "\n"


def clpmdstat(servers: list[str]) -> str:
    """``clpmdstat --mirror md1`` after the mirror recovery."""
    a, b = servers[0], servers[1]
    return "\n".join(
        [
            " Mirror Status: Normal",
            "",
            f"  md1                 {a:<20}{b:<20}",
            " ---------------------------------------------------------------",
            f" Mirror Color        {'GREEN':<20}{'GREEN':<20}",
            f" Lastupdate          {'--':<20}{'--':<20}",
            f" Break               {'--':<20}{'--':<20}",
            f" Disk Error          {'OK':<20}{'OK':<20}",
            f" Difference Percent  {'0%':<20}{'0%':<20}",
            "",
        ]
    )

"""Seeded secrets for the sample collection: what ``clpkit redact`` must remove.

:func:`seed` adds to every server folder of a generated collection (synthetic,
like the rest of the sample) the kinds of sensitive text a real collection
carries: passwords, an SNMP community and user names in clp.conf (one with an
XML escape), a mail address and its domain, a dotted host name, an outside
address in clp.conf, the system log and a hosts file. It returns every seeded
string by category, so a test or a benchmark can look for each of them in the
redacted output.
"""

from __future__ import annotations

from pathlib import Path

SECRETS = ("Sm7p&Relay#9", "k9-Commun1ty", "Adm1n-Web-Pass", "Db!pass-2024")
USERS = ("dbowner", "mailrelay")
MAIL = ("ops.team@corp-example.co.jp",)
DOMAIN = "corp-example.co.jp"
OUTSIDE = "203.0.113.77"


def _conf_block(server: str) -> str:
    return (
        "  <alert><mail><address>ops.team@corp-example.co.jp</address>"
        '<smtpsrv id="0"><info>smtp.corp-example.co.jp</info><user>mailrelay</user>'
        "<password>Sm7p&amp;Relay#9</password></smtpsrv></mail>"
        "<snmp><community>k9-Commun1ty</community></snmp></alert>\n"
        f"  <webmgr2><security><clientlist><ip>{OUTSIDE}</ip></clientlist><password>Adm1n-Web-Pass</password>"
        f"<servername>{server}.{DOMAIN}</servername></security></webmgr2>\n"
    )


def seed(collection: str | Path) -> dict[str, list[str]]:
    """Add the secrets to every ``<server>/`` folder of ``collection``; return them by category."""
    collection = Path(collection)
    servers = sorted(p.name for p in collection.iterdir() if (p / "etc" / "clp.conf").is_file())
    for name in servers:
        root = collection / name
        conf = root / "etc" / "clp.conf"
        data = conf.read_bytes()
        data = data.replace(b"</root>", _conf_block(name).encode("ascii") + b"</root>", 1)
        data = data.replace(b"<act><path>start.sh</path></act>",
                            b"<username>dbowner</username><password>Db!pass-2024</password>"
                            b"<act><path>start.sh</path></act>", 1)
        conf.write_bytes(data)
        messages = root / "var" / "log" / "messages"
        lines = messages.read_bytes().splitlines()
        stamp = lines[-1][:15].decode("ascii") if lines else "Jan  1 00:00:00"
        extra = [
            f"{stamp} {name} sshd[4242]: Accepted publickey for dbowner from {OUTSIDE} port 50522 ssh2",
            f"{stamp} {name} postfix/smtp[4243]: to=<ops.team@corp-example.co.jp>, relay=smtp.{DOMAIN}[{OUTSIDE}]:25",
            f"{stamp} {name} app[4244]: login mailrelay password=Db!pass-2024 community k9-Commun1ty",
        ]
        with open(messages, "ab") as fh:
            fh.write(("\n".join(extra) + "\n").encode("ascii"))
        hosts = "127.0.0.1 localhost\n" + "".join(
            f"192.168.10.{10 + k} {s} {s}.{DOMAIN}\n" for k, s in enumerate(servers, start=1))
        (root / "etc" / "hosts").write_text(hosts, encoding="ascii")
    return {
        "hosts": servers,
        "secrets": list(SECRETS),
        "users": list(USERS),
        "mail": list(MAIL),
        "domains": [DOMAIN],
        "addresses": [OUTSIDE],
    }

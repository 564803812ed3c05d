"""What a log collection holds against what the product writes (SPEC 2, 3.1, 4).

The reference report (``notebooks/cluster_reference``) shows these tables; the
facts they compare against are kept here as data:

- where files live below the install root (SPEC 2): ``etc/clp.conf``,
  ``alert/log/alertlog.alt``, the service logs ``log/init_<svc>.start/.stop``
  for the six services of SPEC 3.1, and, only while statistics collection is
  switched on, ``log/system/system.cur``, ``perf/disk/nmpN.cur`` per mirror
  (N: the NMP number), ``perf/cluster/group/group.cur`` and one
  ``<type>.cur`` per configured resource type and monitor type;
- two generations of every rotating file, ``.cur`` and ``.pre`` (SPEC 3.1);
- emergency archives ``elog_<mod><g>.tar.gz``: pm and rc keep g = 0..4,
  rm keeps g = 0..9, 0 the newest (guide L399-455);
- the server-down conditions (:data:`clpkit.catalog.SERVER_DOWN_CONDITIONS`)
  and the clp.conf settings that pick their final action;
- the startup sync wait: 5 minutes unless changed in Cluster WebUI
  (guide L4069-4092); its clp.conf key is not published.

A collection's inner tree is not published, so a file counts as found when
its base name is anywhere under the server's root; ``elsewhere`` says it was
not in the expected folder.

>>> generation_name(0), generation_name(1), generation_name(3)
('cur', 'pre', 'pre2')
>>> [e.name for e in expected_files(None)][:3]
['clp.conf', 'alertlog.alt', 'init_evt.start.cur']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from clpkit.catalog import SERVER_DOWN_CONDITIONS
from clpkit.config import CONDITION_SETTINGS, ClusterConfig, setting_matches
from clpkit.i18n import cell_word

#: Services with start/stop logs ``init_<svc>.start.cur`` (SPEC 3.1, guide L365-398).
SERVICES = ("evt", "trn", "md", "main", "webmgr", "alert")
#: Generations every rotating file keeps (SPEC 3.1): age 0 ``.cur``, age 1 ``.pre``.
KEPT_GENERATIONS = 2
#: Kinds written in rotating generations.
ROTATING_KINDS = ("module_log", "service_log", "mirror_stats", "system_stats", "cluster_stats")
#: Emergency archive modules: the highest generation kept (guide L399-455). Each is
#: written when, by module: pm a cluster service failed to start or stop, rc a group
#: resource failed to start or stop, rm a monitor resource detected an error
#: (the report's words for these are the i18n keys ``elog_pm``, ``elog_rc``, ``elog_rm``).
ELOG_MODULES: dict[str, int] = {"pm": 4, "rc": 4, "rm": 9}
_ELOG_NAME = re.compile(r"elog_(pm|rc|rm)(\d+)\.tar\.gz")
#: Startup sync wait (guide L4069-4092): the default, in seconds.
STARTUP_SYNC_WAIT_S = 300
#: When an expected file is written at all (codes; the report words them).
ALWAYS, STATS = "always", "when_stats"
#: Folders of SPEC 2 below the install root.
FOLDERS = ("etc", "alert/log", "log", "log/system", "perf/disk", "perf/cluster/group", "perf/cluster/monitor")
#: Kinds the product writes below its install root (the OS syslog and saved command outputs are not).
INSTALL_KINDS = frozenset({"mirror_stats", "system_stats", "cluster_stats", "module_log", "service_log", "elog", "alert_log", "clp_conf"})


@dataclass(frozen=True)
class Expected:
    """One file the product writes on every server, and when it does (:data:`ALWAYS`, :data:`STATS`)."""

    folder: str
    name: str
    when: str


def generation_name(age: int) -> str:
    """The suffix of a generation: 0 ``cur``, 1 ``pre``, m+1 ``pre{m}``."""
    return "cur" if age == 0 else "pre" if age == 1 else f"pre{age - 1}"


def _nmp_number(cfg: ClusterConfig, name: str, position: int) -> int:
    """The NMP number of a mirror: from its nmppath (/dev/NMP1), else its position."""
    found = re.search(r"(\d+)$", str(cfg.mirror(name).get("nmppath") or ""))
    return int(found.group(1)) if found else position


def expected_files(cfg: ClusterConfig | None) -> list[Expected]:
    """The files of SPEC 2 a server of this cluster writes; without a config only the fixed ones.

    >>> from clpkit import config
    >>> [(e.folder, e.name) for e in expected_files(config.load(config.SAMPLE)) if e.when == STATS]
    [('log/system', 'system.cur'), ('perf/disk', 'nmp1.cur'), ('perf/cluster/group', 'group.cur'), ('perf/cluster/group', 'md.cur')]
    """
    out = [
        Expected("etc", "clp.conf", ALWAYS),
        Expected("alert/log", "alertlog.alt", ALWAYS),
    ]
    out += [Expected("log", f"init_{svc}.{step}.cur", ALWAYS) for svc in SERVICES for step in ("start", "stop")]
    out.append(Expected("log/system", "system.cur", STATS))
    if cfg is None:
        return out
    for i, name in enumerate(cfg.mirrors(), start=1):
        out.append(Expected("perf/disk", f"nmp{_nmp_number(cfg, name, i)}.cur", STATS))
    out.append(Expected("perf/cluster/group", "group.cur", STATS))
    for rtype in dict.fromkeys(r.type for r in cfg.resources):
        out.append(Expected("perf/cluster/group", f"{rtype}.cur", STATS))
    for mtype in dict.fromkeys(m.type for m in cfg.monitors):
        out.append(Expected("perf/cluster/monitor", f"{mtype}.cur", STATS))
    return out


def spec_folder(found: str) -> str | None:
    """The SPEC 2 folder a found folder is: the longest one it ends with (collections add a prefix).

    >>> spec_folder("sv1/log"), spec_folder("sv1/alert/log"), spec_folder("x/log/system"), spec_folder("stats/group")
    ('log', 'alert/log', 'log/system', None)
    """
    hits = [f for f in FOLDERS if found == f or found.endswith("/" + f)]
    return max(hits, key=len, default=None)


def _install_entries(bundle, server: str) -> list:
    return [e for e in bundle.entries() if e.server == server and e.kind in INSTALL_KINDS]


def layout(bundle, cfg: ClusterConfig | None = None) -> pl.DataFrame:
    """Per server and expected file: ``present``, ``elsewhere`` (other folder) or ``missing``.

    Columns: server, folder, file, when, status, found_as (sources, a list).
    ``cfg`` defaults to the bundle's clp.conf.
    """
    cfg = bundle.config if cfg is None else cfg
    rows = []
    for server in bundle.servers:
        entries = _install_entries(bundle, server)
        for exp in expected_files(cfg):
            hits = [e for e in entries if e.path.name == exp.name]
            status = (
                "missing" if not hits
                else "present" if any(spec_folder(e.folder) == exp.folder for e in hits)
                else "elsewhere"
            )
            rows.append((server, exp.folder, exp.name, exp.when, status, [e.source for e in hits]))
    schema = {"server": pl.String, "folder": pl.String, "file": pl.String, "when": pl.String,
              "status": pl.String, "found_as": pl.List(pl.String)}
    return pl.DataFrame(rows, schema=schema, orient="row")


def folders(bundle) -> pl.DataFrame:
    """Per server and SPEC 2 folder: how many of the product's files lie in it; status present/missing."""
    rows = []
    for server in bundle.servers:
        places = [spec_folder(e.folder) for e in _install_entries(bundle, server)]
        for folder in FOLDERS:
            n = places.count(folder)
            rows.append((server, folder, n, "present" if n else "missing"))
    return pl.DataFrame(rows, schema={"server": pl.String, "folder": pl.String, "file_count": pl.Int64, "status": pl.String}, orient="row")


def generations(bundle) -> pl.DataFrame:
    """Per server and rotating series: generations present and the kept ones missing.

    Every series found is listed, plus the service logs of SPEC 3.1 that are
    absent altogether. ``missing_generations`` lists those of ``cur``/``pre``
    not found: a lone ``.cur`` usually means it has not rotated yet.
    Columns: server, kind, folder, series, found_generations, missing_generations (lists of suffixes).
    """
    ages: dict[tuple[str, str, str, str], set[int]] = {}
    for e in bundle.entries():
        if e.kind in ROTATING_KINDS:
            ages.setdefault((e.server, e.kind, e.folder, e.series), set()).add(e.age)
    for server in bundle.servers:
        have = {(k[0], k[3]) for k in ages}
        for svc in SERVICES:
            for step in ("start", "stop"):
                if (server, f"init_{svc}.{step}") not in have:
                    ages[(server, "service_log", "log", f"init_{svc}.{step}")] = set()
    rows = []
    order = {s: i for i, s in enumerate(bundle.servers)}
    for (server, kind, folder, series), found in sorted(
        ages.items(), key=lambda kv: (order[kv[0][0]], ROTATING_KINDS.index(kv[0][1]), kv[0][2], kv[0][3])
    ):
        present = [generation_name(a) for a in sorted(found)]
        missing = [generation_name(a) for a in range(KEPT_GENERATIONS) if a not in found]
        rows.append((server, kind, folder, series, present, missing))
    schema = {"server": pl.String, "kind": pl.String, "folder": pl.String, "series": pl.String,
              "found_generations": pl.List(pl.String), "missing_generations": pl.List(pl.String)}
    return pl.DataFrame(rows, schema=schema, orient="row")


def emergency_archives(bundle) -> pl.DataFrame:
    """Per server and module (pm, rc, rm): the archive generations present.

    ``gaps`` are generations missing below the oldest one present (archives
    shift up one at each new error, so a gap means one was removed);
    ``beyond`` are generations past the guide's range (pm/rc 4, rm 9).
    Columns: server, module, why (an i18n key), max_generation, found_generations, gaps, beyond, bytes.
    """
    found: dict[tuple[str, str], dict[int, int]] = {}
    for e in bundle.entries("elog"):
        m = _ELOG_NAME.fullmatch(e.path.name)
        if m:
            found.setdefault((e.server, m.group(1)), {})[int(m.group(2))] = e.size
    rows = []
    for server in bundle.servers:
        for module, last in ELOG_MODULES.items():
            have = found.get((server, module), {})
            present = sorted(have)
            top = max((g for g in present if g <= last), default=-1)
            gaps = [g for g in range(top + 1) if g not in have]
            beyond = [g for g in present if g > last]
            rows.append((server, module, f"elog_{module}", last, present, gaps, beyond, sum(have.values())))
    schema = {"server": pl.String, "module": pl.String, "why": pl.String, "max_generation": pl.Int64,
              "found_generations": pl.List(pl.Int64), "gaps": pl.List(pl.Int64), "beyond": pl.List(pl.Int64), "bytes": pl.Int64}
    return pl.DataFrame(rows, schema=schema, orient="row")


#: Codes in the server-down table (the report words them): a monitor without
#: ``emergency/action`` in clp.conf; a condition no clp.conf setting controls.
NOT_SET, NO_SETTING = "not_set", "no_setting"


def server_down_conditions(cfg: ClusterConfig | None, lang: str = "en") -> pl.DataFrame:
    """Every server-down condition of the guide with this cluster's configured final action.

    One row per (condition, configured setting): resource conditions list
    each resource, monitor errors each monitor (``action`` :data:`NOT_SET`
    when clp.conf does not set it). Conditions no decoded clp.conf setting
    controls have one row with ``setting`` :data:`NO_SETTING` (the guide
    lines say what the product does). ``default`` says the documented
    default applied.
    Columns: condition, label, guide, scope, name, setting, action, default.

    >>> from clpkit import config
    >>> f = server_down_conditions(config.load(config.SAMPLE))
    >>> f.filter(pl.col("condition") == "activation_stall")["action"].to_list()
    ['stop cluster service and reboot OS']
    """
    configured = cfg.final_actions() if cfg is not None else []
    rows = []
    for code, (en, ja, lines) in SERVER_DOWN_CONDITIONS.items():
        label = ja if lang == "ja" else en
        wanted = CONDITION_SETTINGS.get(code)
        hits = [fa for fa in configured if wanted and setting_matches(str(fa["setting"]), wanted)]
        if code == "monitor_error_final_action" and cfg is not None:
            set_for = {fa["name"] for fa in hits}
            hits += [
                {"scope": "monitor", "name": m.name, "setting": "emergency/action", "action": NOT_SET, "default": False}
                for m in cfg.monitors if m.name not in set_for
            ]
        if not hits:
            rows.append((code, label, lines, None, None, NO_SETTING, None, None))
        for fa in hits:
            scope = cell_word("category", fa["scope"], lang) if lang == "ja" else fa["scope"]
            rows.append((code, label, lines, scope, fa["name"], fa["setting"], fa["action"], fa["default"]))
    schema = {"condition": pl.String, "label": pl.String, "guide": pl.String, "scope": pl.String,
              "name": pl.String, "setting": pl.String, "action": pl.String, "default": pl.Boolean}
    return pl.DataFrame(rows, schema=schema, orient="row")


def ports_table(cfg: ClusterConfig, lang: str = "en") -> pl.DataFrame:
    """:func:`clpkit.reference.ports.ports` of the cluster, ends named from/to for the page, words in ``lang``.

    >>> from clpkit import config
    >>> ports_table(config.load(config.SAMPLE)).columns[:4]
    ['from_server', 'from_address', 'to_server', 'to_address']
    >>> ja = ports_table(config.load(config.SAMPLE), "ja")
    >>> ja.filter(pl.col("port") == 29051)["purpose"][0], ja["condition"][0]
    ('ミラーデータ同期 (md1)', '常時')
    """
    from clpkit.reference.ports import ports, to_frame

    table = to_frame(ports(cfg)).rename(
        {"source": "from_server", "source_address": "from_address",
         "destination": "to_server", "destination_address": "to_address"}
    )
    if lang == "en":
        return table
    servers = {s.name for s in cfg.servers}
    return table.with_columns(
        *[pl.col(c).map_elements(port_text_ja, return_dtype=pl.String) for c in ("purpose", "condition")],
        *[pl.col(c).map_elements(lambda v: v if v in servers else port_text_ja(v), return_dtype=pl.String)
          for c in ("from_server", "to_server")],
    )


# The port table's words in Japanese (ours), first match wins; names in brackets and before "configured" are kept.
PORT_TEXT_JA: tuple[tuple[str, str], ...] = (
    (r"internal communication", "内部通信"),
    (r"data transfer", "データ転送"),
    (r"heartbeat", "ハートビート"),
    (r"alert synchronisation", "アラート同期"),
    (r"mirror agent communication", "ミラーエージェント通信"),
    (r"mirror keepalive, FIP/VIP duplicate check, mirror agent", "ミラーの keepalive、FIP/VIP の重複確認、ミラーエージェント"),
    (r"kernel-mode LAN heartbeat", "カーネルモード LAN ハートビート"),
    (r"mirror data synchronisation \((.+)\)", r"ミラーデータ同期 (\1)"),
    (r"mirror driver communication \(ack\) \((.+)\)", r"ミラードライバ通信 (ack) (\1)"),
    (r"mirror driver communication \((.+)\)", r"ミラードライバ通信 (\1)"),
    (r"internal log communication", "内部ログ通信"),
    (r"BMC control \(forced stop, chassis lamp\)", "BMC 制御 (強制停止、筐体ランプ)"),
    (r"BMC alerts to the external linkage monitor", "外部連携モニタへの BMC アラート"),
    (r"BMC heartbeat", "BMC ハートビート"),
    (r"network warning light control", "ネットワーク警告灯の制御"),
    (r"Witness heartbeat", "Witness ハートビート"),
    (r"HTTP network partition resolution", "HTTP ネットワークパーティション解決"),
    (r"ping network partition resolution", "PING ネットワークパーティション解決"),
    (r"IP monitor (\S+)", r"IP 監視 \1"),
    (r"JVM monitor (\S+) \(ports as configured\)", r"JVM 監視 \1 (ポートは設定による)"),
    (r"AWS CLI \(AWS resources and monitors\)", "AWS CLI (AWS のリソースとモニタ)"),
    (r"Azure CLI \(Azure DNS resource\)", "Azure CLI (Azure DNS リソース)"),
    (r"Azure DNS monitor", "Azure DNS 監視"),
    (r"always", "常時"),
    (r"log method UDP", "ログの通信方式が UDP"),
    (r"mrw monitor and BMC configured", "mrw モニタと BMC を設定"),
    (r"AWS resource or monitor configured", "AWS のリソースまたはモニタを設定"),
    (r"(\S+) configured", r"\1 を設定"),
    (r"BMC of (\S+)", r"\1 の BMC"),
    (r"(\S+) host", r"\1 のホスト"),
    (r"ping NP target", "PING NP の対象"),
    (r"IP monitor target", "IP 監視の対象"),
    (r"JVM monitor target", "JVM 監視の対象"),
    (r"network warning light", "ネットワーク警告灯"),
    (r"AWS regional endpoint", "AWS リージョンエンドポイント"),
    (r"Azure endpoint", "Azure エンドポイント"),
    (r"Azure authoritative DNS", "Azure の権威 DNS"),
)


def port_text_ja(text: str | None) -> str | None:
    """A purpose, condition or end of the port table in Japanese; text with no entry stays as written.

    >>> port_text_ja("lankhb1 configured"), port_text_ja("BMC of sv1"), port_text_ja("Cluster WebUI (http)")
    ('lankhb1 を設定', 'sv1 の BMC', 'Cluster WebUI (http)')
    """
    for pattern, words in PORT_TEXT_JA if text else ():
        if found := re.fullmatch(pattern, text):
            return found.expand(words)
    return text


def startup_sync_wait() -> pl.DataFrame:
    """The startup sync wait as the report can know it: the guide's default only.

    The wait is changed in Cluster WebUI (cluster properties, timeout tab);
    which clp.conf element stores it is not published, so a changed value
    cannot be read from the bundle and ``basis`` says so.

    >>> startup_sync_wait()["seconds"].to_list()
    [300]
    """
    return pl.DataFrame(
        {"setting": ["startup_sync_wait"], "seconds": [STARTUP_SYNC_WAIT_S], "guide": ["L4069-4092"],
         "basis": ["sync_wait_source"]}
    )

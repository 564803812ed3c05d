"""Report wording in English and Japanese: one small message table.

Most administrators of these clusters read Japanese first, so every title,
axis label, column heading and finding text a report shows goes through
:func:`t`. The wording is ours (not the guide's sentences). A key missing
from the table is a bug, so :func:`t` raises instead of showing the key.

>>> t("mirror_performance", "ja")
'ミラー性能'
>>> t("headroom_pct", "en")
'Headroom (%)'
>>> localise(pl.DataFrame({"server": ["sv1"]}), "ja").columns
['サーバ']
"""

from __future__ import annotations

import polars as pl

LANGS = ("en", "ja")

# key: (English, Japanese)
MESSAGES: dict[str, tuple[str, str]] = {
    # report titles
    "summary": ("Cluster summary", "クラスタ概要"),
    "mirror_performance": ("Mirror performance", "ミラー性能"),
    "system_resources": ("System resources", "システムリソース"),
    "cluster_statistics": ("Cluster statistics", "クラスタ統計"),
    "incident_timeline": ("Incident timeline", "障害タイムライン"),
    "cluster_reference": ("Cluster reference", "クラスタ構成リファレンス"),
    "reports": ("Reports", "レポート"),
    "runs": ("Report runs", "レポート実行履歴"),
    "run": ("Run", "実行"),
    "generated": ("Generated", "作成日時"),
    "status": ("Status", "状態"),
    "ok": ("complete", "完了"),
    "back_to_runs": ("All runs", "実行履歴一覧"),
    "this_run": ("This run", "この実行"),
    "failed": ("failed", "失敗"),
    "language": ("Language", "言語"),
    # common labels
    "cluster": ("Cluster", "クラスタ"),
    "period": ("Period", "期間"),
    "servers": ("Servers", "サーバ"),
    "server": ("Server", "サーバ"),
    "time": ("Time", "時刻"),
    "value": ("Value", "値"),
    "metric": ("Metric", "項目"),
    "limit": ("Limit", "上限"),
    "count": ("Count", "件数"),
    "per_bucket": ("each point: lowest and highest value of {size}", "各点: {size}ごとの最小値と最大値"),
    "no_data": ("No data in this period.", "この期間のデータはありません。"),
    "more_rows": ("… {n} more rows not shown", "… ほか {n} 行は省略"),
    "filter": ("Filter", "絞り込み"),
    "unit_count": ("count", "件"),
    "count_of": ("Count", "件数"),
    "zoom_hint": ("Drag here to zoom every chart above; double-click to reset", "ここをドラッグすると上のすべてのグラフを拡大します (ダブルクリックで元に戻す)"),
    "timeout": ("Timeout", "タイムアウト"),
    "timeout_use": ("Use of timeout", "タイムアウトに対する使用率"),
    "timeout_reached": ("timeout reached", "タイムアウト到達"),
    "timeout_near": ("near the timeout", "タイムアウト間近"),
    "timeout_fine": ("within the timeout", "余裕あり"),
    "use_pct": ("Use of timeout (%)", "タイムアウトに対する使用率 (%)"),
    "Failure": ("Failure", "失敗"),
    "Timeout": ("Timeout", "タイムアウト"),
    "Warning": ("Warning", "警告"),
    "Cancel": ("Cancel", "キャンセル"),
    "result_success": ("Success", "成功"),
    "result_failure": ("Failure", "失敗"),
    "result_timeout": ("Timeout", "タイムアウト"),
    "result_warning": ("Warning", "警告"),
    "result_cancel": ("Cancel", "キャンセル"),
    "from_start": ("from the start", "先頭から"),
    "to_end": ("to the end", "末尾まで"),
    # Zone.describe: one line for a command's output, by how the zone was found
    "zone_line_given": ("times in {zone} ({basis})", "時刻は {zone} (--tz で指定)"),
    "zone_line_file": ("times in {zone} ({basis})", "時刻は {zone} (収集物の {evidence} による)"),
    "zone_line_syslog": ("times in {zone} ({basis})", "時刻は UTC{zone} (システムログ {evidence} に書かれたオフセットによる。夏時間の有無は不明)"),
    "zone_line_assumed": ("times in {zone} ({basis})", "時刻は UTC とみなしています (収集物にサーバのタイムゾーンを示すものがありません。--tz で指定してください)"),
    # explain's text and JSON words (clpkit.explain.render.words)
    "explain_incident": ("Incident", "インシデント"),
    "explain_cause": ("cause", "原因"),
    "explain_end_state": ("end state", "最終状態"),
    "explain_evidence": ("evidence", "根拠"),
    "explain_setting": ("setting", "設定"),
    "explain_observed": ("observed", "実測"),
    "explain_expected": ("expected", "予測"),
    "explain_outside": ("OUTSIDE the prediction", "予測の範囲外"),
    "explain_skew": ("clock skew could reverse the order with the previous step", "時計のずれにより直前の手順と順序が入れ替わる可能性"),
    "explain_clock": ("clock offsets", "時計のずれ"),
    "explain_none": ("no incident found", "インシデントは見つかりませんでした"),
    "explain_seen": ("seen", "観測"),
    "explain_not_set": ("not set", "未設定"),
    "explain_note": ("note", "注"),
    "explain_unknown": ("unknown", "不明"),
    "explain_and": ("and", "かつ"),
    "explain_apart": ("s apart", "s 差"),
    "explain_problems": ("{count} problem(s) reading the collection (see stderr): the explanation may be incomplete",
                         "収集物の読み込みで {count} 件の問題がありました (標準エラー出力を参照): 説明は不完全な可能性があります"),
    "explain_clock_raw": ("clock: raw (times as each server wrote them, no offset applied)",
                          "時計: raw (各サーバが書いたままの時刻。ずれの補正なし)"),
    # time model and input health (clpkit.zone, clpkit.health)
    "zone_given": ("Times are the servers' clock in {zone} (given with --tz).",
                   "時刻はサーバの時計 ({zone}、--tz で指定) によるものです。"),
    "zone_file": ("Times are the servers' clock in {zone}, as the collection's {evidence} says.",
                  "時刻はサーバの時計 ({zone}) によるものです。ログ内の {evidence} に基づきます。"),
    "zone_syslog": ("Times are the servers' clock at UTC{zone}, the offset written in the system log ({evidence}); "
                    "daylight saving is not known.",
                    "時刻はサーバの時計 (UTC{zone}) によるものです。システムログ ({evidence}) に記録されたオフセットに"
                    "基づきます。夏時間の有無は不明です。"),
    "zone_assumed": ("Times are taken as UTC: nothing in the collection names the servers' time zone "
                     "(run clpkit report with --tz).",
                     "サーバのタイムゾーンを示す情報がログにないため、時刻を UTC とみなしています "
                     "(clpkit report の --tz で指定してください)。"),
    "incomplete_input": ("Incomplete input", "入力が不完全です"),
    "incomplete_note": ("{count} archive(s), file(s) or member(s) were not read as they should be; "
                        "what they held is missing from this page.",
                        "{count} 件のアーカイブ・ファイル・メンバを正しく読み込めませんでした。"
                        "その内容はこのページに含まれていません。"),
    "reason": ("Reason", "理由"),
    # findings
    "findings": ("Findings", "検出事項"),
    "severity": ("Severity", "重要度"),
    "code": ("Code", "コード"),
    "title": ("Title", "内容"),
    "detail": ("Detail", "詳細"),
    "evidence": ("Evidence", "根拠"),
    "critical": ("critical", "重大"),
    "error": ("error", "エラー"),
    "warning": ("warning", "警告"),
    "info": ("info", "情報"),
    "trend": ("Trend across runs", "実行ごとの推移"),
    "incidents": ("What happened", "何が起きたか"),
    # mirror
    "mirror": ("Mirror", "ミラー"),
    "throughput": ("Throughput", "スループット"),
    "direction": ("Direction", "種別"),
    "write": ("Write", "書き込み"),
    "read": ("Read", "読み込み"),
    "send": ("Send", "送信"),
    "ack_time": ("Ack time", "Ack 時間"),
    "sync_ack": ("Sync Ack time max", "Sync Ack 時間 最大"),
    "recovery_ack": ("Recovery Ack time max", "Recovery Ack 時間 最大"),
    "ack_timeout": ("Ack timeout", "Ack タイムアウト"),
    "queue": ("Queue", "キュー"),
    "send_queue": ("Send Queue max", "送信キュー 最大"),
    "request_queue": ("Request Queue max", "リクエストキュー 最大"),
    "sync_diff": ("Sync Diff max (unsynchronised data)", "差分量 最大"),
    "mdc_hb": ("MDC HB time max", "MDC HB 時間 最大"),
    "send_queue_size": ("Send queue size (setting)", "送信キューサイズ (設定値)"),
    "mdc_hb_limit": ("alarm level", "警告レベル"),
    "unmount_timeout": ("Unmount timeout", "アンマウントタイムアウト"),
    "fsck_timeout": ("Fsck timeout", "fsck タイムアウト"),
    "unmount_time": ("Unmount time max", "アンマウント時間 最大"),
    "fsck_time": ("Fsck time max", "fsck 時間 最大"),
    "seconds": ("Seconds", "秒"),
    "statistic": ("Statistic", "統計項目"),
    "observed": ("Observed max", "観測最大値"),
    "setting": ("Setting", "設定項目"),
    "current": ("Current", "現在値"),
    "suggested": ("Suggested", "推奨値"),
    "usage_pct": ("Use of setting (%)", "設定値に対する比率 (%)"),
    "why": ("Why", "理由"),
    "recommendations": ("Recommendations", "推奨設定"),
    # system
    "cpu_pct": ("CPU utilisation (%)", "CPU 使用率 (%)"),
    "memory": ("Memory", "メモリ"),
    "cpu": ("CPU", "CPU"),
    "cpu_share": ("Share of CPU time", "CPU 時間の割合"),
    "cpu_user": ("user", "ユーザ"),
    "cpu_system": ("system", "システム"),
    "cpu_iowait": ("I/O wait", "I/O 待ち"),
    "cpu_steal": ("steal", "スチール"),
    "memory_used": ("used", "使用中"),
    "memory_cached": ("cached", "キャッシュ"),
    "memory_dirty": ("dirty", "ダーティ"),
    "memory_total": ("total", "合計"),
    "swap_used": ("used", "使用中"),
    "swap_total": ("total", "合計"),
    "size": ("Size", "サイズ"),
    "limits_use": ("Use of each limit", "各上限に対する使用率"),
    "swap": ("Swap", "スワップ"),
    "threads": ("Threads", "スレッド"),
    "open_files": ("Open files", "オープンファイル"),
    "inodes": ("Inodes", "inode"),
    "processes": ("Processes", "プロセス"),
    "utilisation_pct": ("Use of limit", "上限に対する使用率"),
    "processes_threads_files": ("Processes, threads and open files", "プロセス・スレッド・オープンファイル"),
    "resource": ("Resource", "リソース"),
    "anomalies": ("Anomalies", "異常値"),
    "mean": ("Mean", "平均"),
    "max": ("Max", "最大"),
    "zscore": ("Deviation (σ)", "偏差 (σ)"),
    "mean_pct": ("Mean (%)", "平均 (%)"),
    "max_pct": ("Max (%)", "最大 (%)"),
    # cluster statistics
    "name": ("Name", "名前"),
    "category": ("Category", "分類"),
    "type": ("Type", "種類"),
    "action": ("Action", "動作"),
    "result": ("Result", "結果"),
    "duration_s": ("Duration (s)", "所要時間 (秒)"),
    "elapsed_ms": ("Elapsed (ms)", "経過時間 (ms)"),
    "timeout_s": ("Timeout (s)", "タイムアウト (秒)"),
    "max_s": ("Max (s)", "最大 (秒)"),
    "mean_s": ("Mean (s)", "平均 (秒)"),
    "not_success": ("Not Success", "成功以外"),
    "end_time": ("End time", "終了時刻"),
    "start_time": ("Start time", "開始時刻"),
    "headroom_pct": ("Headroom (%)", "余裕 (%)"),
    "group_actions": ("Group start, stop and move", "グループの起動・停止・移動"),
    "failovers": ("Group moves and failovers", "グループの移動とフェイルオーバ"),
    "resource_activation": ("Resource start and stop against timeouts", "リソース活性・非活性とタイムアウト"),
    "monitor_headroom": ("Monitor elapsed time against timeout", "監視処理時間とタイムアウト"),
    "outcomes": ("Outcomes other than Success", "成功以外の結果"),
    "time_of_max": ("Time of max", "最大値の時刻"),
    # cell words: the product's own Japanese terms (a resource is 活性/非活性, a group 起動/停止)
    "yes": ("yes", "はい"),
    "no": ("no", "いいえ"),
    "category_group": ("group", "グループ"),
    "category_resource": ("resource", "リソース"),
    "category_monitor": ("monitor", "モニタ"),
    "category_cluster": ("cluster", "クラスタ"),
    "action_group_start": ("Start", "起動"),
    "action_group_stop": ("Stop", "停止"),
    "action_group_move": ("Move", "移動"),
    "action_group_failover": ("Failover", "フェイルオーバ"),
    "action_resource_start": ("Start", "活性"),
    "action_resource_stop": ("Stop", "非活性"),
    "action_monitor_monitor": ("Monitor", "監視"),
    # key figures of a run (the summary's trend table)
    "failover_count": ("Failovers", "フェイルオーバ回数"),
    "out_of_service": ("Time out of service", "業務停止時間"),
    "occurrences": ("occurrences", "回数"),
    "phase_detection": ("detection", "検出"),
    "phase_stop": ("stop", "停止"),
    "phase_unmount": ("unmount", "アンマウント"),
    "phase_fsck": ("fsck", "fsck"),
    "phase_start": ("start", "起動"),
    # timeline
    "events": ("Events", "イベント"),
    "event_list": ("Event list (repeats collapsed)", "イベント一覧 (繰り返しはまとめて表示)"),
    "last_time": ("Last repeat", "最後の発生"),
    "level": ("Level", "レベル"),
    "module": ("Module", "モジュール"),
    "message": ("Message", "メッセージ"),
    "event_id": ("Event id", "イベント ID"),
    "source": ("File:line", "ファイル:行"),
    "window": ("Window", "対象期間"),
    # fleet (clpkit fleet: several clusters of one dataset)
    "fleet": ("Fleet summary", "フリート概要"),
    "fleet_intro": ("{n} cluster(s) of the dataset {dataset}, side by side. Every figure below is a DuckDB query "
                    "on the dataset's Parquet files.",
                    "データセット {dataset} の {n} クラスタを並べて示します。以下の数値はすべてデータセットの "
                    "Parquet ファイルに対する DuckDB のクエリによるものです。"),
    "fleet_clusters": ("Clusters", "クラスタ一覧"),
    "fleet_servers": ("Servers", "サーバ数"),
    "fleet_names": ("Server names", "サーバ名"),
    "fleet_first": ("First sample", "最初のサンプル"),
    "fleet_last": ("Last sample", "最後のサンプル"),
    "fleet_problems": ("Problems", "読み込みの問題"),
    "fleet_period_note": ("Sample times are the servers' own clocks, as written; failover times are UTC, corrected "
                          "for each server's clock.",
                          "サンプル時刻は各サーバの時計の記録どおりです。フェイルオーバの時刻は各サーバの時計を補正した UTC です。"),
    "fleet_findings": ("Findings per cluster", "クラスタごとの検出事項"),
    "fleet_no_findings": ("The dataset has no findings table: ingest it with clpkit ingest (without --no-findings).",
                          "データセットに検出事項テーブルがありません。clpkit ingest (--no-findings なし) で取り込んでください。"),
    "fleet_headroom": ("Headroom per cluster (least of its servers)", "クラスタごとの余裕 (最も少ないサーバ)"),
    "fleet_headroom_note": ("Headroom is 100 % minus the highest use seen: of CPU, memory, swap, threads, open files "
                            "and inodes (system statistics), and of each monitor's timeout by its longest run "
                            "(cluster statistics against clp.conf). Below {tight} % it is tight.",
                            "余裕は 100 % から観測された最大使用率を引いた値です。CPU・メモリ・スワップ・スレッド・"
                            "オープンファイル・inode (システム統計) と、各監視の最長処理時間のタイムアウトに対する割合 "
                            "(クラスタ統計と clp.conf) を対象とします。{tight} % 未満は余裕が少ない状態です。"),
    "fleet_headroom_servers": ("Headroom per server", "サーバごとの余裕"),
    "fleet_tight": ("Tight", "余裕小"),
    "fleet_failovers": ("Failovers", "フェイルオーバ"),
    "fleet_failover_count": ("{n} failover(s) across the fleet.", "フリート全体で {n} 件のフェイルオーバ。"),
    "fleet_group": ("Group", "グループ"),
    "fleet_to_server": ("Started on", "起動先サーバ"),
    "monitor_label": ("Monitor", "監視"),
    # cluster reference
    "layout": ("Files against the install layout", "インストール構成に対するファイル"),
    "layout_note": (
        "A collection's inner tree is not published: a file counts as found wherever it lies under its server; "
        "statistics files exist only while their collection is switched on.",
        "ログ収集の内部構成は公開されていないため、サーバ配下のどこにあってもファイルは検出扱いです。"
        "統計情報ファイルは採取が有効な場合のみ作成されます。",
    ),
    "no_config": (
        "No clp.conf in this bundle: only the fixed files are expected; ports and final actions cannot be shown.",
        "このログに clp.conf がないため、固定のファイルのみを確認します。ポートと最終動作は表示できません。",
    ),
    "folders": ("Folders", "フォルダ"),
    "folder": ("Folder", "フォルダ"),
    "file": ("File", "ファイル"),
    "file_count": ("Files", "ファイル数"),
    "when": ("Written", "出力条件"),
    "always": ("always", "常時"),
    "when_stats": ("when statistics collection is on", "統計情報採取が有効な場合"),
    "present": ("present", "あり"),
    "missing": ("missing", "なし"),
    "elsewhere": ("in another folder", "別のフォルダ"),
    "found_as": ("Found as", "検出場所"),
    "generations": ("Log and statistics generations", "ログ・統計情報の世代"),
    "generations_note": (
        "Each file keeps .cur and .pre; a .cur without .pre has usually not rotated yet.",
        "各ファイルは .cur と .pre の 2 世代を保持します。.pre がない場合は通常まだローテートしていません。",
    ),
    "kind": ("Kind", "種別"),
    "series": ("Series", "系列"),
    "found_generations": ("Generations found", "存在する世代"),
    "missing_generations": ("Generations missing", "欠けている世代"),
    "emergency_archives": ("Emergency log archives", "緊急ログアーカイブ"),
    "elog_note": (
        "Written only on errors, generation 0 the newest; a gap below the oldest one means an archive was removed.",
        "異常時のみ作成され、世代 0 が最新です。最古の世代より下に欠番がある場合はアーカイブが削除されています。",
    ),
    "elog_pm": ("a cluster service failed to start or stop", "クラスタサービスの起動・停止失敗"),
    "elog_rc": ("a group resource failed to start or stop", "グループリソースの活性・非活性失敗"),
    "elog_rm": ("a monitor resource detected an error", "モニタリソースの異常検出"),
    "max_generation": ("Highest generation kept", "保持する最大世代"),
    "gaps": ("Gaps", "欠番"),
    "beyond": ("Beyond the kept range", "保持範囲外"),
    "bytes": ("Bytes", "バイト"),
    "ports": ("Ports this cluster needs", "このクラスタが使用するポート"),
    "from_server": ("From", "送信元"),
    "from_address": ("From address", "送信元アドレス"),
    "to_server": ("To", "送信先"),
    "to_address": ("To address", "送信先アドレス"),
    "port": ("Port", "ポート"),
    "protocol": ("Protocol", "プロトコル"),
    "purpose": ("Purpose", "用途"),
    "condition": ("Condition", "条件"),
    "server_down": ("Server-down conditions and configured final actions", "サーバダウン条件と設定された最終動作"),
    "label": ("Meaning", "内容"),
    "guide": ("Guide", "ガイド"),
    "scope": ("Scope", "対象"),
    "default": ("Default", "既定値"),
    "not_set": ("not set in clp.conf", "clp.conf に設定なし"),
    "no_setting": ("none in clp.conf (fixed behaviour, see the guide)", "clp.conf に設定なし (動作は固定、ガイド参照)"),
    "startup_sync": ("Startup sync wait", "クラスタ起動同期待ち時間"),
    "startup_sync_wait": ("startup sync wait", "起動同期待ち時間"),
    "basis": ("Basis", "根拠"),
    "sync_wait_source": (
        "the guide's default; the clp.conf key is not published, so a changed value cannot be read",
        "ガイド記載の初期値。clp.conf のキーが公開されていないため、変更後の値は読み取れません",
    ),
}

# Final-action names (clpkit.config) as the product's Japanese screens and the
# guide name them (the guide's server-down tables, SPEC §4).
FINAL_ACTIONS_JA: dict[str, str] = {
    "no operation": "何もしない",
    "no operation (activate/deactivate next resource)": "何もしない (次のリソースを活性/非活性する)",
    "no operation (do not activate/deactivate next resource)": "何もしない (次のリソースを活性/非活性しない)",
    "stop group": "グループ停止",
    "stop resource": "リソース停止",
    "stop cluster service": "クラスタサービス停止",
    "stop cluster service and shut down OS": "クラスタサービス停止と OS シャットダウン",
    "stop cluster service and reboot OS": "クラスタサービス停止と OS 再起動",
    "shut down OS": "OS シャットダウン",
    "reboot OS": "OS 再起動",
    "sysrq panic": "sysrq パニック",
    "keepalive reset": "keepalive リセット",
    "keepalive panic": "keepalive パニック",
    "BMC reset": "BMC リセット",
    "BMC power off": "BMC パワーオフ",
    "BMC power cycle": "BMC パワーサイクル",
    "BMC NMI": "BMC NMI",
    "I/O fencing": "I/O Fencing",
}


def final_action(name: str | None, lang: str) -> str | None:
    """A final action's name in ``lang`` (unknown names as written).

    >>> final_action("stop cluster service and reboot OS", "ja")
    'クラスタサービス停止と OS 再起動'
    """
    if name is None or check_lang(lang) == "en":
        return name
    return FINAL_ACTIONS_JA.get(name, name)


def cell_word(kind: str, value: str | None, lang: str) -> str | None:
    """A product word in a table cell (``kind``: category, action_group, action_resource, result) in ``lang``.

    Words without a translation stay as written.

    >>> cell_word("action_resource", "Start", "ja"), cell_word("action_group", "Start", "ja"), cell_word("result", "Odd", "ja")
    ('活性', '起動', 'Odd')
    """
    if value is None:
        return None
    key = f"{kind}_{str(value).lower()}"
    return t(key, lang) if key in MESSAGES else value


def check_lang(lang: str) -> str:
    """The language code, or ValueError naming the ones we have."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    return lang


def t(key: str, lang: str = "en") -> str:
    """The text for ``key`` in ``lang`` (``en`` or ``ja``)."""
    en, ja = MESSAGES[key]
    return ja if check_lang(lang) == "ja" else en


def title(name: str, lang: str = "en") -> str:
    """A report's title; its file name when the table has none (a new notebook)."""
    return t(name, lang) if name in MESSAGES else name


def finding_text(code: str, lang: str, **values) -> str:
    """A finding's title from its code and values, in ``lang`` (from :data:`clpkit.findings.TEXTS`).

    >>> finding_text("system.near_limit", "en", resource="Open files", pct=91.2)
    'Open files reached 91 % of its limit'
    """
    from clpkit.findings import TEXTS

    return TEXTS[code][check_lang(lang)][0].format(**values)


def translate(frame: pl.DataFrame, columns: list[str], lang: str) -> pl.DataFrame:
    """Cell values of ``columns`` that are message keys (or final-action names), as their text in ``lang``.

    >>> translate(pl.DataFrame({"status": ["missing", "sv1"]}), ["status"], "ja")["status"].to_list()
    ['なし', 'sv1']
    """
    check_lang(lang)
    words = {k: t(k, lang) for k in MESSAGES}
    if lang == "ja":
        words.update(FINAL_ACTIONS_JA)
    return frame.with_columns(pl.col(c).replace(words) for c in columns)


def localise(frame: pl.DataFrame, lang: str) -> pl.DataFrame:
    """Rename the columns that have a message to their text in ``lang``."""
    check_lang(lang)
    return frame.rename({c: t(c, lang) for c in frame.columns if c in MESSAGES})

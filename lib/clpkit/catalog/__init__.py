"""The event catalog: which cluster messages clpkit knows, what they mean, as data.

``events.csv`` beside this module holds one row per (module, event_id): the
level, the product's message template (``%1 %2`` placeholders, as the alert
log and syslog print it), a short meaning in English and Japanese written for
clpkit, and the server-down condition of SPEC 4 the event evidences. Its
header comment says where each row comes from (guide, public material or
inferred). Keeping it as CSV lets a support engineer add an event without
touching code.

>>> cat = load()
>>> cat.filter(pl.col("module") == "rc", pl.col("event_id") == 32)["level"].item()
'error'
>>> lookup("rc", 42)["server_down_condition"]
'deactivation_stall'
>>> lookup("RC", "42")["condition_when"]
'99 : command is timeout'
>>> lookup("rc", 9999) is None
True
>>> condition_of("rc", 32, "Activating exec1 resource has failed.(99 : command is timeout)")
'activation_stall'
>>> condition_of("rc", 32, "Activating exec1 resource has failed.(1 : exit code 1)") is None
True
>>> sorted(set(cat["server_down_condition"].drop_nulls())) == sorted(
...     c for c in SERVER_DOWN_CONDITIONS if c not in NO_PUBLIC_EVENT)
True
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import polars as pl

CSV_PATH = Path(__file__).with_name("events.csv")

SCHEMA = pl.Schema(
    {
        "module": pl.String,
        "event_id": pl.Int64,
        "level": pl.String,
        "message": pl.String,
        "meaning_en": pl.String,
        "meaning_ja": pl.String,
        "server_down_condition": pl.String,
        "condition_when": pl.String,
        "evidence": pl.String,
    }
)

#: The server-down conditions of the Maintenance Guide (SPEC 4), by code:
#: (English, Japanese, guide lines). Findings name a condition by its code.
SERVER_DOWN_CONDITIONS: dict[str, tuple[str, str, str]] = {
    "activation_failure_final_action": ("final action after a resource failed to start", "リソース活性異常時の最終動作", "L2063-2110"),
    "deactivation_failure_final_action": ("final action after a resource failed to stop", "リソース非活性異常時の最終動作", "L2063-2110"),
    "activation_stall": ("a resource start stalled past its timeout", "リソース活性ストール", "L2111-2174"),
    "deactivation_stall": ("a resource stop stalled past its timeout", "リソース非活性ストール", "L2111-2186"),
    "monitor_error_final_action": ("final action after a monitor error", "モニタリソース異常検出時の最終動作", "L2187-2231"),
    "forced_stop": ("forced stop of the failed server (BMC, vSphere)", "強制停止", "L2232-2267"),
    "emergency_shutdown": ("emergency shutdown: clprc, clprm or clpnm died", "緊急サーバシャットダウン・リブート", "L2268-2293"),
    "userspace_stall": ("user space stalled past the userw timeout", "ユーザ空間でのストール検出", "L2294-2300"),
    "shutdown_stall": ("the OS shutdown stalled past its timeout", "シャットダウン中のストール検出", "L2301-2310"),
    "network_partition_recovery": ("recovery after a network partition (group active on both servers)", "ネットワークパーティションからの復帰", "L2311-2330"),
    "network_partition_resolution": ("network partition resolution shut a server down", "ネットワークパーティション解決", "L2331-2348"),
    "mirror_disk_error": ("mirror disk error: the mirror agent resets the server", "ミラーディスク異常", "L2349-2354"),
    "hybrid_disk_error": ("hybrid disk error: the mirror agent resets the server", "ハイブリッドディスク異常", "L2355-2360"),
    "suspend_resume_failure": ("cluster suspend or resume failed", "クラスタサスペンド・リジューム失敗", "L2361-2363"),
}

#: Conditions for which no public message id was found: the reset comes from
#: the mirror agent with no catalogued alert. Findings must infer them from the
#: server going down right after mirror errors.
NO_PUBLIC_EVENT = frozenset({"mirror_disk_error", "hybrid_disk_error"})


@lru_cache(maxsize=1)
def _frame() -> pl.DataFrame:
    return pl.read_csv(CSV_PATH, comment_prefix="#", schema=SCHEMA)


def load() -> pl.DataFrame:
    """The whole catalog as a frame with :data:`SCHEMA` (empty cells are null)."""
    return _frame().clone()


def lookup(module: str, event_id: int | str) -> dict | None:
    """The catalog row of one event as a dict, or None when clpkit does not know it."""
    try:
        eid = int(event_id)
    except (TypeError, ValueError):
        return None
    rows = _frame().filter(pl.col("module") == module.lower(), pl.col("event_id") == eid)
    return rows.row(0, named=True) if rows.height else None


def condition_of(module: str, event_id: int | str, message: str = "") -> str | None:
    """The server-down condition a concrete message evidences, honouring ``condition_when``."""
    row = lookup(module, event_id)
    if row is None or row["server_down_condition"] is None:
        return None
    when = row["condition_when"]
    if when and not re.search(when, message or ""):
        return None
    return row["server_down_condition"]

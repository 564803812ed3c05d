"""What clpkit knows about CLUSTERPRO's timing and actions, as data, with where each fact comes from.

Evidence levels as in SPEC 3: [G] the Maintenance Guide, [P] public parameter
documentation / the vendor's public code, [I] clpkit's own model, not
published by the vendor. Every prediction an explanation prints names its
rule, so a reader can tell a documented fact from clpkit's model.

>>> detection_bound(60, 1, 60)
180.0
>>> CAUSES["monitor_failover"]["en"]
'a monitor found an error and its recovery action failed the group over'
"""

from __future__ import annotations

#: The ``cause`` vocabulary of ``clpkit explain`` (the same names as ``clpkit samples --scenario``).
CAUSES: dict[str, dict[str, str]] = {
    "monitor_restart": {"en": "a monitor found an error and its recovery action restarted the resource in place",
                        "ja": "モニタが異常を検出し、回復動作でリソースをその場で再起動した"},
    "monitor_failover": {"en": "a monitor found an error and its recovery action failed the group over",
                         "ja": "モニタが異常を検出し、回復動作でグループをフェイルオーバした"},
    "monitor_stop_group": {"en": "a monitor found an error and its final action stopped the group",
                           "ja": "モニタが異常を検出し、最終動作でグループを停止した"},
    "monitor_shutdown": {"en": "a monitor found an error and its final action shut down or rebooted the server",
                         "ja": "モニタが異常を検出し、最終動作でサーバをシャットダウンまたは再起動した"},
    "activation_failure": {"en": "a resource failed to start, was retried, and the group failed over",
                           "ja": "リソースの活性に失敗し、リトライの後グループがフェイルオーバした"},
    "deactivation_failure": {"en": "a resource failed to stop and its configured final action ran",
                             "ja": "リソースの非活性に失敗し、設定された最終動作が実行された"},
    "heartbeat_path_loss": {"en": "one heartbeat path was lost and came back; the servers stayed in the cluster",
                            "ja": "ハートビート経路の一つが途絶し回復した。サーバはクラスタに残った"},
    "network_partition": {"en": "every heartbeat path was lost and network partition resolution took a server down",
                          "ja": "全ハートビート経路が途絶し、ネットワークパーティション解決でサーバが停止した"},
    "server_down": {"en": "a server stopped without warning (panic or power loss) and the others took over",
                    "ja": "サーバが予告なく停止し (パニックまたは電源断)、他のサーバが引き継いだ"},
    "userspace_stall": {"en": "user space stalled (userw) and the server was reset; the others took over",
                        "ja": "ユーザ空間がストールし (userw)、サーバがリセットされ、他のサーバが引き継いだ"},
    "shutdown_stall": {"en": "an OS shutdown hung and the server was reset; it booted again by itself",
                       "ja": "OS シャットダウンがストールしてサーバがリセットされ、自ら再起動した"},
    "mirror_disconnect": {"en": "the mirror disconnected and was recovered",
                          "ja": "ミラーが切断され、復帰した"},
    "group_move": {"en": "the group was moved to another server with no failure before it (an operator's move)",
                   "ja": "異常なしにグループが他サーバへ移動した (運用者による移動)"},
    "cluster_stop_during_failover": {"en": "the cluster was stopped while a failover was under way",
                                     "ja": "フェイルオーバの途中でクラスタが停止された"},
    "unexplained": {"en": "no rule of clpkit fits what was seen", "ja": "clpkit のどの規則にも当てはまらない"},
}

#: Where each rule comes from (printed with every prediction).
RULES = {
    "monitor_detection": (
        "[I] clpkit model: a monitor reports an error after retry + 1 failed runs one interval apart, "
        "the last of which may take up to the timeout; the vendor does not publish the exact schedule"
    ),
    "heartbeat_timeout": (
        "[P] the heartbeat timeout and interval of clp.conf (/root/cluster/heartbeat, ms): a server is reported "
        "lost one timeout after its last heartbeat; clpkit adds one interval either side and the gap between the "
        "lost server's own last records [I]"
    ),
    "userw_timeout": (
        "[G] L2294-2300: a user-space stall longer than the userw timeout resets or panics the server; "
        "the clp.conf path of its action on timeout is not published"
    ),
    "resource_timeout": "[P] the resource's own timeout in clp.conf (exec parameters/timeout, md umount/mount/fsck timeout)",
    "retry_count": "[P] act/retry and deact/retry of the resource, polling/reconfirmation of the monitor (retry count)",
    "np_resolution": (
        "[G] L2331-2348: with a network partition resolution resource, losing every heartbeat triggers it and the "
        "NP action (cluster/networkpartition/npaction) runs; how long the decision takes is not published"
    ),
    "shutdown_monitor": (
        "[G] L2301-2310: a hung OS shutdown is reset or panicked by the shutdown monitor; its timeout's clp.conf path "
        "is not published, so clpkit makes no prediction"
    ),
}


def detection_bound(interval: float, retry: int, timeout: float) -> float:
    """Latest a monitor error is reported after the last good run ended: interval x (retry + 1) + timeout."""
    return float(interval * (retry + 1) + timeout)

"""Where a step's guide line sits: the section headings of the Maintenance Guide (as data).

Each entry is the line a section of ``../shared/seed/000_34c47d5ec0276d93.txt``
(the Japanese Maintenance Guide) starts on and that section's heading as the
guide prints it, so an operator can find the step in the printed guide by
its heading, not only by a line number of one text export. The line of a
step belongs to the last heading at or before it.

>>> cite("L2556")
'L2556, 「単体のディスクで構成される（非RAID）ミラーディスクを交換する場合」'
>>> heading(100) is None
True
"""

from __future__ import annotations

import bisect
import re

#: (first line, heading) of every section a runbook follows, in line order.
SECTIONS: tuple[tuple[int, str], ...] = (
    (456, "CLUSTERPRO のログ、アラート削除方法"),
    (2364, "一時的にフェイルオーバを実行させないように設定するには"),
    (2480, "ミラーディスクの交換手順"),
    (2496, "単体のディスクで構成される（非RAID）ミラーディスクを交換する場合"),
    (2700, "複数のディスクで構成される（RAID）ミラーディスクを交換する場合"),
    (2958, "両系のミラーディスクを交換する場合"),
    (3085, "サーバを交換するには －共有ディスクの場合－"),
    (3105, "サーバを交換するには －ミラーディスクの場合－ ミラーディスクも交換する場合"),
    (3242, "サーバを交換するには －ミラーディスクの場合－ ミラーディスクを流用する場合"),
    (3324, "サーバを交換するには －ハイブリッドディスクの場合－ 共有ディスクでないハイブリッドディスクも交換する場合"),
    (3508, "サーバを交換するには －ハイブリッドディスクの場合－ 共有ディスクのハイブリッドディスクも交換する場合"),
    (3859, "サーバを交換するには －ハイブリッドディスクの場合－ ディスクを流用する場合"),
    (3990, "サーバを交換するには －ハイブリッドディスクの場合－ 共有ディスクが接続されたサーバを交換する場合"),
    (4069, "クラスタ起動同期待ち時間について"),
    (4093, "ディスクリソースのファイルシステムを変更する"),
    (4150, "ミラーディスクリソースのパーティションのオフセットやサイズを変更する"),
    (4166, "ミラーディスクリソースのパーティションのデバイス名を変更しない場合"),
    (4465, "ミラーディスクリソースのパーティションのデバイス名を変更する場合"),
    (4765, "ハイブリッドディスクリソースのパーティションのオフセットやサイズを変更する（デバイス名を変更しない場合）"),
    (5288, "ハイブリッドディスクリソースのパーティションのデバイス名を変更する場合"),
    (5673, "サーバ構成の変更（追加、削除） サーバ追加"),
    (5749, "サーバ構成の変更（追加、削除） サーバ削除"),
    (5806, "サーバ IP アドレスの変更手順 インタコネクト IP アドレス/ミラーディスクコネクト IP アドレス変更手順"),
    (5855, "インタコネクト IP アドレスのサブネットマスクのみを変更する"),
    (5894, "ホスト名の変更手順"),
    (5955, "グループ無停止でリソースを追加する手順"),
    (5992, "グループ無停止でリソースを追加する手順 動的リソース追加手順"),
)
_STARTS = [line for line, _ in SECTIONS]


def heading(line: int) -> str | None:
    """The heading of the section holding guide line ``line`` (None before the first procedure)."""
    i = bisect.bisect_right(_STARTS, line) - 1
    return SECTIONS[i][1] if i >= 0 else None


def cite(ref: str | None) -> str | None:
    """``"L2556"`` → ``"L2556, 「heading」"``; anything without a line number comes back unchanged."""
    m = re.match(r"^L(\d+)", ref or "")
    if not m:
        return ref
    title = heading(int(m[1]))
    return f"{ref}, 「{title}」" if title else ref

"""Mirror statistics: ``nmpN.cur``, ``nmpN.pre``, ``nmpN.pre1``… (SPEC 3.2).

Where: ``perf/disk/`` under the install root, one series per mirror; ``N``
is the number of the mirror device (``/dev/NMP1`` → ``nmp1.cur``). Written
when mirror statistics collection is on (the default), one row every 60 s,
rotated at 16 MB, each server recording only itself. The ``(現)`` values
are meaningful on the active server only.

CSV, every field double-quoted, one header line. Columns are found by
header name; the spellings seen differ ("Sync Diff" / "SyncDiff", the
guide's "Watiting"), so each column accepts a list of spellings.

Columns and units:

========================================================  =====================
``time``                                                  sample time (server local)
``mirror``                                                ``nmpN``, from the file name
``write_total``, ``read_total``                           bytes (since start)
``write_avg``, ``read_avg``                               bytes/s
``local_disk_write_total``, ``local_disk_read_total``     bytes
``local_disk_write_avg``, ``local_disk_read_avg``         bytes/s
``send_total`` / ``send_avg``                             bytes / bytes/s
``compress_ratio``                                        % (100 = not compressed)
``sync_time_max``, ``sync_time_avg``                      seconds per transfer
``sync_ack_time_max``, ``sync_ack_time_cur``              ms (→ Ack timeout)
``recovery_ack_time_max/_max2/_cur``                      ms (→ Ack timeout)
``sync_diff_max``, ``sync_diff_cur``                      bytes not yet synchronised
``send_queue_max/_max2/_cur``                             queue count (→ async queue count)
``request_queue_max/_max2/_cur``                          queue count (→ max request queue)
``mdc_hb_time_max/_max2/_cur``                            seconds (mirror disk connect heartbeat)
``local_write_waiting_recovery_read_time_total/_total2``  seconds (→ recovery data size)
``recovery_read_waiting_local_write_time_total/_total2``  seconds (→ recovery data size)
``unmount_time_max``, ``unmount_time_last``               seconds (→ unmount timeout)
``fsck_time_max``, ``fsck_time_last``                     seconds (→ fsck timeout)
========================================================  =====================

``Max``/``Total`` without a suffix run since the mirror agent started;
``Max2``/``Total2`` cover one sampling period. Values are Float64 (the file
writes at most two decimals). The typo "Watiting" is corrected in the
column names.

>>> df = parse(SAMPLE, source="perf/disk/nmp1.cur", server="sv1")
>>> df.select("time", "mirror", "sync_ack_time_max", "send_queue_cur").rows()
[(datetime.datetime(2024, 5, 1, 10, 0), 'nmp1', 1.25, 0.0), (datetime.datetime(2024, 5, 1, 10, 1), 'nmp1', 3.5, 2.0)]
>>> df.schema == SCHEMA
True
"""

from __future__ import annotations

import os
import re

import polars as pl

from clpkit.formats import META_SCHEMA, Parsed
from clpkit.formats._csv import DATETIME, Field, scan as scan_csv

KIND = "mirror_stats"


def _f(name: str, *headers: str) -> Field:
    return Field(name, pl.Float64, headers)


FIELDS: tuple[Field, ...] = (
    Field("time", DATETIME, ("Date", "Time", "Timestamp", "Date Time", "Sample Time", "")),
    _f("write_total", "Write, Total"),
    _f("write_avg", "Write, Avg"),
    _f("read_total", "Read, Total"),
    _f("read_avg", "Read, Avg"),
    _f("local_disk_write_total", "Local Disk Write, Total"),
    _f("local_disk_write_avg", "Local Disk Write, Avg"),
    _f("local_disk_read_total", "Local Disk Read, Total"),
    _f("local_disk_read_avg", "Local Disk Read, Avg"),
    _f("send_total", "Send, Total"),
    _f("send_avg", "Send, Avg"),
    _f("compress_ratio", "Compress Ratio"),
    _f("sync_time_max", "Sync Time, Max"),
    _f("sync_time_avg", "Sync Time, Avg"),
    _f("sync_ack_time_max", "Sync Ack Time, Max"),
    _f("sync_ack_time_cur", "Sync Ack Time, Cur"),
    _f("recovery_ack_time_max", "Recovery Ack Time, Max"),
    _f("recovery_ack_time_max2", "Recovery Ack Time, Max2"),
    _f("recovery_ack_time_cur", "Recovery Ack Time, Cur"),
    _f("sync_diff_max", "Sync Diff, Max", "SyncDiff, Max"),
    _f("sync_diff_cur", "Sync Diff, Cur", "SyncDiff, Cur"),
    _f("send_queue_max", "Send Queue, Max"),
    _f("send_queue_max2", "Send Queue, Max2"),
    _f("send_queue_cur", "Send Queue, Cur"),
    _f("request_queue_max", "Request Queue, Max"),
    _f("request_queue_max2", "Request Queue, Max2"),
    _f("request_queue_cur", "Request Queue, Cur"),
    _f("mdc_hb_time_max", "MDC HB Time, Max"),
    _f("mdc_hb_time_max2", "MDC HB Time, Max2"),
    _f("mdc_hb_time_cur", "MDC HB Time, Cur"),
    _f(
        "local_write_waiting_recovery_read_time_total",
        "Local-Write Watiting Recovery-Read Time, Total",
        "Local-Write Waiting Recovery-Read Time, Total",
    ),
    _f(
        "local_write_waiting_recovery_read_time_total2",
        "Local-Write Watiting Recovery-Read Time, Total2",
        "Local-Write Waiting Recovery-Read Time, Total2",
    ),
    _f("recovery_read_waiting_local_write_time_total", "Recovery-Read Waiting Local-Write Time, Total"),
    _f("recovery_read_waiting_local_write_time_total2", "Recovery-Read Waiting Local-Write Time, Total2"),
    _f("unmount_time_max", "Unmount Time, Max"),
    _f("unmount_time_last", "Unmount Time, Last"),
    _f("fsck_time_max", "Fsck Time, Max"),
    _f("fsck_time_last", "Fsck Time, Last"),
)

SCHEMA = pl.Schema(
    {
        "time": DATETIME,
        "mirror": pl.String,
        **{f.name: f.dtype for f in FIELDS[1:]},
        **META_SCHEMA,
    }
)

#: The header as the guide spells it (the vendor exporter's order) and two samples.
SAMPLE = (
    '"Date","Write, Total","Write, Avg","Read, Total","Read, Avg","Local Disk Write, Total",'
    '"Local Disk Write, Avg","Local Disk Read, Total","Local Disk Read, Avg","Send, Total",'
    '"Send, Avg","Compress Ratio","Sync Time, Max","Sync Time, Avg","Sync Ack Time, Max",'
    '"Sync Ack Time, Cur","Recovery Ack Time, Max","Recovery Ack Time, Max2",'
    '"Recovery Ack Time, Cur","Sync Diff, Max","Sync Diff, Cur","Send Queue, Max","Send Queue, Max2",'
    '"Send Queue, Cur","Request Queue, Max","Request Queue, Max2","Request Queue, Cur",'
    '"MDC HB Time, Max","MDC HB Time, Max2","MDC HB Time, Cur",'
    '"Local-Write Watiting Recovery-Read Time, Total",'
    '"Local-Write Watiting Recovery-Read Time, Total2",'
    '"Recovery-Read Waiting Local-Write Time, Total",'
    '"Recovery-Read Waiting Local-Write Time, Total2","Unmount Time, Max","Unmount Time, Last",'
    '"Fsck Time, Max","Fsck Time, Last"\n'
    '"2024/05/01 10:00:00","1048576","17476.26","0","0","1048576","17476.26","0","0","1052672",'
    '"17544.53","100","0.01","0","1.25","0.5","0","0","0","4096","0","1","1","0","3","1","0","0.01",'
    '"0.01","0","0","0","0","0","0.2","0.2","1.5","1.5"\n'
    '"2024/05/01 10:01:00","9437184","139810.13","0","0","9437184","139810.13","0","0","9445376",'
    '"139946.66","100","0.02","0.01","3.5","2.75","0","0","0","65536","8192","2","2","2","5","5","1",'
    '"0.01","0.01","0","0","0","0","0","0.2","0.2","1.5","1.5"\n'
)

_MIRROR = re.compile(r"nmp\d+", re.IGNORECASE)


def mirror_name(source: str) -> str | None:
    """``nmpN`` from a file name (``perf/disk/nmp2.pre1`` → ``nmp2``), None when absent."""
    m = _MIRROR.match(os.path.basename(source.replace("\\", "/")))
    return m.group(0).lower() if m else None


def scan(data: bytes | str, *, source: str = "<sample>", server: str | None = None) -> Parsed:
    """The file's frame (see :func:`parse`) with its line count and skipped lines (blank, repeated header)."""
    return scan_csv(data, FIELDS, SCHEMA, source=source, server=server, constants={"mirror": mirror_name(source)})


def parse(data: bytes | str, *, source: str = "<sample>", server: str | None = None) -> pl.DataFrame:
    """One mirror statistics file as a frame of :data:`SCHEMA` (plus any unknown columns)."""
    return scan(data, source=source, server=server).frame

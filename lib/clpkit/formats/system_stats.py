"""System resource statistics: ``system.cur``, ``system.pre`` (SPEC 3.3).

Where: ``log/system/`` under the install root. Written when the cluster
collects system resource information (or runs a system monitor or process
resource monitor), one row every 60 s, rotated at 16 MB, two generations.

The guide names the fields and their units but publishes neither the header
line nor the name of the time column. So every column is found by name
(``CPUUtilization``, ``cpu_utilization`` and ``CPU Utilization`` all match),
the time column by one of several names or, failing that, as the first
unnamed column whose values read as timestamps; columns not listed here are
kept as strings. Numbers are Float64 because the file's number format is
not published either (integers and decimals both load).

Columns and units:

=================================================================  ==========================
``time``                                                           sample time (server local)
``cpu_count``                                                      CPUs
``cpu_utilization``                                                %
``cpu_total``, ``cpu_user``, ``cpu_nice``, ``cpu_system``,         units of 10 ms (cumulative
``cpu_idle``, ``cpu_io_wait``, ``cpu_intr``, ``cpu_soft_intr``,    CPU time, as in /proc/stat)
``cpu_steal``
``memory_total_size``, ``memory_current_size``,                    bytes
``memory_buf_size``, ``memory_cached``, ``memory_mem_free``,
``memory_dirty``, ``memory_active_file``,
``memory_inactive_file``, ``memory_shmem``
``swap_total_size``, ``swap_current_size``                         bytes
``thread_limit_size``, ``thread_current_size``                     threads
``file_limit_size``, ``file_current_size``                         open files
``file_limit_inode``, ``file_current_inode``                       inodes
``process_current_count``                                          processes
=================================================================  ==========================

>>> df = parse(SAMPLE, source="log/system/system.cur", server="sv1")
>>> df.select("time", "cpu_utilization", "memory_current_size").rows()
[(datetime.datetime(2024, 5, 1, 10, 0), 12.5, 1073741824.0), (datetime.datetime(2024, 5, 1, 10, 1), 40.0, 1181116006.0)]
>>> df.schema == SCHEMA
True
"""

from __future__ import annotations

import polars as pl

from clpkit.formats import META_SCHEMA, Parsed
from clpkit.formats._csv import DATETIME, Field, scan as scan_csv

KIND = "system_stats"


def _f(name: str, header: str) -> Field:
    return Field(name, pl.Float64, (header,))


FIELDS: tuple[Field, ...] = (
    Field("time", DATETIME, ("Date", "Time", "DateTime", "Date Time", "Timestamp", "Sample Time", "")),
    _f("cpu_count", "CPUCount"),
    _f("cpu_utilization", "CPUUtilization"),
    _f("cpu_total", "CPUTotal"),
    _f("cpu_user", "CPUUser"),
    _f("cpu_nice", "CPUNice"),
    _f("cpu_system", "CPUSystem"),
    _f("cpu_idle", "CPUIdle"),
    _f("cpu_io_wait", "CPUIOWait"),
    _f("cpu_intr", "CPUIntr"),
    _f("cpu_soft_intr", "CPUSoftIntr"),
    _f("cpu_steal", "CPUSteal"),
    _f("memory_total_size", "MemoryTotalSize"),
    _f("memory_current_size", "MemoryCurrentSize"),
    _f("memory_buf_size", "MemoryBufSize"),
    _f("memory_cached", "MemoryCached"),
    _f("memory_mem_free", "MemoryMemFree"),
    _f("memory_dirty", "MemoryDirty"),
    _f("memory_active_file", "MemoryActive(file)"),
    _f("memory_inactive_file", "MemoryInactive(file)"),
    _f("memory_shmem", "MemoryShmem"),
    _f("swap_total_size", "SwapTotalSize"),
    _f("swap_current_size", "SwapCurrentSize"),
    _f("thread_limit_size", "ThreadLimitSize"),
    _f("thread_current_size", "ThreadCurrentSize"),
    _f("file_limit_size", "FileLimitSize"),
    _f("file_current_size", "FileCurrentSize"),
    _f("file_limit_inode", "FileLimitinode"),
    _f("file_current_inode", "FileCurrentinode"),
    _f("process_current_count", "ProcessCurrentCount"),
)

SCHEMA = pl.Schema({**{f.name: f.dtype for f in FIELDS}, **META_SCHEMA})

#: An assumed layout (the real one is unpublished): a time column, then the guide's field names.
SAMPLE = (
    '"Date","CPUCount","CPUUtilization","CPUTotal","CPUUser","CPUNice","CPUSystem","CPUIdle",'
    '"CPUIOWait","CPUIntr","CPUSoftIntr","CPUSteal","MemoryTotalSize","MemoryCurrentSize",'
    '"MemoryBufSize","MemoryCached","MemoryMemFree","MemoryDirty","MemoryActive(file)",'
    '"MemoryInactive(file)","MemoryShmem","SwapTotalSize","SwapCurrentSize","ThreadLimitSize",'
    '"ThreadCurrentSize","FileLimitSize","FileCurrentSize","FileLimitinode","FileCurrentinode",'
    '"ProcessCurrentCount"\n'
    '"2024/05/01 10:00:00","4","12.5","2400","210","0","60","2100","20","5","3","2","8589934592",'
    '"1073741824","104857600","2147483648","5368709120","1048576","1073741824","536870912",'
    '"16777216","2147483648","0","63704","412","9223372036854775807","1504","524288","61234","187"\n'
    '"2024/05/01 10:01:00","4","40","2400","780","0","180","1380","50","6","4","0","8589934592",'
    '"1181116006","104857600","2147483648","5261334938","2097152","1073741824","536870912",'
    '"16777216","2147483648","0","63704","430","9223372036854775807","1530","524288","61240","191"\n'
)


def scan(data: bytes | str, *, source: str = "<sample>", server: str | None = None) -> Parsed:
    """The file's frame (see :func:`parse`) with its line count and skipped lines (blank, repeated header)."""
    return scan_csv(data, FIELDS, SCHEMA, source=source, server=server)


def parse(data: bytes | str, *, source: str = "<sample>", server: str | None = None) -> pl.DataFrame:
    """One system resource statistics file as a frame of :data:`SCHEMA` (plus unknown columns)."""
    return scan(data, source=source, server=server).frame

"""clp.conf hostile-input benchmark: big and odd configurations load fast, in bounded memory.

Each case runs ``clpkit config FILE --json`` in a fresh process and prints its
wall time, peak RSS and outcome (exit status, first line of stderr):

- ``monitors``: a cluster with 25,000 monitors (about 10 MB; target: seconds);
- ``nested``: 0.7 MB of nested elements (target: one clear refusal, no memory
  growth with the square of the depth);
- ``rot13``: a prolog declaring a non-text codec (target: one error line).

Run: ``.venv/bin/python benchmarks/clp_conf.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def many_monitors(count: int) -> bytes:
    parts = ['<?xml version="1.0" encoding="ASCII"?>\n<root>\n<cluster><name>big</name></cluster>\n',
             '<server name="sv1"><priority>0</priority></server>\n<monitor>\n<types name="genw"/>\n']
    for i in range(count):
        parts.append(
            f'<genw name="genw{i}"><polling><interval>60</interval><timeout>120</timeout></polling>'
            f"<parameters><path>genw{i}.sh</path></parameters><relation><type>grp</type>"
            f"<name>failover1</name></relation></genw>\n"
        )
    parts.append("</monitor>\n</root>\n")
    return "".join(parts).encode()


def nested(size: int) -> bytes:
    depth = size // 7
    return b"<root>" + b"<a>" * depth + b"x" + b"</a>" * depth + b"</root>"


def run(path: Path) -> tuple[float, float, int, str]:
    """Wall seconds, peak RSS of the child (MiB), exit status, first stderr line."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as err:
        child = subprocess.Popen([sys.executable, "-m", "clpkit", "config", str(path), "--json"],
                                 stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        err.seek(0)
        first = (err.read().decode(errors="replace").strip().splitlines() or [""])[0]
    return wall, usage.ru_maxrss / 1024, child.returncode, first[:120]


def main() -> None:
    cases = {
        "monitors": many_monitors(25_000),
        "nested": nested(700_000),
        "rot13": b'<?xml version="1.0" encoding="rot13"?>\n<ebbg/>\n',
    }
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'case':<10} {'MB':>6} {'seconds':>8} {'peak MiB':>9} exit  stderr")
        for name, data in cases.items():
            path = Path(tmp) / f"{name}.clp.conf"
            path.write_bytes(data)
            wall, peak, code, err = run(path)
            print(f"{name:<10} {len(data) / 1e6:>6.2f} {wall:>8.2f} {peak:>9.0f} {code:>4}  {err}")


if __name__ == "__main__":
    main()

"""SIGTERM as an ordinary exit, so that temporary folders and files are removed.

Python ends on SIGTERM without running ``finally`` blocks or context
managers: the archives a bundle extracted, a half-written part, a report
run's temporary folder would stay behind. Raising ``SystemExit`` instead
unwinds them; the exit status is the usual 128 + 15.
"""

from __future__ import annotations

import signal
import sys


def exit_cleanly_on_sigterm() -> None:
    """Install the handler (main thread only; elsewhere the default stays)."""

    def _exit(signum, frame):
        print("clpkit: terminated (SIGTERM); temporary files removed", file=sys.stderr)
        raise SystemExit(128 + signum)

    try:
        signal.signal(signal.SIGTERM, _exit)
    except ValueError:  # not the main thread (an embedding application): leave its handling alone
        pass

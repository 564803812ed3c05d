"""A simulated CLUSTERPRO cluster, for tests and for ``clpkit runbook rehearse``.

It is a simulator and says so: every fake command answers ``--version`` with
:data:`clpsim.BANNER`, and never touches the real system, only its own state
directory. :mod:`clpkit.simulator.clpsim` imports only the standard library,
because its commands run under ``python -S``.
"""

from clpkit.simulator.clpsim import (BANNER, COMMANDS, add_server, calls, fail_next, install, install_files, power_on,
                                     remove_server, update_server)

__all__ = ["BANNER", "COMMANDS", "add_server", "calls", "fail_next", "install", "install_files", "power_on", "remove_server",
           "update_server"]

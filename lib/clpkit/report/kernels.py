"""Report kernels that run several notebooks each, started once per run.

A kernel costs about half a second to start and as much again to import
polars, altair and clpkit; six reports in six fresh kernels spent most of
a small run on that. A :class:`KernelPool` starts ``jobs`` kernels as the
run begins (they import the libraries while the runner prepares the
dataset), hands each notebook a free one, and clears the last notebook's
names (``%reset -f`` and a garbage collection) before the next one runs in
it, so a report still sees only its own variables (the last notebook of a
kernel is not cleared up after: the kernel stops). A kernel that died (a
crash, memory) is replaced before its next notebook. Like nbclient's own
kernels, ours keep their IPython history in memory: not one SQLite write
per cell into the user's history file, which every kernel shares.
"""

from __future__ import annotations

import queue
import threading
import time
from queue import Empty
from contextlib import contextmanager
from pathlib import Path

from jupyter_client import AsyncKernelManager, BlockingKernelClient
from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.log import logger
from nbclient.util import ensure_async, run_hook

ENGINE = "clpkit-shared-kernel"
#: Imported once per kernel while the runner prepares the run; later notebooks find them loaded. altair's
#: debug mode (each schema object validated as it is made) is off in these kernels: the tests validate every
#: chart of every report (``tests/reports/test_report_run.py``), and it cost a tenth of a chart page's time.
WARM_UP = ("import clpkit.report, clpkit.charts, clpkit.report.page, clpkit.report.figures, polars, altair\n"
           "altair.utils.schemapi.disable_debug_mode()")
RESET = "get_ipython().run_line_magic('reset', '-f')\nimport gc as _gc\n_gc.collect()\ndel _gc"
#: As nbclient starts its kernels (its ``ipython_hist_file``).
KERNEL_ARGS = ["--HistoryManager.hist_file=:memory:"]
TIMEOUT_S = 120


async def _ready(kc, timeout: float) -> None:
    """Wait until the kernel answers ``kernel_info`` and its IOPub reaches ``kc`` (jupyter_client's wait_for_ready
    without its closing 0.2 s IOPub flush: nbclient ignores messages of other requests anyway)."""
    deadline = time.monotonic() + timeout
    while True:
        kc.kernel_info()
        try:
            reply = await ensure_async(kc.shell_channel.get_msg(timeout=1))
        except Empty:
            reply = None
        if reply is not None and reply["msg_type"] == "kernel_info_reply":
            try:
                await ensure_async(kc.iopub_channel.get_msg(timeout=0.2))
            except Empty:
                pass  # IOPub not connected yet: ask again
            else:
                kc._handle_kernel_info_reply(reply)
                return
        if not await ensure_async(kc.is_alive()):
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")


class _Client(PapermillNotebookClient):
    """papermill's client, ready as soon as the (already started) kernel answers."""

    async def async_start_new_kernel_client(self):
        self.kc = self.km.client()
        await ensure_async(self.kc.start_channels())
        try:
            await _ready(self.kc, self.startup_timeout)
        except Exception:
            self.kc.stop_channels()
            self.kc = None
            raise
        self.kc.allow_stdin = False
        await run_hook(self.on_notebook_start, notebook=self.nb)
        return self.kc

    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def papermill_execute_cells(self):
        """The notebook's cells, in a kernel cleared of the notebook it ran before (if any)."""
        if getattr(self.km, "clpkit_used", False):
            self.wait_for_reply(self.kc.execute(RESET, store_history=False))
        self.km.clpkit_used = True
        super().papermill_execute_cells()


class _SharedKernelEngine(NBClientEngine):
    """papermill's engine on a kernel it does not own: it neither starts nor stops it."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, km=None, start_timeout=60, **kwargs):
        client = _Client(nb_man, km=km, kernel_name=kernel_name, log=logger, startup_timeout=start_timeout)
        try:
            return client.execute()  # the next notebook in this kernel clears its names first
        finally:
            if client.kc is not None:
                client.kc.stop_channels()


papermill_engines.register(ENGINE, _SharedKernelEngine)


class _Kernel:
    def __init__(self, cwd: Path, manager: type[AsyncKernelManager]):
        self.km = manager(kernel_name="python3")
        run_sync(self.km.start_kernel)(cwd=str(cwd), extra_arguments=KERNEL_ARGS)

    def warm_up(self) -> None:
        """Queue the imports; the notebook's own client waits for the kernel behind them."""
        kc = BlockingKernelClient()  # its own session: replies to the manager's clients never come here
        kc.load_connection_info(self.km.get_connection_info())
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=TIMEOUT_S)
            kc.execute(WARM_UP, store_history=False)
        except RuntimeError:  # died while starting: the pool replaces it before its first notebook
            pass
        finally:
            kc.stop_channels()

    def alive(self) -> bool:
        return run_sync(self.km.is_alive)()

    def close(self) -> None:
        if self.km.has_kernel:
            run_sync(self.km.shutdown_kernel)(now=True)


class KernelPool:
    """``size`` kernels (of the ``manager`` class) working in ``cwd``; :meth:`kernel` lends one to a notebook."""

    def __init__(self, size: int, cwd: Path, manager: type[AsyncKernelManager] = AsyncKernelManager):
        self.cwd, self.manager = cwd, manager
        self.started = [_Kernel(cwd, manager) for _ in range(max(1, size))]
        self.free: queue.Queue[_Kernel] = queue.Queue()
        for k in self.started:
            self.free.put(k)
        # In the background: the runner prepares the bundle meanwhile.
        self._warming = [threading.Thread(target=k.warm_up, daemon=True) for k in self.started]
        for thread in self._warming:
            thread.start()

    @contextmanager
    def kernel(self):
        """A live kernel with an empty namespace, for one notebook; it goes back to the pool after."""
        for thread in self._warming:
            thread.join()
        k = self.free.get()
        try:
            if not k.alive():
                k.close()
                k = self._replace(k)
            yield k.km  # the engine clears the namespace after the notebook
        finally:
            self.free.put(k)

    def _replace(self, old: _Kernel) -> _Kernel:
        new = _Kernel(self.cwd, self.manager)
        self.started[self.started.index(old)] = new
        return new

    def close(self) -> None:
        """Stop every kernel, all at once (each stop waits a moment for its process to end)."""
        stopping = [threading.Thread(target=k.close) for k in self.started]
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()

"""The kernels a report run's notebooks execute in: this environment's, reporting each cell.

papermill starts a kernel per notebook. Here it is always this interpreter's ipykernel
(whatever ``python3`` kernelspec the machine has), started with the environment the
notebooks need (Django settings, offline plotly, the project importable), and run by
an engine that tells :class:`workbench.report.progress.Progress` when each code cell
starts and ends.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import zmq
from jupyter_client.manager import AsyncKernelManager
from papermill.engines import NBClientEngine, papermill_engines
from traitlets import default

from workbench.paths import PROJECT_ROOT

if TYPE_CHECKING:
    from workbench.report.progress import Progress

KERNEL_NAME = "python3"
ENGINE_NAME = "workbench"
START_TIMEOUT = 120
KERNEL_LOG = "kernel.log"


class VenvKernelManager(AsyncKernelManager):
    """Start ipykernel with this interpreter, whatever ``python3`` resolves to on the machine.

    A kernelspec named python3 in the user's or the system's Jupyter folders may point at
    another Python, which lacks Django or the project: the notebooks must run in the
    environment the workbench runs in. Transport encryption is used where the kernel
    supports it, which also keeps ipykernel from warning on every start.
    """

    @default("transport_encryption")
    def _encrypt_when_possible(self) -> str:
        return "auto" if zmq.has("curve") else "disabled"

    def _is_ipykernel(self) -> bool:
        argv = self.kernel_spec.argv if self.kernel_spec else []
        return any(part.startswith("ipykernel") for part in argv[1:3])

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        if self._is_ipykernel():
            cmd[0] = sys.executable
        return cmd

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        # The kernel's own log (its stderr, not the cells' output) goes to kernel.log in the
        # run folder (papermill runs in it): a kernel shut down mid-message after Ctrl-C
        # would otherwise print a traceback over the one-line message.
        with open(Path(os.getcwd()) / KERNEL_LOG, "ab") as log:
            kw["stderr"] = log
            await super()._async_launch_kernel(kernel_cmd, **kw)

    def _kernel_supports_curve_encryption(self) -> bool:
        # The kernel is this environment's ipykernel, which supports it, whatever the
        # (possibly foreign) kernelspec's metadata says.
        return self._is_ipykernel() or super()._kernel_supports_curve_encryption()


class ProgressEngine(NBClientEngine):
    """papermill's nbclient engine, telling a listener when each code cell starts and ends."""

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, progress=None, **kwargs):
        if progress is not None:
            _listen(nb_man, progress)
        return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)


def _listen(nb_man, progress: Progress) -> None:
    code = [
        i
        for i, c in enumerate(nb_man.nb.cells)
        if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])
    ]
    ordinal = {index: n for n, index in enumerate(code, start=1)}
    start, complete = nb_man.cell_start, nb_man.cell_complete

    def cell_start(cell, cell_index=None, **kw):
        start(cell, cell_index, **kw)
        if cell_index in ordinal:
            progress.cell_start(ordinal[cell_index], len(code))

    def cell_complete(cell, cell_index=None, **kw):
        complete(cell, cell_index, **kw)
        if cell_index in ordinal:
            failed = cell.metadata.get("papermill", {}).get("status") == "failed"
            progress.cell_done(ordinal[cell_index], len(code), failed)

    nb_man.cell_start, nb_man.cell_complete = cell_start, cell_complete


papermill_engines.register(ENGINE_NAME, ProgressEngine)


@contextlib.contextmanager
def kernel_environment() -> Iterator[None]:
    """What each kernel inherits: Django settings, offline plotly, the project importable.

    ``WORKBENCH_PLOTLYJS`` tells the notebooks' charts to reference the run folder's
    ``plotly.min.js`` instead of embedding plotly.js in every notebook.
    """
    wanted = {
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "marketplace.settings"),
        "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
        "PLOTLY_RENDERER": "notebook",
        # pages reference the run folder's one plotly.js (workbench.report.plotting)
        "WORKBENCH_PLOTLYJS": "plotly.min.js",
        # ipykernel's debugger warns about frozen modules on every start otherwise
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p
        ),
    }
    saved = {key: os.environ.get(key) for key in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value

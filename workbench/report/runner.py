"""Running the report's notebooks headlessly with papermill, with progress and clear failures.

``workbench report`` is a scheduled job as much as a command: it has to say where
it is while it runs (which notebook, cells done, time spent), stop at the first
failing notebook naming the notebook, the cell and the error, and still leave
behind everything a person needs to see what happened: the partial executed
notebook (papermill writes it with the traceback) rendered to HTML like the rest.

Parameters are checked beforehand in :mod:`workbench.report.params`; HTML and the
index page come from :mod:`workbench.report.html`.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import nbformat
import zmq
from jupyter_client.manager import AsyncKernelManager
from papermill.engines import NBClientEngine, papermill_engines
from traitlets import default

from workbench.env.urls import redact
from workbench.paths import PROJECT_ROOT
from workbench.report import html as render
from workbench.report import summary as summary_schema
from workbench.report.params import NotebookSpec, RunPlan

KERNEL_NAME = "python3"
START_TIMEOUT = 120


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


papermill_engines.register("workbench", ProgressEngine)


@dataclass
class NotebookResult:
    name: str
    status: str = "pending"  # ok, failed, skipped
    seconds: float = 0.0
    cells_done: int = 0
    cells_total: int = 0
    output: Path | None = None
    html: Path | None = None
    error: str | None = None


@dataclass
class RunResult:
    plan: RunPlan
    notebooks: list[NotebookResult] = field(default_factory=list)
    summary: dict[str, Any] | None = None
    problem: str | None = None  # the first thing that went wrong, one line
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.problem is None


# --------------------------------------------------------------------------- progress


class Progress:
    """One redrawn status line on a terminal, plain lines in a log (cron, CI, a pipe)."""

    def __init__(self, stream: TextIO | None = None, tty: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self.label, self.cell, self.done, self.total, self.started = "", 0, 0, 0, 0.0

    def _emit(self, text: str, final: bool = False) -> None:
        if self.tty:
            self.stream.write("\r\x1b[K" + text + ("\n" if final else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def _status(self) -> str:
        elapsed = time.monotonic() - self.started
        return f"{self.label}  {self.done}/{self.total} cells done  {elapsed:.1f}s"

    def _tick(self) -> None:
        while not self._stop.wait(0.5):
            with self._lock:
                self._emit(self._status())

    def notebook_start(self, position: int, count: int, name: str, cells: int) -> None:
        with self._lock:
            self.label, self.cell, self.done = f"[{position}/{count}] {name}", 0, 0
            self.total = cells
            self.started = time.monotonic()
            self._emit(self._status() if self.tty else f"{self.label}: running ({cells} cells)")
        if self.tty and self._ticker is None:
            self._stop.clear()
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()

    def cell_start(self, ordinal: int, total: int) -> None:
        with self._lock:
            self.cell, self.total = ordinal, total
            if self.tty:
                self._emit(self._status())

    def cell_done(self, ordinal: int, total: int, failed: bool = False) -> None:
        with self._lock:
            if not failed:
                self.done = ordinal
            if self.tty:
                self._emit(self._status())
            else:
                elapsed = time.monotonic() - self.started
                state = "failed" if failed else "done"
                self._emit(f"{self.label}: cell {ordinal}/{total} {state} ({elapsed:.1f}s)")

    def notebook_done(self, result: NotebookResult) -> None:
        self._stop_ticker()
        with self._lock:
            verdict = "ok" if result.status == "ok" else "FAILED"
            self._emit(f"{self.label}: {verdict} in {result.seconds:.1f}s", final=True)

    def _stop_ticker(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None


# --------------------------------------------------------------------------- running


@contextlib.contextmanager
def kernel_environment() -> Iterator[None]:
    """What each kernel inherits: Django settings, offline plotly, the project importable."""
    wanted = {
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "marketplace.settings"),
        "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
        "PLOTLY_RENDERER": "notebook",
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


def _first_line(source: str) -> str:
    line = next((ln.strip() for ln in source.splitlines() if ln.strip()), "")
    return line if len(line) <= 80 else line[:77] + "..."


def describe_failure(output: Path, exc: BaseException) -> str:
    """``cell 3 (In [3]) `raise ValueError("x")`: ValueError: x`` from the saved notebook.

    The cell number counts the source notebook's code cells (papermill's injected
    cell excluded), the way a reader of the notebook counts them.
    """
    error_line = _error_line(exc)
    try:
        nb = nbformat.read(output, as_version=4)
    except Exception:
        return error_line
    n = 0
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type != "code" or "injected-parameters" in tags:
            continue
        n += 1
        status = cell.metadata.get("papermill", {}).get("status")
        if status in ("failed", "running"):
            count = f"In [{cell.execution_count}]" if cell.execution_count else "not finished"
            return f"cell {n} ({count}) `{_first_line(cell.source)}`: {error_line}"
    return error_line


def _error_line(exc: BaseException) -> str:
    ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
    if ename:
        return f"{ename}: {evalue}" if evalue else ename
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def _code_cells(path: Path) -> int:
    nb = nbformat.read(path, as_version=4)
    return sum(1 for c in nb.cells if c.cell_type == "code")


def run_notebook(
    spec: NotebookSpec, plan: RunPlan, progress: Progress, position: int
) -> NotebookResult:
    import papermill as pm

    result = NotebookResult(spec.name, output=plan.out_dir / f"{spec.name}.ipynb")
    params = plan.parameters_for(spec)
    result.cells_total = _code_cells(spec.path)
    progress.notebook_start(position, len(plan.notebooks), spec.name, result.cells_total)
    started = time.monotonic()
    try:
        pm.execute_notebook(
            spec.path,
            result.output,
            parameters=params,
            engine_name="workbench",
            kernel_name=KERNEL_NAME,
            language="python",
            progress_bar=False,
            cwd=plan.out_dir,
            start_timeout=START_TIMEOUT,
            execution_timeout=plan.execution_timeout,
            kernel_manager_class=VenvKernelManager,
            progress=progress,
        )
        result.status = "ok"
    except Exception as exc:  # a cell error, a timeout, a dead kernel: all end the run
        result.status = "failed"
        detail = (
            describe_failure(result.output, exc) if result.output.exists() else _error_line(exc)
        )
        result.error = redact(f"notebook {spec.name} failed at {detail}")
    result.seconds = time.monotonic() - started
    result.cells_done = progress.done
    progress.notebook_done(result)
    return result


def _update_latest(out_dir: Path) -> None:
    """Point ``reports/latest`` at this run, atomically, so a reader never finds it missing."""
    link = out_dir.parent / "latest"
    tmp = out_dir.parent / f".latest.{os.getpid()}"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(out_dir.name)
    os.replace(tmp, link)


def _load_summary(result: RunResult) -> None:
    path = result.plan.out_dir / "summary.json"
    writer = next((n for n in result.notebooks if n.name.endswith("report")), None)
    if not path.exists():
        if writer is not None:
            result.problem = f"notebook {writer.name} ran but wrote no summary.json"
        return
    try:
        result.summary = dict(summary_schema.load(path))
    except summary_schema.SummaryError as exc:
        result.problem = str(exc)


def run(plan: RunPlan, progress: Progress | None = None) -> RunResult:
    """Run the planned notebooks in order, render them, and write index.html."""
    progress = progress or Progress()
    plan.out_dir.mkdir(parents=True, exist_ok=True)
    if plan.update_latest:
        _update_latest(plan.out_dir)
    # For the notebooks: 06_report records when the run began and what it was asked for.
    run_info = {
        "started_at": summary_schema.now(),
        "parameters": plan.values,
        "notebooks": [spec.name for spec in plan.notebooks],
    }
    (plan.out_dir / "run.json").write_text(json.dumps(run_info, indent=2) + "\n")
    result = RunResult(plan)
    started = time.monotonic()
    with kernel_environment():
        for position, spec in enumerate(plan.notebooks, start=1):
            if result.problem:
                result.notebooks.append(NotebookResult(spec.name, status="skipped"))
                continue
            nb_result = run_notebook(spec, plan, progress, position)
            result.notebooks.append(nb_result)
            if nb_result.error:
                result.problem = nb_result.error
    if result.ok:
        _load_summary(result)
    for nb_result in result.notebooks:
        if nb_result.output is not None and nb_result.output.exists():
            nb_result.html = render.notebook_to_html(nb_result.output)
    result.seconds = time.monotonic() - started
    render.write_index(result)
    return result

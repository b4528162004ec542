"""Running the report's notebooks headlessly with papermill, with progress and clear failures.

``workbench report`` is a scheduled job as much as a command: it has to say where
it is while it runs (which notebook, cells done, time spent), stop at the first
failing notebook naming the notebook, the cell and the error, and still leave
behind everything a person needs to see what happened: the partial executed
notebook (papermill writes it with the traceback) rendered to HTML like the rest.

Parameters are checked beforehand (:mod:`workbench.report.run_plan`); the kernels
come from :mod:`workbench.report.kernel`, the progress display from
:mod:`workbench.report.progress`, HTML from :mod:`workbench.report.html`, the front page
from :mod:`workbench.report.front`, the index across runs and pruning from
:mod:`workbench.report.runs`.

A run folder is light and shareable: plotly.js is written into it once and referenced by
every page (:mod:`workbench.report.plotting`), and the notebooks get ``results_dir`` as
``.`` (they run in the run folder), so no page or notebook names a path of the machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path

import nbformat

from marketplace.dsn import redact
from workbench.paths import PROJECT_ROOT
from workbench.report import html as render
from workbench.report import interrupt, runs, timings
from workbench.report import summary as summary_schema
from workbench.report.discovery import NotebookSpec
from workbench.report.environment import now
from workbench.report.kernel import (
    ENGINE_NAME,
    KERNEL_NAME,
    START_TIMEOUT,
    VenvKernelManager,
    kernel_environment,
)
from workbench.report.plotting import write_plotlyjs
from workbench.report.progress import Progress
from workbench.report.result import NotebookResult, RunResult
from workbench.report.run_plan import RunPlan
from workbench.report.slim import compact_measurements, dedupe_plans


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
            return f"cell {n} ({count}) `{timings.first_line(cell.source)}`: {error_line}"
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
    if "results_dir" in params:  # papermill runs the kernel in the run folder
        params["results_dir"] = "."
    result.cells_total = _code_cells(spec.path)
    progress.notebook_start(position, len(plan.notebooks), spec.name, result.cells_total)
    started = time.monotonic()
    try:
        pm.execute_notebook(
            spec.path,
            result.output,
            parameters=params,
            engine_name=ENGINE_NAME,
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
    except KeyboardInterrupt:  # Ctrl-C or a scheduler's SIGINT: leave an honest partial notebook
        interrupt.mark_interrupted(result.output)
        raise
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


def shareable(text: str, out_dir: Path) -> str:
    """``text`` with the run folder's and the clone's absolute paths made relative.

    The executed notebooks are shared with the pages: papermill records where it read and
    wrote them, and a warning or a traceback names files of the clone; neither path says
    anything to a reader on another machine.
    """
    for folder in (out_dir.resolve(), PROJECT_ROOT.resolve()):  # the run folder may be inside
        text = text.replace(f"{folder}/", "").replace(str(folder), ".")
    return text


def _share(output: Path, out_dir: Path) -> None:
    """The executed notebook without the machine's paths, and without indentation (a fifth
    of its size: the run folder is shared); Jupyter reads it the same."""
    if not output.exists():
        return
    text = output.read_text(encoding="utf-8")
    shared = shareable(text, out_dir)
    with contextlib.suppress(ValueError):  # a partial notebook stays as papermill left it
        shared = json.dumps(json.loads(shared), separators=(",", ":"), ensure_ascii=False)
    if shared != text:
        output.write_text(shared + "\n", encoding="utf-8")


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


def run(plan: RunPlan, progress: Progress | None = None, keep: int | None = None) -> RunResult:
    """Run the planned notebooks in order, render them, and write index.html.

    Then the index across runs in the folder holding this run is refreshed, after
    removing all but the newest ``keep`` run folders when asked (:mod:`workbench.report.runs`).
    """
    progress = progress or Progress()
    plan.out_dir.mkdir(parents=True, exist_ok=True)
    if plan.update_latest:
        _update_latest(plan.out_dir)
    # For the notebooks: 06_report records when the run began and what it was asked for;
    # `made_by` marks the folder as a run folder (the only kind --keep ever removes).
    run_info = {
        "made_by": runs.MADE_BY,
        "started_at": now(),
        "parameters": plan.values,
        "notebooks": [spec.name for spec in plan.notebooks],
    }
    (plan.out_dir / runs.RUN_FILE).write_text(json.dumps(run_info, indent=2) + "\n")
    write_plotlyjs(plan.out_dir)
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
    rendering = time.monotonic()
    for nb_result in result.notebooks:
        if nb_result.output is not None and nb_result.output.exists():
            _share(nb_result.output, plan.out_dir)
            nb_result.html = render.notebook_to_html(nb_result.output, shared_css=True)
    compact_measurements(plan.out_dir)
    dedupe_plans(plan.out_dir)
    result.seconds = time.monotonic() - started
    spent = timings.record(result.notebooks, result.seconds, time.monotonic() - rendering)
    timings.write(plan.out_dir, spent)
    render.write_index(result)
    if keep is not None:
        result.pruned = runs.prune(plan.out_dir.parent, keep, current=plan.out_dir)
    runs.write_index(plan.out_dir.parent)
    return result

"""What every workbench notebook runs right after its ``parameters`` cell.

    from workbench.report.notebook import bootstrap
    bootstrap()

One call, so that no notebook carries its own copy of the set-up, and so that a
notebook is as safe run on its own (the plain ``papermill`` CLI, cron, JupyterLab) as
under ``workbench report``:

* Django's ORM refuses to run in a thread with an event loop (the kernel's), unless
  ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set: ``django_env.setup()`` does it.
* The parameters are checked and converted the way ``workbench report`` checks them
  (``workbench.report.injected``): an unknown or mistyped parameter papermill injected
  fails here in one line, and ``-p scenarios job_list,wallet`` becomes a list.
* The data must be what the parameters say: a notebook declaring ``scale`` (and
  ``seed``) refuses data seeded at another scale, naming both, or reseeds it when
  ``reseed`` is true (``workbench.report.seeded``); ``01_seed`` passes
  ``check_data=False``, since it seeds.
* Results go to ``results_dir``, else ``WORKBENCH_RESULTS_DIR`` (``workbench lab`` and the
  test sessions set it), else the folder of papermill's output notebook when it was
  injected (``--inject-output-path``), else the current directory; it is written
  relative to the current directory when inside it, so pages show no path of the machine.
* Plotly charts carry their JSON (for JupyterLab) and HTML that draws offline, with
  plotly.js referenced once per run folder or embedded once per notebook
  (``workbench.report.plotting``).
* ``nbconvert --no-input`` hides papermill's injected-parameters cell, so a reader of
  the HTML would not know which scale or seed produced the numbers: the parameters
  (and the database, named without its password or socket path) are displayed here.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from marketplace.dsn import redact
from workbench.env import django_env
from workbench.errors import WorkbenchError
from workbench.report import injected, seeded
from workbench.report.plotting import use_report_plotly

_NOT_PARAMETERS = {"In", "Out", "exit", "quit", "get_ipython", "open"}
_LITERAL_TYPES = (str, int, float, bool, list, tuple, dict, type(None))


class NotebookRefused(WorkbenchError):
    """Why a notebook will not run, shown by IPython as this one line (no traceback)."""

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}"]


def run_parameters(namespace: dict[str, Any]) -> dict[str, Any]:
    """The literals defined so far in a notebook's namespace: its parameters, if called early.

    The parameters cell holds only literals (papermill does not re-evaluate derived
    values), so everything literal and public that exists before the bootstrap cell is
    a parameter, whether it came from the defaults or from papermill's injection.
    """
    return {
        name: value
        for name, value in namespace.items()
        if not name.startswith("_")
        and name not in _NOT_PARAMETERS
        and isinstance(value, _LITERAL_TYPES)
    }


def resolve_results_dir(value: str | os.PathLike | None, output_path: str | None = None) -> Path:
    """The run folder notebooks exchange files through, absolute; created when missing."""
    if value:
        path = Path(value)
    elif os.environ.get("WORKBENCH_RESULTS_DIR"):
        path = Path(os.environ["WORKBENCH_RESULTS_DIR"])
    elif output_path and "://" not in output_path and output_path != "-":
        path = Path(output_path).parent
    else:
        path = Path.cwd()
    path = path.expanduser()
    if not path.is_absolute():
        path = (Path.cwd() / path).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def shown_path(path: Path) -> str:
    """``path`` relative to the current directory when inside it (``.`` for itself)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def use_readable_pandas() -> None:
    import pandas as pd

    pd.set_option("display.max_rows", 200)
    pd.set_option("display.max_columns", 50)
    pd.set_option("display.width", 200)
    pd.set_option("display.precision", 2)
    pd.set_option("display.max_colwidth", None)  # a long cell is shown whole, never cut
    pd.set_option("display.float_format", "{:,.2f}".format)  # never 2.64e+01


def _database() -> str:
    try:
        from workbench.report.environment import database_label

        return database_label()
    except Exception as exc:  # shown, not raised: the next cell will fail with the details
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        return f"not reachable: {redact(first)}"


def _show(params: dict[str, Any], data: str | None) -> None:
    from workbench.report.formats import cell
    from workbench.report.tables.table import Table

    rows = [[name, cell(value) if value != "" else '""'] for name, value in params.items()]
    rows.append(["database", _database()])
    if data:
        rows.append(["data", data])
    table = Table(["run parameter", "value"], rows, empty="No parameters.")
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        print(repr(table))
        return
    if get_ipython() is None:
        print(repr(table))
    else:
        display(table)


def bootstrap(
    namespace: dict[str, Any] | None = None, show: bool = True, check_data: bool = True
) -> dict[str, Any]:
    """Set up Django, plotly and pandas; check the parameters and the data; show them.

    ``namespace`` defaults to the caller's globals (the notebook's). ``results_dir`` is
    rewritten in place to an existing folder (relative to the current directory when
    inside it), so later cells can use it as is. Raises :class:`NotebookRefused` (one
    line in the notebook) on a bad parameter or data of another scale.
    """
    if namespace is None:
        namespace = sys._getframe(1).f_globals
    django_env.setup()
    use_report_plotly()
    use_readable_pandas()
    try:
        injected.check(namespace)
    except WorkbenchError as exc:
        raise NotebookRefused(str(exc)) from None
    params = run_parameters(namespace)
    params.pop("PAPERMILL_INPUT_PATH", None)
    output_path = params.pop("PAPERMILL_OUTPUT_PATH", None)
    if "results_dir" in namespace:
        folder = resolve_results_dir(namespace["results_dir"], output_path)
        namespace["results_dir"] = params["results_dir"] = shown_path(folder)
    data = None
    if check_data and "scale" in params:
        try:
            data = seeded.check(
                params["scale"],
                params.get("seed"),
                reseed=bool(params.get("reseed")),
                results_dir=params.get("results_dir"),
                allow_external=bool(params.get("allow_external")),
            )
        except WorkbenchError as exc:
            raise NotebookRefused(str(exc)) from None
    if show:
        _show(params, data)
    return params

"""What every workbench notebook runs right after its ``parameters`` cell.

    from workbench.report.notebook import bootstrap
    bootstrap()

One call, so that no notebook carries its own copy of the set-up, and so that the
three traps of running Django notebooks headlessly are handled in one place:

* Django's ORM refuses to run in a thread with an event loop (the kernel's), unless
  ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set: ``django_env.setup()`` does it.
* Plotly's default renderer leaves nothing drawable in nbconvert's HTML: the
  ``notebook`` renderer embeds plotly.js once per notebook, so the report draws offline.
* ``nbconvert --no-input`` hides papermill's injected-parameters cell, so a reader of
  the HTML would not know which scale or seed produced the numbers: the parameters
  are displayed here as an output, which survives.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from analysis.plotly_offline import use_offline_plotly
from marketplace.dsn import redact
from workbench.env import django_env
from workbench.paths import PROJECT_ROOT

# Where results go when a notebook runs outside `workbench report` (JupyterLab, nbval).
INTERACTIVE_RESULTS = PROJECT_ROOT / "results" / "interactive"
_NOT_PARAMETERS = {"In", "Out", "exit", "quit", "get_ipython", "open"}
_LITERAL_TYPES = (str, int, float, bool, list, tuple, dict, type(None))


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


def resolve_results_dir(value: str | os.PathLike | None) -> Path:
    """The run folder notebooks exchange files through; created when missing.

    Without a value, ``WORKBENCH_RESULTS_DIR`` or ``results/interactive``: a test session
    (nbval) sets its own, so two sessions never read each other's files.
    """
    default = os.environ.get("WORKBENCH_RESULTS_DIR") or INTERACTIVE_RESULTS
    path = Path(value) if value else Path(default)
    if not path.is_absolute():
        path = (Path.cwd() / path).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def use_readable_pandas() -> None:
    import pandas as pd

    pd.set_option("display.max_rows", 200)
    pd.set_option("display.max_columns", 50)
    pd.set_option("display.width", 200)
    pd.set_option("display.precision", 2)


def _show(params: dict[str, Any]) -> None:
    import pandas as pd

    from workbench.env import services

    rows = [(name, repr(value)) for name, value in params.items()]
    try:
        rows.append(("database", redact(services.database_url(start=False))))
    except Exception as exc:  # shown, not raised: the next cell will fail with the details
        rows.append(("database", f"not reachable: {redact(str(exc))}"))
    frame = pd.DataFrame(rows, columns=["run parameter", "value"]).set_index("run parameter")
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        print(frame.to_string())
        return
    if get_ipython() is None:
        print(frame.to_string())
    else:
        display(frame)


def bootstrap(namespace: dict[str, Any] | None = None, show: bool = True) -> dict[str, Any]:
    """Set up Django, plotly and pandas; resolve ``results_dir``; show and return the parameters.

    ``namespace`` defaults to the caller's globals (the notebook's). ``results_dir`` is
    rewritten in place to an absolute, existing folder, so later cells can use it as is.
    """
    if namespace is None:
        namespace = sys._getframe(1).f_globals
    django_env.setup()
    use_offline_plotly()
    use_readable_pandas()
    params = run_parameters(namespace)
    if "results_dir" in namespace:
        namespace["results_dir"] = params["results_dir"] = str(
            resolve_results_dir(namespace["results_dir"])
        )
    if show:
        _show(params)
    return params

"""A checked report run: its notebooks, their values and the output folder.

:func:`plan` checks everything a run needs (the notebooks, every parameter, the
folder it will write) and raises ``ParameterError`` with one line on the first
problem, before a kernel starts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from workbench.paths import NOTEBOOKS_DIR, REPORTS_DIR
from workbench.report.discovery import NotebookSpec, declared, discover, select
from workbench.report.params import ParameterError, parse_assignments, typed_values


@dataclass
class RunPlan:
    """Everything a run needs, already checked."""

    notebooks: list[NotebookSpec]
    values: dict[str, Any]
    out_dir: Path
    update_latest: bool
    execution_timeout: int | None = None
    allow_external: bool = False  # --allow-external, handed to every notebook declaring it

    def parameters_for(self, spec: NotebookSpec) -> dict[str, Any]:
        """Only what the notebook declares: papermill would merely warn about the rest."""
        values = {
            **self.values,
            "results_dir": str(self.out_dir),
            "allow_external": self.allow_external,
        }
        return {
            k: _fit(v, spec.parameters[k].type_name)
            for k, v in values.items()
            if k in spec.parameters
        }


def _fit(value: Any, type_name: str) -> Any:
    """A list given to a notebook that declared a comma-separated string gets one."""
    if type_name == "str" and isinstance(value, list):
        return ",".join(str(v) for v in value)
    return value


def default_out_dir(reports_dir: Path = REPORTS_DIR) -> Path:
    stamp = datetime.now().strftime("%Y-%m-%d_%H%M%S")
    path, n = reports_dir / stamp, 1
    while path.exists():
        n += 1
        path = reports_dir / f"{stamp}_{n}"
    return path


def check_out_dir(path: Path) -> Path:
    """Refuse a folder that cannot be created or written, or that holds a previous run."""
    path = path.expanduser().resolve()
    if path.exists():
        if not path.is_dir():
            raise ParameterError(f"output folder {path} is a file")
        if any(path.iterdir()):
            raise ParameterError(f"output folder {path} is not empty; pick a new one")
        if not os.access(path, os.W_OK | os.X_OK):
            raise ParameterError(f"output folder {path} is not writable")
        return path
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise ParameterError(f"output folder {path} cannot be created: {parent} is a file")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ParameterError(f"output folder {path} cannot be created: {parent} is not writable")
    _try_creating(path, parent)
    return path


def _try_creating(path: Path, existing: Path) -> None:
    """Create ``path`` and remove it again: some folders (``/proc``) pass every access check."""
    created = []
    try:
        for folder in reversed([path, *path.parents]):
            if folder == existing or folder in existing.parents or folder.exists():
                continue
            folder.mkdir()
            created.append(folder)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ParameterError(f"output folder {path} cannot be created: {reason}") from None
    finally:
        for folder in reversed(created):
            folder.rmdir()


def plan(
    notebooks_dir: Path = NOTEBOOKS_DIR,
    only: Sequence[str] | None = None,
    options: Mapping[str, Any] | None = None,
    assignments: Sequence[str] = (),
    out: Path | None = None,
    execution_timeout: int | None = None,
    allow_external: bool = False,
) -> RunPlan:
    """Check everything a run needs; raises ParameterError with one line on the first problem."""
    specs = select(discover(Path(notebooks_dir)), only)
    values = typed_values(declared(specs), options or {}, parse_assignments(assignments))
    if execution_timeout is not None and execution_timeout <= 0:
        raise ParameterError(
            f"--timeout must be a positive number of seconds, got {execution_timeout}"
        )
    out_dir = check_out_dir(Path(out) if out else default_out_dir())
    return RunPlan(
        specs,
        values,
        out_dir,
        update_latest=out is None,
        execution_timeout=execution_timeout,
        allow_external=allow_external,
    )

"""`workbench up | down | status | lab`: the embedded PostgreSQL and Redis, and JupyterLab."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from workbench.env import services
from workbench.errors import WorkbenchError
from workbench.paths import NOTEBOOKS_DIR, PROJECT_ROOT

# What JupyterLab's file browser leaves out: each notebook's paired percent script (the
# .py jupytext keeps in step, for reviews), nbval's conftest.py and jupytext's settings.
# Only the listing: jupytext still reads and writes the pairs.
LAB_HIDDEN = (
    "__pycache__",
    "*.pyc",
    "*.pyo",
    ".DS_Store",
    "*~",
    "*.py",
    "jupytext.toml",
    ".ipynb_checkpoints",
)
LAB_FIRST = "explore.ipynb"  # the notebook for people: Lab opens on it
INTERACTIVE_RESULTS = PROJECT_ROOT / "results" / "interactive"


def _print(rows: list[services.Service]) -> None:
    for s in rows:
        where = "embedded" if s.embedded else "external"
        state = (
            s.detail
            if s.detail not in ("embedded", "external")
            else ("running" if s.running else "stopped")
        )
        print(f"{s.kind:<11} {where:<9} {state:<16} {s.shown}")


def cmd_up(args: argparse.Namespace) -> int:
    rows = services.up()
    _print(rows)
    return 0 if all(s.running for s in rows) else 3


def cmd_down(args: argparse.Namespace) -> int:
    _print(services.down())
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    rows = services.status()
    _print(rows)
    return 0 if all(s.running for s in rows) else 3


def lab_argv(jupyter: Path, extra: list[str]) -> list[str]:
    """``jupyter lab`` on notebooks/, opening explore.ipynb, the paired scripts hidden."""
    argv = [
        str(jupyter),
        "lab",
        f"--notebook-dir={NOTEBOOKS_DIR}",
        f"--LabApp.default_url=/lab/tree/{LAB_FIRST}",
        *(f"--ContentsManager.hide_globs={glob}" for glob in LAB_HIDDEN),
    ]
    if os.geteuid() == 0:
        argv.append("--allow-root")
    return argv + [a for a in extra if a != "--"]


def lab_environment() -> dict[str, str]:
    """What the kernels inherit: Django configured, results under results/interactive."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "marketplace.settings",
        "DJANGO_ALLOW_ASYNC_UNSAFE": "true",
        "WORKBENCH_RESULTS_DIR": os.environ.get("WORKBENCH_RESULTS_DIR")
        or str(INTERACTIVE_RESULTS),
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p
        ),
    }


def cmd_lab(args: argparse.Namespace) -> int:
    """Replace this process with JupyterLab from this environment, in notebooks/."""
    jupyter = Path(sys.executable).parent / "jupyter"
    if not jupyter.exists():
        raise WorkbenchError(f"{jupyter} not found: run `make venv`")
    argv = lab_argv(jupyter, args.lab_args)
    if args.dry_run:
        print(" ".join(argv))
        return 0
    os.chdir(NOTEBOOKS_DIR)
    os.execve(argv[0], argv, lab_environment())
    return 0  # pragma: no cover - execve does not return


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "up",
        help="start the embedded PostgreSQL and Redis if they are not running (idempotent)",
        description="Start the embedded PostgreSQL and Redis (data in .workbench/) if they "
        "are not running; external servers (DATABASE_URL, REDIS_URL) are only checked. "
        "Exit 3 if one does not answer.",
    )
    p.set_defaults(func=cmd_up)
    p = subparsers.add_parser(
        "down",
        help="stop the embedded PostgreSQL and Redis",
        description="Stop the embedded PostgreSQL and Redis; external servers are never "
        "touched. Their data stays in .workbench/ for the next `workbench up`.",
    )
    p.set_defaults(func=cmd_down)
    p = subparsers.add_parser(
        "status",
        help="show which services are used and whether they answer (exit 3 if one does not)",
        description="Show which PostgreSQL and Redis are used (embedded or external, the "
        "URL without its password) and whether each answers. Exit 3 if one does not.",
    )
    p.set_defaults(func=cmd_status)
    p = subparsers.add_parser(
        "lab",
        help="open JupyterLab on the notebooks, configured, starting at explore.ipynb",
        description="Start JupyterLab from this environment on notebooks/, opening "
        "explore.ipynb; the paired .py scripts are hidden from the file browser (jupytext "
        "still keeps them in step). Notebooks run there keep their results in "
        "results/interactive/ (WORKBENCH_RESULTS_DIR).",
    )
    p.add_argument("--dry-run", action="store_true", help="print the command instead")
    p.add_argument("lab_args", nargs=argparse.REMAINDER, help="passed on to jupyter lab")
    p.set_defaults(func=cmd_lab)

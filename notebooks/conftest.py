"""nbval runs these notebooks in `make test` (``pytest --nbval-lax``), in a database of their own.

01_seed migrates and re-seeds, so run against the workbench's own database it would
replace a medium report's data with the tiny defaults, and two suites running at once
would seed under each other. Each session gets a fresh database on the same server
(``<WORKBENCH_TEST_DB>_nbval``, or ``<database>_nbval_<pid>``), created with the
workbench's marker, migrated, and dropped at the end, with its own cache key prefix and
its own results folder (``WORKBENCH_RESULTS_DIR``: 02 stores the baseline there, 03 to 06
read it). The kernels nbval starts inherit this process's environment, so it is set
around each notebook cell's set-up, which is when nbval starts a notebook's kernel.

The defaults in a notebook's ``parameters`` cell are what an engineer gets in JupyterLab:
enough calls and requests for intervals worth reading, which take minutes. Here the
notebooks only have to run top to bottom, so, as papermill injects parameters, the cell
gets quicker values (:data:`QUICK`) for the names it declares, appended after its own
lines; every other line runs as written. ``tests/report/test_notebooks.py`` checks the
defaults themselves against the notebooks' parameter validation.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

import pytest

# A parameter's quick value, for any notebook declaring it (the measurement's calls and
# requests, the index audit's write rounds, the load's levels and seconds).
QUICK = {
    "repeat": 5,
    "time_box": 0.2,
    "mixed_requests": 100,
    "audit_write_rows": 100,
    "users": [1, 4],
    "duration": 2.0,
    "warmup": 0.0,
}

_env: dict[str, str] = {}
_saved = pytest.StashKey[dict]()


def _notebook_env() -> dict[str, str]:
    if not _env:
        from marketplace.dsn import database_settings, with_database
        from workbench.env import ownership, services

        base = services.database_url()
        name = os.environ.get("WORKBENCH_TEST_DB") or database_settings(base)["NAME"]
        if "WORKBENCH_TEST_DB" not in os.environ:
            name = f"{name}_{os.getpid()}"
        url = with_database(base, f"{name}_nbval")
        ownership.create_database(url)
        # Migrated up front, so any one notebook can run on its own (explore needs tables).
        migrate = subprocess.run(
            [sys.executable, "-m", "workbench", "migrate"],
            env={**os.environ, "DATABASE_URL": url},
            capture_output=True,
            text=True,
        )
        if migrate.returncode != 0:
            raise RuntimeError(f"migrating the notebooks' database failed: {migrate.stderr}")
        prefix = os.environ.get("WORKBENCH_CACHE_PREFIX", "wb")
        # The notebooks hand results on through files: this session's own folder.
        results = tempfile.mkdtemp(prefix="wb-nbval-results-")
        _env.update(
            DATABASE_URL=url,
            WORKBENCH_CACHE_PREFIX=f"{prefix}-nbval",
            WORKBENCH_RESULTS_DIR=results,
        )
    return _env


def quick_values(defaults: dict[str, object]) -> dict[str, object]:
    """The quick values for a parameters cell's defaults: only those asking for less work."""
    out = {}
    for name, quick in QUICK.items():
        default = defaults.get(name)
        if isinstance(default, list) and isinstance(quick, list):
            if len(quick) <= len(default) and max(quick) < max(default):
                out[name] = quick
        elif isinstance(default, type(quick)) and not isinstance(default, bool) and quick < default:
            out[name] = quick
    return out


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Append the quick values to every collected notebook's parameters cell."""
    import nbformat

    from workbench.report.discovery import read_parameters

    for item in items:
        cell = getattr(item, "cell", None)  # nbval's notebook cells; other tests have none
        if cell is None or "parameters" not in cell.get("metadata", {}).get("tags", []):
            continue
        declared = read_parameters(nbformat.v4.new_notebook(cells=[cell])) or {}
        quick = quick_values({p.name: p.default for p in declared.values()})
        if quick:
            lines = [f"{name} = {value!r}" for name, value in quick.items()]
            cell.source = "\n".join(
                [cell.source.rstrip(), "# quick values for the test run", *lines]
            )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    env = _notebook_env()
    item.stash[_saved] = {key: os.environ.get(key) for key in env}
    os.environ.update(env)


def pytest_runtest_teardown(item: pytest.Item) -> None:
    for key, value in item.stash.get(_saved, {}).items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _scale_databases(url: str) -> list[str]:
    """The URLs of the databases 08_scale seeded beside ``url``'s (``<name>_scale_<scale>``)."""
    from marketplace.dsn import connect, database_settings, with_database

    prefix = f"{database_settings(url)['NAME']}_scale_"
    conn = connect(url, dbname="postgres", autocommit=True, connect_timeout=5)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT datname FROM pg_database WHERE left(datname, %s) = %s",
                [len(prefix), prefix],
            )
            return [with_database(url, name) for (name,) in cur.fetchall()]
    finally:
        conn.close()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _env:
        from workbench.env import ownership

        for scale_url in _scale_databases(_env["DATABASE_URL"]):
            ownership.drop_database(scale_url)
        ownership.drop_database(_env["DATABASE_URL"])
        shutil.rmtree(_env["WORKBENCH_RESULTS_DIR"], ignore_errors=True)
        _env.clear()

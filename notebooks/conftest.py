"""nbval runs these notebooks in `make test` (``pytest --nbval-lax``), in a database of their own.

01_seed migrates and re-seeds, so run against the workbench's own database it would
replace a medium report's data with the tiny defaults, and two suites running at once
would seed under each other. Each session gets a fresh database on the same server
(``<WORKBENCH_TEST_DB>_nbval``, or ``<database>_nbval_<pid>``), created with the
workbench's marker, migrated, and dropped at the end, with its own cache key prefix and
its own results folder (``WORKBENCH_RESULTS_DIR``: 02 stores the baseline there, 03 to 06
read it). The kernels nbval starts inherit this process's environment, so it is set
around each notebook cell's set-up, which is when nbval starts a notebook's kernel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile

import pytest

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


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _env:
        from workbench.env import ownership

        ownership.drop_database(_env["DATABASE_URL"])
        shutil.rmtree(_env["WORKBENCH_RESULTS_DIR"], ignore_errors=True)
        _env.clear()

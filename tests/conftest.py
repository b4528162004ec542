"""Shared fixtures: the suite runs against the same PostgreSQL and Redis the workbench uses.

pytest-django creates a fresh ``test_<name>`` database on that server for every run,
so nothing from a previous run (or from a seeded report database) leaks in.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# `seeded_tiny`: the tiny marketplace, seeded once per module that uses it (see its docstring).
pytest_plugins = ["fixtures.pytest_plugin"]


@pytest.fixture(scope="session", autouse=True)
def _subprocesses_see_a_users_environment():
    """pytest-django exports DJANGO_SETTINGS_MODULE; a user's shell has none.

    Commands and kernels the tests start must configure Django themselves, as they do
    for a user, so the variable is dropped once Django is set up in this process.
    """
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    yield


@pytest.fixture
def fresh_cache(django_db_setup):
    """No cache keys of ours before or after a test: no outage state, zeroed counters.

    After django_db_setup, because the keys are namespaced by the *test* database's name.
    Suites that touch the cache use it autouse through a one-line fixture of their own.
    """
    import marketplace.cache

    marketplace.cache.reset()
    marketplace.cache.clear()
    yield
    marketplace.cache.clear()
    marketplace.cache.reset()


@pytest.fixture
def run_workbench():
    """Run the real ``workbench`` command line in a subprocess and return the completed process."""

    def run(
        *args: str, env: dict | None = None, timeout: float = 300
    ) -> subprocess.CompletedProcess:
        full_env = {**os.environ, **(env or {})}
        return subprocess.run(
            [sys.executable, "-m", "workbench", *args],
            cwd=PROJECT_ROOT,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return run

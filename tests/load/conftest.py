"""Fixtures for the load tests: a tiny marketplace in a database of their own.

The server and Locust run in processes of their own, which cannot see the test
database's rolled-back transactions, so the data is committed in a separate database
(``createdb``, ``migrate``, ``seed --scale tiny`` through the real command line), made
once per session and dropped at its end.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from marketplace.dsn import with_database

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


def workbench(*args: str, env: dict[str, str], timeout: float = 300):
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def load_env():
    """``DATABASE_URL`` of a committed tiny marketplace (plan indexes applied), for subprocesses."""
    from workbench.env import ownership, services

    url = with_database(services.database_url(), f"wb_loadtest_{os.getpid()}")
    env = {"DATABASE_URL": url}
    ownership.create_database(url)
    try:
        for step in (["migrate"], ["seed", "--scale", "tiny"]):
            done = workbench(*step, env=env)
            assert done.returncode == 0, done.stderr
        yield env
    finally:
        ownership.drop_database(url)

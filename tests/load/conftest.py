"""Fixtures for the load tests: a tiny marketplace in a database of their own.

The server and Locust run in processes of their own, which cannot see the test
database's rolled-back transactions, so the data is committed in a separate database
(``createdb``, ``migrate``, ``seed --scale tiny`` through the real command line), made
once per session and dropped at its end.
"""

from __future__ import annotations

import pytest

from tests.committed import PROJECT_ROOT, tiny_database, workbench  # noqa: F401


@pytest.fixture(scope="session")
def load_env():
    """``DATABASE_URL`` of a committed tiny marketplace (plan indexes applied), for subprocesses."""
    with tiny_database("wb_loadtest", ("migrate",)) as env:
        yield env

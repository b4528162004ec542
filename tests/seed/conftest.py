"""Fixtures for the seeding tests: tiny data inside a test's transaction, scratch databases."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

import fixtures
from marketplace import dsn
from marketplace.dsn import database_settings, with_database
from workbench.env import services

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def seeded(db) -> fixtures.SeedResult:
    """``tiny`` (seed 42) seeded inside this test's transaction; the rollback removes it."""
    return fixtures.seed("tiny", seed=42, connection=connection, progress=False)


@pytest.fixture
def sql(db):
    """Run a query on the test database (in the test's transaction) and return all rows."""

    def run(query: str, params=None) -> list[tuple]:
        with connection.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall()

    return run


def workbench(*args: str, url: str | None = None, timeout: float = 120):
    """The real CLI in a subprocess, pointed at ``url`` when given."""
    env = {**os.environ}
    if url:
        env["DATABASE_URL"] = url
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def server_url(name: str) -> str:
    """A URL for database ``name`` on the server the workbench uses."""
    return with_database(services.database_url(), name)


def connect(url: str):
    return dsn.connect(url)


def _admin(url: str):
    conn = dsn.connect(url, "postgres", autocommit=True)
    return conn


@pytest.fixture(scope="module")
def workbench_db() -> Iterator[str]:
    """A migrated database made by `workbench createdb` (so it carries the marker); dropped after."""
    url = server_url(f"wb_seed_cli_{os.getpid()}")
    created = workbench("createdb", url=url)
    assert created.returncode == 0, created.stderr
    try:
        migrated = workbench("migrate", url=url)
        assert migrated.returncode == 0, migrated.stderr
        yield url
    finally:
        workbench("dropdb", url=url)


@pytest.fixture
def foreign_db() -> Iterator[str]:
    """A database on the same server that the workbench did not create (no marker)."""
    url = server_url(f"wb_seed_foreign_{os.getpid()}")
    name = database_settings(url)["NAME"]
    admin = _admin(url)
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

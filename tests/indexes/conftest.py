"""Fixtures for the index tests: scratch databases on the suite's server, and one audit run.

The CLI tests need databases the workbench can migrate back and forth; they get their
own, created with ``workbench createdb`` (so they carry the ownership marker) and
dropped afterwards, never the shared ``workbench`` database or the test database.
"""

from __future__ import annotations

import os
import uuid

import pytest

from marketplace import dsn
from marketplace.dsn import database_settings, with_database
from workbench.env import services


def _connect(url: str, dbname: str | None = None):
    return dsn.connect(url, dbname)


class ScratchDatabases:
    """Hands out fresh database URLs on the suite's server and drops them all at the end."""

    def __init__(self) -> None:
        self.base = services.database_url()
        self.prefix = os.environ.get("WORKBENCH_TEST_DB", "test_wb") + "_idx_"
        self.created: list[str] = []

    def url(self) -> str:
        name = f"{self.prefix}{uuid.uuid4().hex[:8]}"
        self.created.append(name)
        return with_database(self.base, name)

    def create_foreign(self) -> str:
        """A database the workbench did not create (no marker): DDL there must be refused."""
        url = self.url()
        admin = _connect(self.base, "postgres")
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{database_settings(url)["NAME"]}"')
        admin.close()
        return url

    def connect(self, url: str):
        conn = _connect(url)
        conn.autocommit = True
        return conn

    def drop_all(self) -> None:
        admin = _connect(self.base, "postgres")
        admin.autocommit = True
        with admin.cursor() as cur:
            for name in self.created:
                cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def scratch_dbs():
    dbs = ScratchDatabases()
    yield dbs
    dbs.drop_all()

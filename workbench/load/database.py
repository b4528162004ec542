"""The dedicated database a load run writes into, and PostgreSQL's own counters for it.

A load run's writes commit for real (applications, bookmarks, job edits, through the
server), so they must not land in the seeded database the measurements rely on. Each
variant therefore runs against a copy made with ``CREATE DATABASE copy TEMPLATE source``
(PostgreSQL copies the files: data, indexes and statistics, identical to the source at
that moment), marked as the workbench's own so the variant's indexes may be built or
dropped in it, and dropped with ``WITH (FORCE)`` when the variant is done. The source is
only read; PostgreSQL refuses the copy while anyone else is connected to the source, and
the error says so.

``pg_stat_database`` for the copy then counts only the run's own traffic (nobody else
connects to it): transactions, rows returned and fetched, buffer hits and reads.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg2
from psycopg2 import sql

from marketplace import dsn
from workbench.env import ownership
from workbench.errors import WorkbenchError

STAT_FIELDS = (
    "xact_commit",
    "xact_rollback",
    "tup_returned",
    "tup_fetched",
    "tup_inserted",
    "tup_updated",
    "tup_deleted",
    "blks_hit",
    "blks_read",
)


def copy_name(source: str, variant: str) -> str:
    """A name for the copy: the source's, the variant and this process (63 bytes at most)."""
    suffix = f"_load_{variant}_{os.getpid()}"
    return f"{source[: 63 - len(suffix)]}{suffix}"


def create_copy(url: str, name: str) -> str:
    """Copy the database of ``url`` into a new database ``name``; its URL (marked as ours)."""
    source = dsn.database_settings(url)["NAME"]
    admin = dsn.connect(url, dbname="postgres", autocommit=True, connect_timeout=5)
    try:
        with admin.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            try:
                cur.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(name), sql.Identifier(source)
                    )
                )
            except psycopg2.errors.ObjectInUse:
                raise WorkbenchError(
                    f"cannot copy database {source!r} for the load run: other sessions are "
                    "connected to it (a server, a notebook, another run); close them first"
                ) from None
    finally:
        admin.close()
    copy_url = dsn.with_database(url, name)
    conn = dsn.connect(copy_url)
    try:
        ownership.write_marker(conn)  # we made it: the variant's DDL may run here
    finally:
        conn.close()
    return copy_url


def drop_copy(copy_url: str) -> None:
    ownership.drop_database(copy_url)


@contextmanager
def using_database(name: str) -> Iterator[None]:
    """Point Django's default connection at another database of the same server for a block.

    As Django's test runner does for the test database: close the connection, change
    ``NAME`` in its settings, and put both back afterwards.
    """
    from django.db import connections

    conn = connections["default"]
    before = conn.settings_dict["NAME"]
    conn.close()
    conn.settings_dict["NAME"] = name
    try:
        yield
    finally:
        conn.close()
        conn.settings_dict["NAME"] = before


def close_connections() -> None:
    from django.db import connections

    connections.close_all()


def stat_snapshot(url: str, settle: float = 0.0) -> dict[str, Any] | None:
    """``pg_stat_database`` for the URL's database (None when it cannot be read).

    Backends report their counters when they go idle (at most once a second) or exit;
    ``settle`` waits that long first so a run's last requests are in.
    """
    if settle:
        time.sleep(settle)
    try:
        conn = dsn.connect(url, autocommit=True, connect_timeout=5)
    except psycopg2.Error:
        return None
    try:
        with conn.cursor() as cur:
            fields = sql.SQL(", ").join(sql.Identifier(f) for f in STAT_FIELDS)
            cur.execute(
                sql.SQL(
                    "SELECT {} FROM pg_stat_database WHERE datname = current_database()"
                ).format(fields)
            )
            row = cur.fetchone()
    except psycopg2.Error:
        return None
    finally:
        conn.close()
    return dict(zip(STAT_FIELDS, row, strict=True)) if row else None


def stat_delta(before: dict | None, after: dict | None) -> dict[str, int] | None:
    if before is None or after is None:
        return None
    return {name: int(after[name]) - int(before[name]) for name in STAT_FIELDS}

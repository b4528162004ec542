"""Which databases the workbench may write to.

Seeding truncates tables and the index commands run DDL, so the workbench only does
that in a database it created itself: the embedded one, or one made by
``workbench createdb``, which leaves a marker table behind. Anything else needs an
explicit ``--allow-external``.
"""

from __future__ import annotations

import psycopg2
from psycopg2 import sql

from marketplace import dsn
from marketplace.dsn import database_settings, redact
from workbench.env import services
from workbench.errors import WorkbenchError

MARKER_TABLE = "workbench_marker"


def _connect(url: str, dbname: str | None = None):
    """A connection with the very parameters Django uses, checked to be where it says."""
    expected = dbname or database_settings(url)["NAME"]
    try:
        conn = dsn.connect(url, dbname, connect_timeout=5)
    except psycopg2.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "connection failed"
        raise WorkbenchError(f"cannot connect to {redact(url)}: {first}") from None
    with conn.cursor() as cur:
        cur.execute("SELECT current_database()")
        actual = cur.fetchone()[0]
    conn.rollback()
    if actual != expected:  # the URL and the server disagree: judge nothing
        conn.close()
        raise WorkbenchError(f"{redact(url)} connected to {actual!r}, not {expected!r}")
    return conn


def write_marker(conn) -> None:
    with conn.cursor() as cur:
        table = sql.Identifier(MARKER_TABLE)
        cur.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} ("
                "created_at timestamptz NOT NULL DEFAULT now(), note text NOT NULL)"
            ).format(table)
        )
        cur.execute(sql.SQL("SELECT count(*) FROM {}").format(table))
        if cur.fetchone()[0] == 0:
            cur.execute(
                sql.SQL("INSERT INTO {} (note) VALUES (%s)").format(table),
                ["created by the Django DB workbench; it may seed, migrate and drop here"],
            )
    conn.commit()


def has_marker(conn) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", [MARKER_TABLE])
        return bool(cur.fetchone()[0])


def is_owned(url: str | None = None) -> bool:
    """True for the embedded database and for databases carrying the workbench's marker."""
    if url is None and services.is_embedded_database():
        return True
    conn = _connect(url or services.database_url())
    try:
        return has_marker(conn)
    finally:
        conn.close()


def ensure_owned(action: str, allow_external: bool = False, url: str | None = None) -> None:
    """Refuse ``action`` in a database the workbench did not create, unless told explicitly."""
    if allow_external:
        return
    if url is None and services.is_embedded_database():
        conn = _connect(services.database_url())
        try:
            write_marker(conn)
        finally:
            conn.close()
        return
    url = url or services.database_url()
    if not is_owned(url):
        name = database_settings(url)["NAME"]
        raise WorkbenchError(
            f"refusing to {action} database {name!r}: the workbench did not create it "
            "(use `workbench createdb` for a new one, or pass --allow-external)"
        )


def create_database(url: str) -> bool:
    """Create the database named in ``url`` with the marker; False if it already was ours."""
    cfg = database_settings(url)
    name = cfg["NAME"]
    admin = _connect(url, dbname="postgres")
    admin.autocommit = True  # CREATE / DROP DATABASE cannot run in a transaction
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            exists = cur.fetchone() is not None
            if not exists:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        admin.close()
    conn = _connect(url)
    try:
        if exists and not has_marker(conn):
            raise WorkbenchError(
                f"database {name!r} already exists and was not created by the workbench; "
                "pick another name"
            )
        write_marker(conn)
    finally:
        conn.close()
    return not exists


def drop_database(url: str, allow_external: bool = False) -> None:
    """Drop a database the workbench created (refused for anyone else's)."""
    ensure_owned("drop", allow_external, url)
    name = database_settings(url)["NAME"]
    admin = _connect(url, dbname="postgres")
    admin.autocommit = True  # CREATE / DROP DATABASE cannot run in a transaction
    try:
        with admin.cursor() as cur:
            cur.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    finally:
        admin.close()

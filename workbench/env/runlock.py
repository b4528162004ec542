"""One workbench run at a time per database: a PostgreSQL advisory lock.

``report``, ``measure``, ``seed``, ``migrate`` and ``indexes apply|revert|audit`` change the
database (they reseed, build and drop indexes, switch variants). Two at once on one
database deadlock or leave the indexes in neither state, so each takes a session-level
advisory lock on a connection of its own for as long as it runs. A second run does not
wait: it refuses at once with one line naming what holds the lock, so a scheduled job
fails loudly instead of piling up behind a long report. The lock dies with the connection,
so a killed run never leaves it behind.

The lock's connection goes to the server's ``postgres`` database, not to the one locked:
PostgreSQL copies a database (``CREATE DATABASE ... TEMPLATE``, as a load run does) only
while no session is connected to it, and a report holding the lock runs that load. The
key is the locked database's oid under a class of our own, so each database has its own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg2

from marketplace import dsn
from workbench.errors import WorkbenchError

# pg_advisory_lock(key): a class of our own ("wb") in the high 32 bits, the database's oid
# in the low ones; pg_locks shows them as classid and objid with objsubid 1.
_CLASS = 0x7762
APPLICATION = "workbench run"


class Busy(WorkbenchError):
    """Another workbench run holds this database."""


def _connect(url: str, action: str):
    try:
        return dsn.connect(
            url,
            dbname="postgres",
            autocommit=True,
            connect_timeout=5,
            application_name=f"{APPLICATION}: {action}",
        )
    except psycopg2.OperationalError as exc:
        first = (str(exc).strip().splitlines() or ["connection failed"])[0]
        raise WorkbenchError(f"cannot connect to {dsn.redact(url)}: {first}") from None


def _oid(cur, name: str) -> int:
    cur.execute("SELECT oid FROM pg_database WHERE datname = %s", [name])
    row = cur.fetchone()
    if row is None:
        raise WorkbenchError(f"database {name!r} does not exist (workbench createdb makes it)")
    return int(row[0])


@contextlib.contextmanager
def run_lock(url: str, action: str) -> Iterator[None]:
    """Hold the database's run lock while the block runs; refuse if someone else holds it."""
    name = dsn.database_settings(url)["NAME"]
    conn = _connect(url, action)
    try:
        with conn.cursor() as cur:
            key = (_CLASS << 32) | _oid(cur, name)
            cur.execute("SELECT pg_try_advisory_lock(%s)", [key])
            if not cur.fetchone()[0]:
                raise Busy(
                    f"another workbench run is using database {name!r} "
                    f"({_describe(_holder(cur, name))}); wait for it to finish"
                )
            try:
                yield
            finally:
                cur.execute("SELECT pg_advisory_unlock(%s)", [key])
    finally:
        conn.close()


_held: list[contextlib.ExitStack] = []


def acquire(action: str, url: str | None = None) -> None:
    """Take the run lock for the rest of this command (``release`` ends it; so does exit).

    Commands call it once their arguments are checked, so bad input is reported as such
    even while another run holds the database.
    """
    if url is None:
        from workbench.env import services

        url = services.database_url()
    stack = contextlib.ExitStack()
    stack.enter_context(run_lock(url, action))
    _held.append(stack)


def release() -> None:
    """Release every run lock this process took with ``acquire``."""
    while _held:
        _held.pop().close()


def held_by(url: str) -> str | None:
    """What holds the run lock of the URL's database (``report``, ``seed``...), or None."""
    conn = _connect(url, "check")
    try:
        with conn.cursor() as cur:
            row = _holder(cur, dsn.database_settings(url)["NAME"])
    finally:
        conn.close()
    return _what(row[0]) if row else None


def _holder(cur, name: str) -> tuple | None:
    """``(application_name, pid, backend_start)`` of the lock's holder, as pg_stat_activity has it."""
    cur.execute(
        "SELECT a.application_name, a.pid, a.backend_start FROM pg_locks l "
        "JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.classid = %s AND l.objsubid = 1 AND l.granted "
        "AND l.objid = (SELECT oid FROM pg_database WHERE datname = %s) "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        [_CLASS, name],
    )
    return cur.fetchone()


def _what(application: str | None) -> str:
    return application.removeprefix(f"{APPLICATION}: ") if application else "unknown"


def _describe(row: tuple | None) -> str:
    if row is None:
        return "it has just finished"
    application, pid, started = row
    return f"{_what(application)}, server pid {pid}, since {started:%H:%M:%S}"

"""One workbench run at a time per database: a PostgreSQL advisory lock.

``report``, ``measure``, ``seed``, ``migrate`` and ``indexes apply|revert|audit`` change the
database (they reseed, build and drop indexes, switch variants). Two at once on one
database deadlock or leave the indexes in neither state, so each takes a session-level
advisory lock on a connection of its own for as long as it runs. A second run does not
wait: it refuses at once with one line naming what holds the lock, so a scheduled job
fails loudly instead of piling up behind a long report. The lock dies with the connection,
so a killed run never leaves it behind.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg2

from marketplace import dsn
from workbench.errors import WorkbenchError

# pg_advisory_lock(classid, objid): a constant pair of our own ("wb" and "run").
_CLASS, _OBJECT = 0x7762, 0x72756E
APPLICATION = "workbench run"


class Busy(WorkbenchError):
    """Another workbench run holds this database."""


@contextlib.contextmanager
def run_lock(url: str, action: str) -> Iterator[None]:
    """Hold the database's run lock while the block runs; refuse if someone else holds it."""
    name = dsn.database_settings(url)["NAME"]
    try:
        conn = dsn.connect(
            url, autocommit=True, connect_timeout=5, application_name=f"{APPLICATION}: {action}"
        )
    except psycopg2.OperationalError as exc:
        first = (str(exc).strip().splitlines() or ["connection failed"])[0]
        raise WorkbenchError(f"cannot connect to {dsn.redact(url)}: {first}") from None
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_try_advisory_lock(%s, %s)", [_CLASS, _OBJECT])
            if not cur.fetchone()[0]:
                raise Busy(
                    f"another workbench run is using database {name!r} ({holder(cur)}); "
                    "wait for it to finish"
                )
            try:
                yield
            finally:
                cur.execute("SELECT pg_advisory_unlock(%s, %s)", [_CLASS, _OBJECT])
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


def holder(cur) -> str:
    """Who holds the run lock, as ``pg_stat_activity`` names it."""
    cur.execute(
        "SELECT a.application_name, a.pid, a.backend_start FROM pg_locks l "
        "JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.classid = %s AND l.objid = %s AND l.granted "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        [_CLASS, _OBJECT],
    )
    row = cur.fetchone()
    if row is None:
        return "it has just finished"
    application, pid, started = row
    what = application.removeprefix(f"{APPLICATION}: ") if application else "unknown"
    return f"{what}, server pid {pid}, since {started:%H:%M:%S}"

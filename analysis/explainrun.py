"""Where an EXPLAIN runs, and how whatever it did is undone.

Two paths, chosen by the caller's Django connection for the alias:

- **Its own connection**, when that connection is outside any transaction (autocommit,
  no ``atomic()``: a notebook, ``workbench measure``). A new psycopg2 connection with
  the same parameters (``get_connection_params()``), the caller's session settings
  (``SET work_mem`` ...) copied with ``SET LOCAL``, ``BEGIN READ ONLY`` (``READ WRITE``
  with ``allow_writes``), the EXPLAIN, ``ROLLBACK``, ``pg_advisory_unlock_all()`` and
  ``close()``: session locks and settings die with the session.
- **A savepoint on the caller's connection**, when it is inside ``atomic()`` (or has
  autocommit off): its uncommitted rows (a test's, a measurement's) are visible there
  only. ``SET LOCAL transaction_read_only = on`` inside the savepoint (PostgreSQL
  allows going read-only in a subtransaction), the EXPLAIN, ``ROLLBACK TO SAVEPOINT``,
  which restores read-write and every setting, ``set_config(..., false)`` ones
  included; then any session advisory lock the statement took is released (a rollback
  does not release those), while the caller's own locks are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from typing import Any

import psycopg2
import psycopg2.errors
from django.db import DatabaseError, transaction

from analysis.explainguard import ExplainError, ExplainTimeout, UnsafeStatement

# The caller's own session settings, to apply to explain's connection as SET LOCAL.
_SESSION_SETTINGS = (
    "SELECT name, current_setting(name) FROM pg_settings WHERE source = 'session' "
    "AND context IN ('user', 'superuser') AND name NOT LIKE 'transaction\\_%'"
)
_ADVISORY = (
    "SELECT classid, objid, objsubid, mode FROM pg_locks "
    "WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted"
)
_MAX_UNLOCKS = 10_000  # a lock taken more often than this by one statement stays reported


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _translated(exc: BaseException, timeout_ms: float, lock_timeout_ms: float) -> ExplainError:
    cause = exc.__cause__ if isinstance(exc, DatabaseError) and exc.__cause__ else exc
    if isinstance(cause, psycopg2.errors.QueryCanceled):
        return ExplainTimeout(
            f"EXPLAIN stopped after statement_timeout={int(timeout_ms)} ms "
            "(rolled back; raise timeout_ms to let it finish)"
        )
    if isinstance(cause, psycopg2.errors.LockNotAvailable):
        return ExplainTimeout(
            f"EXPLAIN waited past lock_timeout={int(lock_timeout_ms)} ms for a lock (rolled back)"
        )
    if isinstance(cause, psycopg2.errors.ReadOnlySqlTransaction):
        return UnsafeStatement(
            f"refusing to EXPLAIN ANALYZE a statement that writes ({_first_line(cause)}): "
            "pass allow_writes=True to run it in a rolled-back read-write transaction"
        )
    return ExplainError(f"EXPLAIN failed: {_first_line(exc)}")


def _prepare(cur, timeout_ms: float, lock_timeout_ms: float, set_local: Mapping[str, Any]) -> None:
    cur.execute(
        "SELECT set_config('statement_timeout', %s, true), set_config('lock_timeout', %s, true)",
        [f"{int(timeout_ms)}ms", f"{int(lock_timeout_ms)}ms"],
    )
    for name, value in set_local.items():
        cur.execute("SELECT set_config(%s, %s, true)", [name, str(value)])


def in_callers_transaction(conn) -> bool:
    """Whether the caller's connection holds an open transaction explain must see into."""
    return conn.in_atomic_block or not conn.get_autocommit()


def run_plans(
    conn,
    sql: str,
    params: Any,
    options: str,
    count: int,
    *,
    timeout_ms: float,
    lock_timeout_ms: float,
    set_local: Mapping[str, Any],
    allow_writes: bool,
) -> list[Any]:
    """``count`` EXPLAIN documents of ``sql``, each in its own rolled-back (sub)transaction."""
    limits = (timeout_ms, lock_timeout_ms, set_local)
    if in_callers_transaction(conn):
        return _in_savepoint(conn, sql, params, options, count, limits, allow_writes)
    return _on_own_connection(conn, sql, params, options, count, limits, allow_writes)


def _on_own_connection(conn, sql, params, options, count, limits, allow_writes) -> list[Any]:
    timeout_ms, lock_timeout_ms, set_local = limits
    with conn.cursor() as cur:
        cur.execute(_SESSION_SETTINGS)
        settings = dict(cur.fetchall())
    try:
        own = psycopg2.connect(**conn.get_connection_params())
    except psycopg2.Error as exc:
        raise ExplainError(
            f"EXPLAIN could not open its own connection: {_first_line(exc)}"
        ) from None
    documents = []
    try:
        own.autocommit = True
        with own.cursor() as cur:
            for i in range(count):
                cur.execute("BEGIN READ WRITE" if allow_writes else "BEGIN READ ONLY")
                try:
                    _prepare(cur, timeout_ms, lock_timeout_ms, {**settings, **set_local})
                    if i == 0 and "ANALYZE" in options:
                        # A new session plans with cold catalog caches: plan once first,
                        # so the measured planning time is the caller's.
                        cur.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
                    cur.execute(f"EXPLAIN ({options}) {sql}", params)
                    documents.append(cur.fetchone()[0])
                except psycopg2.Error as exc:
                    raise _translated(exc, timeout_ms, lock_timeout_ms) from None
                finally:
                    _quietly(cur, "ROLLBACK")
            _quietly(cur, "SELECT pg_advisory_unlock_all()")
    finally:
        own.close()
    return documents


def _quietly(cur, statement: str) -> None:
    # The connection is closed next; an error explaining the failure was already raised.
    with suppress(psycopg2.Error):
        cur.execute(statement)


def _in_savepoint(conn, sql, params, options, count, limits, allow_writes) -> list[Any]:
    timeout_ms, lock_timeout_ms, set_local = limits
    alias = conn.alias
    with conn.cursor() as cur:
        cur.execute(_ADVISORY)
        held = set(cur.fetchall())
    documents = []
    try:
        for _ in range(count):
            with transaction.atomic(using=alias):
                with conn.cursor() as cur:
                    if not allow_writes:
                        cur.execute("SET LOCAL transaction_read_only = on")
                    _prepare(cur, timeout_ms, lock_timeout_ms, set_local)
                    cur.execute(f"EXPLAIN ({options}) {sql}", params)
                    documents.append(cur.fetchone()[0])
                transaction.set_rollback(True, using=alias)
    except DatabaseError as exc:
        raise _translated(exc, timeout_ms, lock_timeout_ms) from None
    finally:
        _release_new_locks(conn, held)
    return documents


def _release_new_locks(conn, held: set[tuple]) -> None:
    """Release session advisory locks taken since ``held`` was read (each as often as taken)."""
    with conn.cursor() as cur:
        cur.execute(_ADVISORY)
        for classid, objid, objsubid, mode in set(cur.fetchall()) - held:
            shared = "_shared" if mode == "ShareLock" else ""
            if objsubid == 1:  # one bigint key: high half in classid, low half in objid
                call = f"pg_advisory_unlock{shared}((%s::bigint << 32) | %s::bigint)"
            else:  # two int4 keys
                call = f"pg_advisory_unlock{shared}(%s::bigint::oid::int, %s::bigint::oid::int)"
            for _ in range(_MAX_UNLOCKS):
                cur.execute(f"SELECT {call}", [int(classid), int(objid)])
                if not cur.fetchone()[0]:
                    break

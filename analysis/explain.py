"""``EXPLAIN (ANALYZE, BUFFERS, SETTINGS, FORMAT JSON)`` that cannot change anything.

ANALYZE *executes* the statement, so an UPDATE really updates. Every EXPLAIN therefore
runs in a transaction that is rolled back (a savepoint when the caller is already in
one, as tests are), under ``SET LOCAL statement_timeout`` and ``lock_timeout``, and
statements whose effects escape a rollback are refused up front: DDL, COPY, VACUUM,
several statements at once, and functions such as ``dblink`` or session advisory
locks. Sequences still advance when an explained INSERT draws from them; that is the
one visible trace, as with any rolled-back insert.

    result = explain(Job.objects.filter(status="open").order_by("-date")[:20], runs=5, warmup=1)
    result.plan.nodes_frame(); result.execution_ms; result.spread
    plan_findings(result.plan)   # analysis.planfindings
    explain(record)              # a captured QueryRecord, with its own parameters
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import psycopg2.errors
import sqlglot
from django.db import DatabaseError, connections, transaction
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.tokens import TokenType

from analysis import stats
from analysis.capture import paused
from analysis.errors import AnalysisError
from analysis.fingerprint import statement_kind
from analysis.plans import Plan
from analysis.records import QueryRecord

if TYPE_CHECKING:
    import pandas as pd

EXPLAINABLE = ("SELECT", "WITH", "INSERT", "UPDATE", "DELETE", "VALUES", "TABLE", "MERGE")
# Functions whose effects survive a rollback or reach outside the session.
UNSAFE_FUNCTIONS = frozenset(
    {
        "dblink",
        "dblink_exec",
        "dblink_connect",
        "dblink_connect_u",
        "dblink_send_query",
        "pg_terminate_backend",
        "pg_cancel_backend",
        "pg_reload_conf",
        "pg_rotate_logfile",
        "pg_advisory_lock",
        "pg_advisory_lock_shared",
        "pg_try_advisory_lock",
        "pg_try_advisory_lock_shared",
        "setval",
        "lo_import",
        "lo_export",
        "pg_file_write",
        "pg_switch_wal",
        "pg_create_restore_point",
        "pg_backup_start",
        "pg_backup_stop",
        "pg_promote",
        "pg_create_physical_replication_slot",
        "pg_create_logical_replication_slot",
        "pg_drop_replication_slot",
        "pg_replication_origin_create",
    }
)


class ExplainError(AnalysisError):
    """EXPLAIN could not run; the message says why in one line."""


class UnsafeStatement(ExplainError):
    """The statement could change something a rollback cannot undo."""


class ExplainTimeout(ExplainError):
    """The statement ran past ``statement_timeout`` (or waited past ``lock_timeout``)."""


def check_explainable(sql: str) -> None:
    """Raise :class:`UnsafeStatement` unless ``sql`` is one DML statement without escaping effects."""
    kind = statement_kind(sql)
    if kind not in EXPLAINABLE:
        raise UnsafeStatement(
            f"refusing to EXPLAIN a {kind or 'empty'} statement: only "
            f"{', '.join(EXPLAINABLE)} run safely inside a rolled-back transaction"
        )
    try:
        tokens = sqlglot.Dialect.get_or_raise("postgres").tokenize(sql)
    except (SqlglotError, ValueError) as exc:
        raise UnsafeStatement(f"refusing to EXPLAIN SQL that cannot be tokenized: {exc}") from None
    semicolons = [i for i, t in enumerate(tokens) if t.token_type == TokenType.SEMICOLON]
    if any(i != len(tokens) - 1 for i in semicolons):
        raise UnsafeStatement("refusing to EXPLAIN several statements at once; pass one")
    for token, following in zip(tokens, tokens[1:], strict=False):
        name = token.text.lower()
        if following.token_type == TokenType.L_PAREN and name in UNSAFE_FUNCTIONS:
            raise UnsafeStatement(
                f"refusing to EXPLAIN ANALYZE a call to {name}(): its effect outlives a rollback"
            )
    try:
        tree = sqlglot.parse_one(sql, read="postgres")
    except (SqlglotError, ValueError, RecursionError):
        return
    if tree is not None and tree.find(exp.Into) is not None:
        raise UnsafeStatement("refusing to EXPLAIN SELECT ... INTO: it creates a table")


@dataclass
class ExplainResult:
    """Plans of one statement: ``runs`` measured executions after ``warmup`` discarded ones."""

    sql: str
    params: Any
    alias: str
    analyze: bool
    options: str
    plans: list[Plan] = field(repr=False)
    warmup: int = 0

    @property
    def execution_runs_ms(self) -> list[float]:
        return [p.execution_ms for p in self.plans if p.execution_ms is not None]

    @property
    def plan(self) -> Plan:
        """The run with the median execution time (the first when not analyzed)."""
        if not self.analyze or len(self.plans) == 1:
            return self.plans[0]
        ordered = sorted(self.plans, key=lambda p: p.execution_ms or 0.0)
        return ordered[(len(ordered) - 1) // 2]

    @property
    def execution_ms(self) -> float | None:
        return stats.median(self.execution_runs_ms)

    @property
    def planning_ms(self) -> float | None:
        return stats.median(p.planning_ms for p in self.plans)

    @property
    def spread(self) -> dict[str, float]:
        """runs, min, max, stdev and interquartile range of the execution times (ms)."""
        return stats.spread(self.execution_runs_ms)

    @property
    def document(self) -> dict[str, Any]:
        """The representative plan as PostgreSQL sent it (for PEV2 or storage)."""
        return self.plan.document

    def nodes_frame(self) -> pd.DataFrame:
        return self.plan.nodes_frame()

    def summary(self) -> str:
        text = self.plan.summary()
        if len(self.plans) > 1 and self.execution_ms is not None:
            s = self.spread
            text += (
                f"; median of {s['runs']} runs {self.execution_ms:,.3f} ms "
                f"(min {s['min']:,.3f}, max {s['max']:,.3f})"
            )
        return text

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        from html import escape

        return f"<p>{escape(self.summary())}</p>{self.plan._repr_html_()}"


def _statement(target: Any, params: Any, using: str | None) -> tuple[str, Any, str]:
    if isinstance(target, QueryRecord):
        if target.many:
            raise ExplainError("cannot EXPLAIN an executemany() record: explain one row's SQL")
        return target.sql, target.params if params is None else params, using or target.alias
    if isinstance(target, str):
        return target, params, using or "default"
    query = getattr(target, "query", None)
    if query is not None and hasattr(query, "get_compiler"):
        from django.core.exceptions import EmptyResultSet

        alias = using or target.db
        try:
            sql, qs_params = query.get_compiler(using=alias).as_sql()
        except EmptyResultSet:
            raise ExplainError(
                "the queryset matches nothing by construction: no SQL to explain"
            ) from None
        return sql, qs_params, alias
    raise ExplainError(
        f"cannot EXPLAIN a {type(target).__name__}: pass SQL, a QuerySet or a record"
    )


def _options(conn, analyze: bool, buffers: bool, settings: bool, verbose: bool, wal: bool,
             timing: bool) -> str:  # fmt: skip
    version = conn.pg_version
    parts = []
    if analyze:
        parts.append("ANALYZE")
        if not timing:
            parts.append("TIMING OFF")
        if wal and version >= 130000:
            parts.append("WAL")
    if buffers and (analyze or version >= 130000):
        parts.append("BUFFERS")
    if settings and version >= 120000:
        parts.append("SETTINGS")
    if verbose:
        parts.append("VERBOSE")
    parts.append("FORMAT JSON")
    return ", ".join(parts)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _run_once(conn, sql, params, options, timeout_ms, lock_timeout_ms, set_local) -> Plan:
    alias = conn.alias
    try:
        with transaction.atomic(using=alias):
            with conn.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true), "
                    "set_config('lock_timeout', %s, true)",
                    [f"{int(timeout_ms)}ms", f"{int(lock_timeout_ms)}ms"],
                )
                for name, value in set_local.items():
                    cursor.execute("SELECT set_config(%s, %s, true)", [name, str(value)])
                cursor.execute(f"EXPLAIN ({options}) {sql}", params)
                document = cursor.fetchone()[0]
            transaction.set_rollback(True, using=alias)
    except DatabaseError as exc:
        cause = exc.__cause__
        if isinstance(cause, psycopg2.errors.QueryCanceled):
            raise ExplainTimeout(
                f"EXPLAIN stopped after statement_timeout={int(timeout_ms)} ms "
                "(rolled back; raise timeout_ms to let it finish)"
            ) from None
        if isinstance(cause, psycopg2.errors.LockNotAvailable):
            raise ExplainTimeout(
                f"EXPLAIN waited past lock_timeout={int(lock_timeout_ms)} ms for a lock (rolled back)"
            ) from None
        raise ExplainError(f"EXPLAIN failed: {_first_line(exc)}") from None
    return Plan.from_json(document)


def explain(
    target: str | QueryRecord | Any,
    params: Sequence[Any] | Mapping[str, Any] | None = None,
    *,
    analyze: bool = True,
    buffers: bool = True,
    settings: bool = True,
    verbose: bool = False,
    wal: bool = False,
    timing: bool = True,
    timeout_ms: float = 10_000,
    lock_timeout_ms: float | None = None,
    runs: int = 1,
    warmup: int = 0,
    set_local: Mapping[str, Any] | None = None,
    using: str | None = None,
) -> ExplainResult:
    """The plan of SQL (with ``params``), a QuerySet or a captured :class:`QueryRecord`.

    ``analyze=False`` plans without executing. With ``analyze``, ``warmup`` runs are
    discarded and ``runs`` are kept; the result's ``plan`` is the median run.
    ``set_local`` applies planner settings (``{"work_mem": "64kB"}``) to this EXPLAIN only.
    """
    if runs < 1 or warmup < 0:
        raise ExplainError("runs must be at least 1 and warmup at least 0")
    if timeout_ms <= 0:
        raise ExplainError("timeout_ms must be positive")
    sql, params, alias = _statement(target, params, using)
    sql = sql.strip().rstrip(";").strip()
    check_explainable(sql)
    if alias not in connections:
        raise ExplainError(f"no database alias {alias!r} in DATABASES")
    conn = connections[alias]
    conn.ensure_connection()
    options = _options(conn, analyze, buffers, settings, verbose, wal, timing)
    set_local = dict(set_local or {})
    lock_timeout_ms = timeout_ms if lock_timeout_ms is None else lock_timeout_ms
    plans = []
    with paused():
        for i in range((warmup + runs) if analyze else 1):
            plan = _run_once(conn, sql, params, options, timeout_ms, lock_timeout_ms, set_local)
            if i >= (warmup if analyze else 0):
                plans.append(plan)
    return ExplainResult(sql, params, alias, analyze, options, plans, warmup if analyze else 0)

"""``EXPLAIN (ANALYZE, BUFFERS, SETTINGS, FORMAT JSON)`` that cannot change anything.

ANALYZE *executes* the statement. So it runs in a READ ONLY transaction that is always
rolled back, under ``SET LOCAL statement_timeout`` and ``lock_timeout``, on a connection
of its own that is closed afterwards, or, inside ``atomic()``, in a savepoint of the
caller's connection that is rolled back and cleaned of session locks
(``analysis.explainrun``). Statements that write (INSERT, UPDATE, DELETE, MERGE, a
data-modifying WITH, SELECT ... FOR UPDATE) run only with ``allow_writes=True``, in a
rolled-back read-write transaction; the sequences they draw from still advance.
What no transaction contains is refused up front (``analysis.explainguard``).

    result = explain(Job.objects.filter(status="open").order_by("-date")[:20], runs=5, warmup=1)
    result.plan.nodes_frame(); result.execution_ms; result.spread
    plan_findings(result.plan)   # analysis.planfindings
    explain(record)              # a captured QueryRecord, with its own parameters
    explain("UPDATE ...", allow_writes=True)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connections

from analysis import stats
from analysis.capture import paused
from analysis.explainguard import (
    EXPLAINABLE,
    ExplainError,
    ExplainTimeout,
    UnsafeStatement,
    check_explainable,
)
from analysis.explainrun import run_plans
from analysis.plans import Plan
from analysis.records import QueryRecord

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "EXPLAINABLE",
    "ExplainError",
    "ExplainResult",
    "ExplainTimeout",
    "UnsafeStatement",
    "check_explainable",
    "explain",
]


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
    allow_writes: bool = False,
) -> ExplainResult:
    """The plan of SQL (with ``params``), a QuerySet or a captured :class:`QueryRecord`.

    ``analyze=False`` plans without executing. With ``analyze``, ``warmup`` runs are
    discarded and ``runs`` are kept; the result's ``plan`` is the median run.
    ``set_local`` applies planner settings (``{"work_mem": "64kB"}``) to this EXPLAIN only.
    ``allow_writes=True`` lets a statement that writes execute (rolled back, but the
    sequences it draws from advance); without it, it is refused.
    """
    if runs < 1 or warmup < 0:
        raise ExplainError("runs must be at least 1 and warmup at least 0")
    if timeout_ms <= 0:
        raise ExplainError("timeout_ms must be positive")
    sql, params, alias = _statement(target, params, using)
    sql = sql.strip().rstrip(";").strip()
    check_explainable(sql, analyze=analyze, allow_writes=allow_writes)
    if alias not in connections:
        raise ExplainError(f"no database alias {alias!r} in DATABASES")
    conn = connections[alias]
    conn.ensure_connection()
    options = _options(conn, analyze, buffers, settings, verbose, wal, timing)
    set_local = dict(set_local or {})
    lock_timeout_ms = timeout_ms if lock_timeout_ms is None else lock_timeout_ms
    count = (warmup + runs) if analyze else 1
    with paused():
        documents = run_plans(
            conn,
            sql,
            params,
            options,
            count,
            timeout_ms=timeout_ms,
            lock_timeout_ms=lock_timeout_ms,
            set_local=set_local,
            allow_writes=allow_writes,
        )
    plans = [Plan.from_json(d) for d in documents[(warmup if analyze else 0) :]]
    return ExplainResult(sql, params, alias, analyze, options, plans, warmup if analyze else 0)

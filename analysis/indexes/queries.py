"""The SQL a workload issues, and what EXPLAIN says about it.

A workload is a list of ``(name, callable)``: anything that runs ORM code (a plain
function, an endpoint called through Django's test client). The audit needs the SQL
text, not the Python, so it records each statement once through Django's
``connection.execute_wrapper`` and from then on only EXPLAINs it: the same statement
with the same parameters, so every index variant is judged on identical queries.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

Workload = Sequence[tuple[str, Callable[[], object]]]


@dataclass
class Query:
    """One distinct statement: where it came from and how often the workload issued it."""

    sql: str
    params: object
    sources: list[str] = field(default_factory=list)
    calls: int = 0
    calls_by_source: dict[str, int] = field(default_factory=dict)


def _explainable(sql: str) -> bool:
    # Only reads: EXPLAIN ANALYZE executes the statement, and the audit must not write.
    head = sql.lstrip().lstrip("(").lstrip()[:6].upper()
    return head.startswith("SELECT") or head.startswith("WITH")


def capture(workload: Workload, connection) -> list[Query]:
    """Run each workload entry once and return its distinct read statements, in order."""
    found: dict[tuple[str, str], Query] = {}

    for name, run in workload:

        def record(execute, sql, params, many, context, _name=name):
            if not many and _explainable(sql):
                query = found.setdefault((sql, repr(params)), Query(sql, params))
                if _name not in query.sources:
                    query.sources.append(_name)
                query.calls += 1
                query.calls_by_source[_name] = query.calls_by_source.get(_name, 0) + 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):
            run()
    return list(found.values())


def by_text(statements: Sequence[Query]) -> list[Query]:
    """One statement per SQL text: calls and sources summed, the most called parameters kept.

    Index choices depend on the statement's shape far more than on its parameters (the
    workload's subjects are typical ones), and timing one representative per shape keeps
    the advisor's EXPLAIN ANALYZE rounds affordable.
    """
    grouped: dict[str, Query] = {}
    best: dict[str, int] = {}
    for s in statements:
        merged = grouped.get(s.sql)
        if merged is None:
            grouped[s.sql] = Query(
                s.sql, s.params, list(s.sources), s.calls, dict(s.calls_by_source)
            )
            best[s.sql] = s.calls
            continue
        if s.calls > best[s.sql]:
            merged.params, best[s.sql] = s.params, s.calls
        merged.calls += s.calls
        for source in s.sources:
            if source not in merged.sources:
                merged.sources.append(source)
        for source, n in s.calls_by_source.items():
            merged.calls_by_source[source] = merged.calls_by_source.get(source, 0) + n
    return list(grouped.values())


def explain(cursor, query: Query, analyze: bool = False) -> dict:
    """The statement's plan as PostgreSQL's JSON (the top object, with "Plan")."""
    options = "ANALYZE, TIMING OFF, FORMAT JSON" if analyze else "FORMAT JSON"
    cursor.execute(f"EXPLAIN ({options}) {query.sql}", query.params)
    value = cursor.fetchone()[0]
    if isinstance(value, str):
        import json

        value = json.loads(value)
    return value[0]


def _nodes(plan: dict) -> Iterator[dict]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _nodes(child)


def index_names(explained: dict) -> set[str]:
    """Every index any node of the plan reads (index, index-only and bitmap index scans)."""
    return {n["Index Name"] for n in _nodes(explained["Plan"]) if "Index Name" in n}


def scans(explained: dict) -> list[str]:
    """The plan's scan nodes as "Node Type on relation [using index]", for reports and tests."""
    out = []
    for n in _nodes(explained["Plan"]):
        if "Relation Name" in n or "Index Name" in n:
            text = f"{n['Node Type']} on {n.get('Relation Name', '?')}"
            if "Index Name" in n:
                text += f" using {n['Index Name']}"
            out.append(text)
    return out


def timed_ms(cursor, query: Query) -> float:
    """One EXPLAIN ANALYZE run's server time (planning + execution), in milliseconds."""
    result = explain(cursor, query, analyze=True)
    return result.get("Planning Time", 0.0) + result["Execution Time"]


def latency_ms(cursor, query: Query, repeat: int) -> float:
    """Median server time (planning + execution) over ``repeat`` runs after one warm-up."""
    times = []
    for i in range(repeat + 1):
        ms = timed_ms(cursor, query)
        if i:
            times.append(ms)
    return statistics.median(times)

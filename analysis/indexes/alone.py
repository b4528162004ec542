"""One index alone on top of none of the judged ones: its size, build time, write cost and gain.

The audit's per-index facts, each measured in a savepoint that is rolled back: build it
(timed, sized), EXPLAIN every statement to see which plans pick it, and EXPLAIN ANALYZE
those to measure the latency it alone buys against the state with no judged index
(:func:`measure`); time writes with and without it, interleaved (:func:`write_cost`).

The write rounds go last, after every read decision: rolled-back inserts and updates
leave dead entries in every index present (a plain VACUUM cannot run inside the audit's
transaction), which would make the older indexes look slower than a freshly built one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import analysis.indexes.queries as q
import analysis.indexes.write_cost as write_cost_module
from analysis.indexes.catalog import IndexSpec, quote_ident

# Below this a gain is noise (the note tells the reader).
NEGLIGIBLE_MS = 0.05
NEGLIGIBLE_SHARE = 0.10


@dataclass
class Alone:
    """What one index costs and buys when it is the only judged index present."""

    size_bytes: int
    build_ms: float
    write_cost_ratio: float | None
    insert_rows_per_s: float | None
    insert_rows_per_s_with: float | None
    update_rows_per_s: float | None
    update_rows_per_s_with: float | None
    used_by: list[str]
    gain_ms: float
    baseline_ms: float  # what the statements that use it took without it (same weighting)
    notes: list[str] = field(default_factory=list)


def used_by(statements: list[q.Query], plans: list[dict], index: str) -> list[str]:
    names: list[str] = []
    for statement, plan in zip(statements, plans, strict=True):
        if index in q.index_names(plan):
            names.extend(s for s in statement.sources if s not in names)
    return names


def measure(cur, spec: IndexSpec, statements, base_ms, repeat) -> Alone:
    """Build ``spec`` in a savepoint, measure its reads, roll it back (no write cost yet)."""
    cur.execute("SAVEPOINT wb_audit_index")
    try:
        start = time.perf_counter()
        cur.execute(spec.create_sql)
        build_ms = (time.perf_counter() - start) * 1000
        cur.execute(
            "SELECT pg_relation_size(to_regclass(%s)), indcheckxmin FROM pg_index "
            "WHERE indexrelid = to_regclass(%s)",
            [quote_ident(spec.name)] * 2,
        )
        size_bytes, checkxmin = cur.fetchone()
        plans = [q.explain(cur, s) for s in statements]
        gain = baseline = 0.0
        for s, plan, before in zip(statements, plans, base_ms, strict=True):
            if spec.name in q.index_names(plan):
                after = q.latency_ms(cur, s, repeat)
                gain += (before - after) * s.calls
                baseline += before * s.calls
        users = used_by(statements, plans, spec.name)
    finally:
        cur.execute("ROLLBACK TO SAVEPOINT wb_audit_index")
        cur.execute("RELEASE SAVEPOINT wb_audit_index")
    notes = []
    if checkxmin:
        notes.append("built over broken HOT chains: unusable in this transaction; VACUUM first")
    if users and gain < max(NEGLIGIBLE_MS, NEGLIGIBLE_SHARE * baseline):
        notes.append("picked by the planner alone, but no measurable gain alone")
    return Alone(
        size_bytes=int(size_bytes),
        build_ms=round(build_ms, 3),
        write_cost_ratio=None,
        insert_rows_per_s=None,
        insert_rows_per_s_with=None,
        update_rows_per_s=None,
        update_rows_per_s_with=None,
        used_by=users,
        gain_ms=round(gain, 3),
        baseline_ms=round(baseline, 3),
        notes=notes,
    )


def write_cost(cur, spec: IndexSpec, facts: Alone, sample, write_repeat: int) -> None:
    """Fill ``facts``' write figures: writes timed with and without ``spec`` (built in a
    savepoint on whatever the caller left, then rolled back)."""
    if not sample:
        facts.notes.append("empty table: write cost not measured")
        return
    cur.execute("SAVEPOINT wb_audit_writes")
    try:
        cur.execute(spec.create_sql)
        without, with_index, ratio = write_cost_module.compare(
            cur, spec.table, spec.columns, spec.drop_sql(), sample, write_repeat
        )
    finally:
        cur.execute("ROLLBACK TO SAVEPOINT wb_audit_writes")
        cur.execute("RELEASE SAVEPOINT wb_audit_writes")
    facts.write_cost_ratio = round(ratio, 3)
    facts.insert_rows_per_s = round(without.insert_rows_per_s)
    facts.insert_rows_per_s_with = round(with_index.insert_rows_per_s)
    facts.update_rows_per_s = round(without.update_rows_per_s)
    facts.update_rows_per_s_with = round(with_index.update_rows_per_s)

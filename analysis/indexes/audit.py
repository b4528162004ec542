"""The index audit: for each proposed index, is it redundant, what does it cost, what does it buy.

Everything happens in one transaction that is rolled back, so the database ends exactly
as it started whatever state it was in (plan indexes applied or not):

1. run the workload once and record its distinct read statements;
2. make sure every audited index exists, and read the catalogs: each index is compared
   with the indexes that are not being audited (Django's own FK and unique indexes)
   and then with the other audited ones (a single column covered by a composite);
3. EXPLAIN every statement with all audited indexes present (``used_with_all``);
4. drop all audited indexes: that is the baseline, timed with EXPLAIN ANALYZE;
5. per index, in a savepoint: build it (timed, sized), time writes with and without it
   (interleaved), EXPLAIN every statement to see which plans pick it, EXPLAIN ANALYZE
   those to measure the latency it alone buys, then roll it back.

Verdict: **redundant** if an equivalent index exists (``duplicates`` names it), else
**useful** if some plan uses it when it alone is added, else **unused** by this workload.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import analysis.indexes.queries as q
import analysis.indexes.write_cost as write_cost
from analysis.indexes.catalog import IndexSpec, existing_names, list_indexes, quote_ident
from analysis.indexes.equivalence import Equivalence, find_equivalent


@dataclass
class IndexVerdict:
    """One audited index; ``asdict`` of it is the record ``--json`` prints."""

    index: str
    table: str
    columns: list[str]
    verdict: str
    duplicates: str | None
    redundancy: str | None  # "duplicate" | "covered" | None
    size_bytes: int
    build_ms: float
    write_cost_ratio: float | None
    insert_rows_per_s: float | None
    insert_rows_per_s_with: float | None
    update_rows_per_s: float | None
    update_rows_per_s_with: float | None
    used_by: list[str]
    used_with_all: list[str]
    gain_ms: float
    baseline_ms: float  # what the statements that use it took without it (same weighting)
    note: str = ""


@dataclass
class AuditResult:
    """The audit's verdicts plus what it ran, for reports and notebooks."""

    verdicts: list[IndexVerdict]
    statements: int
    workload: list[str]
    baseline_ms: dict[str, float] = field(default_factory=dict)  # per workload entry
    # Per distinct statement: sql, sources, calls, and its scans without / with all indexes.
    statement_details: list[dict] = field(default_factory=list)

    def records(self) -> list[dict]:
        return [asdict(v) for v in self.verdicts]

    def frame(self):
        import pandas as pd

        return pd.DataFrame.from_records(self.records(), columns=list(IndexVerdict.__annotations__))


# Below this a gain is noise, not a reason to keep an index (the verdict stays "useful"
# as the rule says; the note tells the reader).
NEGLIGIBLE_MS = 0.05
NEGLIGIBLE_SHARE = 0.10


class _RollBack(Exception):
    """Raised at the end of the audit so its transaction never commits."""


def _verdict(equivalence: Equivalence | None, used_by: list[str]) -> str:
    if equivalence is not None:
        return "redundant"
    return "useful" if used_by else "unused"


def _equivalences(specs: Sequence[IndexSpec], infos) -> dict[str, Equivalence | None]:
    """Redundancy of each audited index: first against the rest of the schema, then each other.

    Among the audited indexes an exact duplicate only counts against the later one in the
    list, so two identical proposals do not both get discarded.
    """
    audited = {s.name for s in specs}
    by_name = {i.name: i for i in infos}
    order = [s.name for s in specs]
    result: dict[str, Equivalence | None] = {}
    for pos, spec in enumerate(specs):
        info = by_name[spec.name]
        others = [i for i in infos if i.name not in audited]
        found = find_equivalent(info, others)
        if found is None:
            earlier = set(order[:pos])
            peers = [
                by_name[n]
                for n in order
                if n != spec.name and (n in earlier or len(by_name[n].columns) > len(info.columns))
            ]
            found = find_equivalent(info, peers)
        result[spec.name] = found
    return result


def _used_by(statements: list[q.Query], plans: list[dict], index: str) -> list[str]:
    names: list[str] = []
    for statement, plan in zip(statements, plans, strict=True):
        if index in q.index_names(plan):
            names.extend(s for s in statement.sources if s not in names)
    return names


def audit(
    specs: Sequence[IndexSpec],
    workload: q.Workload,
    *,
    using: str = "default",
    repeat: int = 3,
    write_rows: int = 500,
    write_repeat: int = 7,
    analyze: bool = True,
    lock_timeout_ms: int = 10000,
) -> AuditResult:
    """Audit ``specs`` against ``workload`` (a list of ``(name, callable)``); changes nothing.

    ``repeat`` EXPLAIN ANALYZE runs per statement (median, after a warm-up) time the
    latency; ``write_rows`` rows re-inserted and updated ``write_repeat`` times time the
    write cost. ``analyze`` refreshes planner statistics first (inside the transaction).
    """
    from django.db import connections, transaction

    connection = connections[using]
    specs = list(specs)
    if len({s.name for s in specs}) != len(specs):
        raise ValueError("index names must be unique")
    tables = sorted({s.table for s in specs})
    outcome: AuditResult | None = None
    try:
        with transaction.atomic(using=using), connection.cursor() as cur:
            cur.execute("SET LOCAL jit = off")
            cur.execute(f"SET LOCAL lock_timeout = {int(lock_timeout_ms)}")
            statements = q.capture(workload, connection)
            # DDL refuses to run while deferred foreign-key checks are queued (rows the
            # caller or the workload wrote in this transaction): run them now. Deferred
            # again afterwards, for the write-cost savepoints.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute("SET CONSTRAINTS ALL DEFERRED")

            present = existing_names(cur, [s.name for s in specs])
            for spec in specs:
                if spec.name not in present:
                    cur.execute(spec.create_sql)
            if analyze:
                for table in tables:
                    cur.execute(f"ANALYZE {quote_ident(table)}")
            infos = list_indexes(cur, tables)
            equivalences = _equivalences(specs, infos)
            all_plans = [q.explain(cur, s) for s in statements]

            for spec in specs:
                cur.execute(spec.drop_sql())
            base_plans = [q.explain(cur, s) for s in statements]
            base_ms = [q.latency_ms(cur, s, repeat) for s in statements]
            per_entry: dict[str, float] = {}
            for s, ms in zip(statements, base_ms, strict=True):
                for source in s.sources:
                    per_entry[source] = per_entry.get(source, 0.0) + ms * s.calls / len(s.sources)

            samples = {t: write_cost.sample_keys(cur, t, write_rows) for t in tables}
            verdicts = [
                _audit_one(
                    cur,
                    spec,
                    statements,
                    all_plans,
                    base_ms,
                    equivalences,
                    samples,
                    repeat,
                    write_repeat,
                )
                for spec in specs
            ]
            outcome = AuditResult(
                verdicts=verdicts,
                statements=len(statements),
                workload=[name for name, _ in workload],
                baseline_ms=per_entry,
                statement_details=[
                    {
                        "sql": s.sql,
                        "sources": list(s.sources),
                        "calls": s.calls,
                        "baseline_ms": round(ms, 3),
                        "baseline_scans": q.scans(plan),
                        "scans_with_all": q.scans(with_all),
                    }
                    for s, ms, plan, with_all in zip(
                        statements, base_ms, base_plans, all_plans, strict=True
                    )
                ],
            )
            raise _RollBack
    except _RollBack:
        pass
    assert outcome is not None
    return outcome


def _audit_one(
    cur, spec, statements, all_plans, base_ms, equivalences, samples, repeat, write_repeat
) -> IndexVerdict:
    sample = samples[spec.table]
    without = with_index = ratio = None
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
        if sample:
            without, with_index, ratio = write_cost.compare(
                cur, spec.table, spec.columns, spec.drop_sql(), sample, write_repeat
            )
        plans = [q.explain(cur, s) for s in statements]
        gain = baseline = 0.0
        for s, plan, before in zip(statements, plans, base_ms, strict=True):
            if spec.name in q.index_names(plan):
                after = q.latency_ms(cur, s, repeat)
                gain += (before - after) * s.calls
                baseline += before * s.calls
        used_by = _used_by(statements, plans, spec.name)
    finally:
        cur.execute("ROLLBACK TO SAVEPOINT wb_audit_index")
        cur.execute("RELEASE SAVEPOINT wb_audit_index")
    equivalence = equivalences[spec.name]
    note = ""
    if checkxmin:
        note = "built over broken HOT chains: unusable in this transaction; VACUUM the table first"
    if sample is None:
        note = (note + "; " if note else "") + "empty table: write cost not measured"
    if equivalence is None and used_by and gain < max(NEGLIGIBLE_MS, NEGLIGIBLE_SHARE * baseline):
        note = (note + "; " if note else "") + "picked by the planner, but no measurable gain"
    return IndexVerdict(
        index=spec.name,
        table=spec.table,
        columns=list(spec.columns),
        verdict=_verdict(equivalence, used_by),
        duplicates=equivalence.by if equivalence else None,
        redundancy=equivalence.kind if equivalence else None,
        size_bytes=int(size_bytes),
        build_ms=round(build_ms, 3),
        write_cost_ratio=round(ratio, 3) if ratio is not None else None,
        insert_rows_per_s=round(without.insert_rows_per_s) if without else None,
        insert_rows_per_s_with=round(with_index.insert_rows_per_s) if with_index else None,
        update_rows_per_s=round(without.update_rows_per_s) if without else None,
        update_rows_per_s_with=round(with_index.update_rows_per_s) if with_index else None,
        used_by=used_by,
        used_with_all=_used_by(statements, all_plans, spec.name),
        gain_ms=round(gain, 3),
        baseline_ms=round(baseline, 3),
        note=note,
    )

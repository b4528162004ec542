"""The index audit and advisor: which indexes to keep, add and drop, decided as one set.

Everything happens in one transaction that is rolled back, so the database ends exactly
as it started whatever state it was in:

1. run the workload once and record its distinct read statements;
2. make sure every proposed index exists; with ``candidates``, read the statements' own
   filters, joins and sorts for indexes nobody proposed (``candidates.generate``),
   screen them with HypoPG where the server has it (``hypo.screen``) and build the
   survivors: from here on they are judged like the proposals;
3. EXPLAIN every statement with all judged indexes present (``used_with_all``);
4. drop them all: that is the baseline, timed with EXPLAIN ANALYZE;
5. per index, alone on that baseline, in a savepoint: size, build time and the latency
   it alone buys (``alone.measure``);
6. rebuild them all and decide the set (``indexset.choose``): keep an index only when a
   statement is measurably slower without it, largest first, then check every changed
   statement against the all-present state;
7. last, the write cost of each index alone (``alone.write_cost``): the write rounds
   leave dead index entries behind, so they must come after every read decision.

Verdict per index, from the set: **useful** (kept), **redundant** (dropped, and a
duplicate or covering index that *stays* serves it), **unused** (no plan reads it),
**no gain** (plans read it, but no statement is slower beyond the noise band without it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import analysis.indexes.queries as q
import analysis.indexes.write_cost as write_cost
from analysis.indexes import alone, candidates, hypo, indexset
from analysis.indexes.catalog import IndexSpec, existing_names, list_indexes, quote_ident

VERDICTS = ("useful", "redundant", "unused", "no gain")


@dataclass
class IndexVerdict:
    """One judged index; ``asdict`` of it is the record ``--json`` prints."""

    index: str
    table: str
    columns: list[str]
    verdict: str  # one of VERDICTS
    duplicates: str | None  # the index that stays and serves it, when redundant
    redundancy: str | None  # "duplicate" | "covered" | None
    size_bytes: int
    build_ms: float
    write_cost_ratio: float | None
    insert_rows_per_s: float | None
    insert_rows_per_s_with: float | None
    update_rows_per_s: float | None
    update_rows_per_s_with: float | None
    used_by: list[str]  # sources whose plans pick it when it alone is added
    used_with_all: list[str]
    gain_ms: float  # server ms it alone saves (over no judged index), per workload pass
    baseline_ms: float  # what the statements that use it took without it (same weighting)
    note: str = ""
    origin: str = "proposed"  # "proposed" by the caller | "candidate" from the workload
    existed: bool = True  # present in the database when the audit began
    action: str = "keep"  # keep | add | drop | none, relative to the database as it was
    reason: str = ""  # the set's reason: needed, needed (final check), redundant, unused, no gain
    used_in_set: list[str] = field(default_factory=list)  # sources reading it in the set
    saving_ms: float | None = None  # per workload pass where it stands in the set
    saving_ci: list[float] | None = None
    saving_by_source: dict = field(default_factory=dict)


@dataclass
class AuditResult:
    """The verdicts plus what the audit ran, for reports and notebooks."""

    verdicts: list[IndexVerdict]
    statements: int
    workload: list[str]
    baseline_ms: dict[str, float] = field(default_factory=dict)  # per workload entry
    # Per distinct statement: sql, sources, calls, and its scans without / with all indexes.
    statement_details: list[dict] = field(default_factory=list)
    index_set: dict[str, list[str]] = field(default_factory=dict)  # keep / add / drop
    candidates: list[dict] = field(default_factory=list)  # every candidate and its fate
    screen: dict = field(default_factory=dict)  # HypoPG: skipped (why) or rejected
    final_check: list[dict] = field(default_factory=list)
    rounds: int = 0

    def records(self) -> list[dict]:
        return [asdict(v) for v in self.verdicts]

    def frame(self):
        import pandas as pd

        return pd.DataFrame.from_records(self.records(), columns=list(IndexVerdict.__annotations__))


class _RollBack(Exception):
    """Raised at the end of the audit so its transaction never commits."""


def _candidates(cur, shapes, max_candidates, use_hypopg):
    """Generate, screen and cap the workload's own candidates; returns (kept, facts, screen)."""
    tables = sorted({t for s in shapes for t in candidates.usage(s.sql)})
    found = candidates.generate([s.sql for s in shapes], list_indexes(cur, tables))
    screened = hypo.screen(cur, found, shapes) if use_hypopg else None
    if screened is None:
        screened = hypo.Screen(kept=list(found), skipped="screening turned off")
    kept = sorted(screened.kept, key=lambda c: (-len(c.statements), c.table, c.columns))
    capped = {c.name for c in kept[max_candidates:]}
    kept = kept[:max_candidates]
    facts = []
    for c in found:
        fate = screened.rejected.get(c.name) or ("over the cap" if c.name in capped else "built")
        facts.append(
            {
                "index": c.name,
                "table": c.table,
                "columns": list(c.columns),
                "shapes": list(c.shapes),
                "asked_by": sorted({src for i in c.statements for src in shapes[i].sources}),
                "screen": fate,
                "estimate": screened.estimates.get(c.name),
            }
        )
    screen = {"skipped": screened.skipped, "rejected": dict(screened.rejected)}
    return [c.spec() for c in kept], facts, screen


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
    with_candidates: bool = False,
    use_hypopg: bool = True,
    max_candidates: int = 30,
    rounds: int = 7,
) -> AuditResult:
    """Audit ``specs`` (and, ``with_candidates``, the workload's own ideas); changes nothing.

    ``repeat`` EXPLAIN ANALYZE runs per statement (median, after a warm-up) time each
    index alone; ``rounds`` paired rounds decide the set; ``write_rows`` rows re-inserted
    and updated ``write_repeat`` times time the write cost. ``analyze`` refreshes planner
    statistics first (inside the transaction).
    """
    from django.db import connections, transaction

    connection = connections[using]
    specs = list(specs)
    if len({s.name for s in specs}) != len(specs):
        raise ValueError("index names must be unique")
    outcome: AuditResult | None = None
    try:
        with transaction.atomic(using=using), connection.cursor() as cur:
            cur.execute("SET LOCAL jit = off")
            cur.execute(f"SET LOCAL lock_timeout = {int(lock_timeout_ms)}")
            statements = q.capture(workload, connection)
            shapes = q.by_text(statements)
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
                for table in sorted({s.table for s in specs}):
                    cur.execute(f"ANALYZE {quote_ident(table)}")
            found, facts, screen = [], [], {}
            if with_candidates:
                proposed = {s.name for s in specs}
                found, facts, screen = _candidates(cur, shapes, max_candidates, use_hypopg)
                taken = existing_names(cur, [c.name for c in found])
                found = [c for c in found if c.name not in proposed and c.name not in taken]
                for candidate in found:
                    cur.execute(candidate.create_sql)
            judged = specs + found
            origin = {s.name: "proposed" for s in specs} | {c.name: "candidate" for c in found}
            tables = sorted({s.table for s in judged})
            infos = list_indexes(cur, tables)
            all_plans = [q.explain(cur, s) for s in statements]

            for spec in judged:
                cur.execute(spec.drop_sql())
            base_plans = [q.explain(cur, s) for s in statements]
            base_ms = [q.latency_ms(cur, s, repeat) for s in statements]
            per_entry: dict[str, float] = {}
            for s, ms in zip(statements, base_ms, strict=True):
                for source in s.sources:
                    per_entry[source] = per_entry.get(source, 0.0) + ms * s.calls / len(s.sources)

            facts_alone = {
                spec.name: alone.measure(cur, spec, statements, base_ms, repeat) for spec in judged
            }
            for spec in judged:
                cur.execute(spec.create_sql)
            cost = {n: float(a.size_bytes) for n, a in facts_alone.items()}
            chosen = indexset.choose(
                cur, judged, shapes, infos, cost=cost, existing=present, rounds=rounds
            )
            # Writes last (alone.py says why), on the state with no judged index.
            cur.execute("SAVEPOINT wb_audit_write_rounds")
            for spec in judged:
                cur.execute(spec.drop_sql())
            samples = {t: write_cost.sample_keys(cur, t, write_rows) for t in tables}
            for spec in judged:
                alone.write_cost(
                    cur, spec, facts_alone[spec.name], samples[spec.table], write_repeat
                )
            cur.execute("ROLLBACK TO SAVEPOINT wb_audit_write_rounds")
            verdicts = [
                _verdict(
                    spec,
                    origin[spec.name],
                    spec.name in present,
                    d,
                    facts_alone[spec.name],
                    alone.used_by(statements, all_plans, spec.name),
                )
                for spec, d in zip(judged, chosen.decisions, strict=True)
            ]
            for fact in facts:
                if fact["index"] in origin:
                    d = next(v for v in verdicts if v.index == fact["index"])
                    fact["screen"] = f"built; {d.verdict}"
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
                index_set={
                    "keep": [v.index for v in verdicts if v.action == "keep"],
                    "add": [v.index for v in verdicts if v.action == "add"],
                    "drop": [v.index for v in verdicts if v.action == "drop"],
                },
                candidates=facts,
                screen=screen,
                final_check=chosen.final_check,
                rounds=rounds,
            )
            raise _RollBack
    except _RollBack:
        pass
    assert outcome is not None
    return outcome


def _verdict(spec, origin, existed, decision, facts, used_with_all) -> IndexVerdict:
    if decision.keep:
        verdict, action = "useful", ("keep" if existed else "add")
    else:
        verdict = decision.reason if decision.reason in VERDICTS else "no gain"
        action = "drop" if existed else "none"
    saving = decision.saving
    return IndexVerdict(
        index=spec.name,
        table=spec.table,
        columns=list(spec.columns),
        verdict=verdict,
        duplicates=decision.covered_by,
        redundancy=decision.redundancy,
        size_bytes=facts.size_bytes,
        build_ms=facts.build_ms,
        write_cost_ratio=facts.write_cost_ratio,
        insert_rows_per_s=facts.insert_rows_per_s,
        insert_rows_per_s_with=facts.insert_rows_per_s_with,
        update_rows_per_s=facts.update_rows_per_s,
        update_rows_per_s_with=facts.update_rows_per_s_with,
        used_by=facts.used_by,
        used_with_all=used_with_all,
        gain_ms=facts.gain_ms,
        baseline_ms=facts.baseline_ms,
        note="; ".join(facts.notes),
        origin=origin,
        existed=existed,
        action=action,
        reason=decision.reason,
        used_in_set=decision.used_by,
        saving_ms=saving.ms if saving else None,
        saving_ci=saving.ci if saving else None,
        saving_by_source=saving.by_source if saving else {},
    )

"""Which indexes to keep, decided as a set: every statement as fast as with all, fewest writes.

Start with every judged index present (the caller's proposals and the verified
candidates) next to the indexes that are not being judged (primary keys, unique
constraints, Django's foreign-key indexes: they stay whatever happens). Then, one index
at a time, cheapest to lose first: those the database does not have yet (a new index is
a migration to review and a build to run, so it must beat what exists), then the
existing ones; within each, those no plan reads, then the largest (every row written
writes an entry in each, so size stands for the write cost):

* if no statement's current plan reads it, dropping it changes no plan: it goes;
* else the statements that read it are timed with and without it, paired round by round
  (a savepoint drops it and rolling back restores it instantly), and it stays only when
  some statement is slower without it beyond the noise band (``analysis.stats.judge``:
  the interval of the speedup excludes 1 and the change is at least ``min_effect``) and
  the workload saves at least ``min_saving_ms`` per pass with it.

Dropping is greedy, so a last check times every statement whose plan changed against
the all-present state (the indexes its all-present plan read are rebuilt in a savepoint
for each round); a statement slower beyond the band gets those indexes back. Only then
is a dropped index called redundant, and only against an index that stays, so a
covering pair never loses both members.

Savings are per pass of the workload: the sum over statements of calls x (time without
- time with), its median over rounds and a bootstrap interval, also split by source.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import analysis.indexes.queries as q
from analysis import stats
from analysis.indexes.catalog import IndexInfo, IndexSpec
from analysis.indexes.equivalence import find_equivalent

MIN_SAVING_MS = 0.05


@dataclass
class Saving:
    """Server ms per pass of the workload an index saves where it stands, with its interval."""

    ms: float
    ci: list[float] | None
    by_source: dict[str, dict] = field(default_factory=dict)  # source -> {"ms", "ci"}
    statements: list[dict] = field(default_factory=list)  # per statement: judge() + sources


@dataclass
class Decision:
    """One judged index: kept or dropped, why, and what it saves where it stands."""

    index: str
    table: str
    columns: list[str]
    keep: bool
    reason: str
    covered_by: str | None = None
    redundancy: str | None = None  # "duplicate" | "covered", against an index that stays
    used_by: list[str] = field(default_factory=list)  # sources whose final plans read it
    saving: Saving | None = None


@dataclass
class IndexSet:
    decisions: list[Decision]
    final_check: list[dict]  # per re-checked statement: sources, judge() vs all present
    rounds: int

    def kept(self) -> list[str]:
        return [d.index for d in self.decisions if d.keep]

    def dropped(self) -> list[str]:
        return [d.index for d in self.decisions if not d.keep]


def _paired(cur, toggle_sql: list[str], statements: Sequence[q.Query], rounds: int):
    """Times of each statement in the current state and with ``toggle_sql`` applied in a
    savepoint, alternating which goes first; one discarded warm-up round, and one untimed
    run of each statement after every switch of state."""
    now: list[list[float]] = [[] for _ in statements]
    toggled: list[list[float]] = [[] for _ in statements]
    for r in range(rounds + 1):
        for state in (False, True) if r % 2 else (True, False):
            if state:
                cur.execute("SAVEPOINT wb_index_set")
                for sql in toggle_sql:
                    cur.execute(sql)
            try:
                # DDL (and rolling it back) empties the backend's relation cache: one
                # untimed run per state first, so neither state pays for re-planning cold.
                for s in statements:
                    q.timed_ms(cur, s)
                times = [q.timed_ms(cur, s) for s in statements]
            finally:
                if state:
                    cur.execute("ROLLBACK TO SAVEPOINT wb_index_set")
                    cur.execute("RELEASE SAVEPOINT wb_index_set")
            if r:
                for bucket, ms in zip(toggled if state else now, times, strict=True):
                    bucket.append(ms)
    return now, toggled


def _weighted(statements, without, with_, source: str | None = None) -> list[float]:
    """Per round: sum over statements of calls (of ``source``) x (without - with)."""
    rounds = len(without[0]) if without else 0
    totals = []
    for r in range(rounds):
        total = 0.0
        for s, wo, wi in zip(statements, without, with_, strict=True):
            calls = s.calls if source is None else s.calls_by_source.get(source, 0)
            total += calls * (wo[r] - wi[r])
        totals.append(total)
    return totals


def _interval(values: list[float]) -> tuple[float, list[float] | None]:
    point = stats.percentile(values, 50)
    ci = stats.bootstrap_ci(values, 50)
    return round(point, 3), None if ci is None else [round(ci[0], 3), round(ci[1], 3)]


def saving(statements: Sequence[q.Query], without, with_) -> Saving:
    """The saving of one index from paired samples (``without`` / ``with_`` per statement)."""
    ms, ci = _interval(_weighted(statements, without, with_))
    by_source = {}
    for source in dict.fromkeys(src for s in statements for src in s.sources):
        point, interval = _interval(_weighted(statements, without, with_, source))
        by_source[source] = {"ms": point, "ci": interval}
    judged = [
        {"sources": list(s.sources), "calls": s.calls, **stats.judge(wo, wi)}
        for s, wo, wi in zip(statements, without, with_, strict=True)
    ]
    return Saving(ms=ms, ci=ci, by_source=by_source, statements=judged)


def _needed(measured: Saving, min_saving_ms: float) -> bool:
    faster = any(j["verdict"] == "faster" for j in measured.statements)
    return faster and measured.ms >= min_saving_ms and bool(measured.ci) and measured.ci[0] > 0


def _reads(plans: dict[int, dict], name: str) -> list[int]:
    return [i for i, plan in plans.items() if name in q.index_names(plan)]


def choose(
    cur,
    specs: Sequence[IndexSpec],
    statements: Sequence[q.Query],
    infos: Sequence[IndexInfo],
    *,
    cost: dict[str, float],
    existing: Iterable[str] = (),
    rounds: int = 7,
    min_saving_ms: float = MIN_SAVING_MS,
) -> IndexSet:
    """Decide the set (see the module's docstring). Every spec must exist now; the caller's
    transaction is left with the chosen set in place and must be rolled back."""
    by_name = {s.name: s for s in specs}
    plans = {i: q.explain(cur, s) for i, s in enumerate(statements)}
    all_plans = dict(plans)
    existing = set(existing)
    order = sorted(
        by_name, key=lambda n: (n in existing, bool(_reads(plans, n)), -cost.get(n, 0.0), n)
    )  # what the database lacks first; then unread first, then the costliest to keep
    decisions: dict[str, Decision] = {}
    for name in order:
        spec = by_name[name]
        reading = _reads(plans, name)
        if not reading:
            cur.execute(spec.drop_sql())
            decisions[name] = Decision(name, spec.table, list(spec.columns), False, "unused")
            continue
        chosen = [statements[i] for i in reading]
        with_, without = _paired(cur, [spec.drop_sql()], chosen, rounds)
        measured = saving(chosen, without, with_)
        if _needed(measured, min_saving_ms):
            decisions[name] = Decision(
                name, spec.table, list(spec.columns), True, "needed", saving=measured
            )
            continue
        cur.execute(spec.drop_sql())
        for i in reading:
            plans[i] = q.explain(cur, statements[i])
        decisions[name] = Decision(
            name, spec.table, list(spec.columns), False, "no gain", saving=measured
        )
    final = _final_check(cur, by_name, statements, plans, all_plans, decisions, rounds)
    _explain_drops(decisions, infos)
    for d in decisions.values():
        d.used_by = sorted({src for i in _reads(plans, d.index) for src in statements[i].sources})
    return IndexSet([decisions[s.name] for s in specs], final, rounds)


def _final_check(cur, by_name, statements, plans, all_plans, decisions, rounds) -> list[dict]:
    """Statements whose plan changed, timed against the all-present state; repairs slow ones."""
    dropped = {n for n, d in decisions.items() if not d.keep}
    changed = [
        i for i in plans if q.index_names(all_plans[i]) & dropped and plans[i] != all_plans[i]
    ]
    results = []
    for i in changed:
        needed = sorted(q.index_names(all_plans[i]) & dropped)
        creates = [by_name[n].create_sql for n in needed]
        final, everything = _paired(cur, creates, [statements[i]], rounds)
        verdict = stats.judge(final[0], everything[0])  # "faster": all-present is faster
        slower = (
            verdict["verdict"] == "faster"
            and (stats.percentile(final[0], 50) - stats.percentile(everything[0], 50))
            * statements[i].calls
            >= MIN_SAVING_MS
        )
        results.append(
            {
                "sources": list(statements[i].sources),
                "restored": needed if slower else [],
                **verdict,
            }
        )
        if slower:
            for n in needed:
                cur.execute(by_name[n].create_sql)
                decisions[n].keep, decisions[n].reason = True, "needed (final check)"
            dropped -= set(needed)
            plans[i] = q.explain(cur, statements[i])
    return results


def _explain_drops(decisions: dict[str, Decision], infos: Sequence[IndexInfo]) -> None:
    """A dropped index duplicated or covered by one that stays is "redundant" against it."""
    gone = {n for n, d in decisions.items() if not d.keep}
    staying = [i for i in infos if i.name not in gone]
    by_name = {i.name: i for i in infos}
    for name, decision in decisions.items():
        if decision.keep or name not in by_name:
            continue
        found = find_equivalent(by_name[name], staying)
        if found is not None:
            decision.reason, decision.covered_by = "redundant", found.by
            decision.redundancy = found.kind

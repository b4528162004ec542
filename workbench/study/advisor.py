"""The index advisor on the marketplace: the plan's 24 indexes and the workload's own ideas.

The workload is every scenario (the marketplace's real endpoints) called the way each
variant serves it: lazy and eager loading, and under the cached variants twice from an
empty cache, so both the miss path (the queries a miss costs) and the hit path count.
``analysis.indexes.audit`` then judges the plan's indexes together with the candidates
it reads from that workload's SQL (screened with HypoPG where the server has it, then
built and timed), and decides one index set: keep, add, drop.

:func:`advise` returns the advice as a plain dict (what ``advice.json`` holds);
:func:`write_migration` turns its index set into Django migrations.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

WORKLOAD_DESCRIPTION = (
    "one call of each scenario under each variant's switches (lazy and eager loading; "
    "the cached variants twice from an empty cache: the miss, then the hit), every "
    "statement timed with EXPLAIN ANALYZE in paired rounds"
)


def workload(names: Iterable[str], page_size: int = 20) -> list[tuple[str, Callable[[], Any]]]:
    """``(scenario name, call)`` entries covering every variant's way of serving each one."""
    import marketplace.cache
    from marketplace.api import switches
    from workbench.study import scenarios as study_scenarios
    from workbench.study.variants import VARIANTS

    runnable = study_scenarios.build(list(names), page_size=page_size)
    states = list(dict.fromkeys((v.eager, v.cache) for v in VARIANTS.values()))
    entries: list[tuple[str, Callable[[], Any]]] = []
    for eager, cache in states:
        passes = 2 if cache else 1  # a miss from an empty cache, then the hit
        for n in range(passes):
            for position, scenario in enumerate(runnable):
                fresh = cache and n == 0 and position == 0

                def call(scenario=scenario, eager=eager, cache=cache, fresh=fresh):
                    if fresh:
                        marketplace.cache.clear()
                    with switches.variant(eager=eager, cache=cache):
                        return scenario()

                entries.append((scenario.name, call))
    return entries


def advise(
    scenarios: Iterable[str] = ("all",),
    *,
    page_size: int = 20,
    candidates: bool = True,
    use_hypopg: bool = True,
    repeat: int = 3,
    rounds: int = 7,
    write_rows: int = 500,
    write_repeat: int = 5,
    allow_external: bool = False,
) -> dict[str, Any]:
    """The advice on the current data: per-index records, the index set, the candidates.

    The audited tables are vacuumed before (no broken HOT chains hiding a new index
    from the transaction that builds it) and after (the write-cost rounds leave dead
    rows behind); the cache is cleared afterwards. Nothing else changes.
    """
    import marketplace.cache
    from analysis.indexes import audit
    from workbench.study import plan_indexes
    from workbench.study.steps import ready, scenario_names, vacuum

    names = scenario_names(scenarios)
    ready("audit indexes in", allow_external)
    specs = plan_indexes.index_specs()
    tables = sorted({s.table for s in specs})
    vacuum(tables)
    entries = workload(names, page_size)
    try:
        result = audit(
            specs,
            entries,
            repeat=repeat,
            rounds=rounds,
            write_rows=write_rows,
            write_repeat=write_repeat,
            with_candidates=candidates,
            use_hypopg=use_hypopg,
        )
    finally:
        vacuum(tables)
        marketplace.cache.clear()
    return {
        "records": result.records(),
        "index_set": result.index_set,
        "candidates": result.candidates,
        "screen": result.screen,
        "final_check": result.final_check,
        "rounds": result.rounds,
        "statements": result.statements,
        "scenarios": names,
        "calls_per_scenario": {n: sum(e[0] == n for e in entries) for n in names},
        "measured_on": WORKLOAD_DESCRIPTION,
    }


def changes(advice: dict[str, Any]) -> list:
    """The set as ``analysis.indexes.migration.Change`` records, relative to the models.

    The models declare the plan's 24 (their 0002 migrations), so the migration takes the
    migration state to the recommended set: it adds each kept candidate and removes each
    plan index not kept, whether or not the database has it right now (on a database
    with the 0002s reverted, ``migrate`` builds them and then this removes the unwanted).
    """
    from analysis.indexes.migration import Change
    from workbench.study import plan_indexes

    specs = {s.name: s for s in plan_indexes.index_specs()}
    out = []
    for r in advice["records"]:
        kept = r["verdict"] == "useful"
        if r["origin"] == "candidate" and kept:
            out.append(Change("add", r["index"], r["table"], tuple(r["columns"])))
        elif r["origin"] == "proposed" and not kept and r["index"] in specs:
            out.append(
                Change("drop", r["index"], r["table"], definition=specs[r["index"]].create_sql)
            )
    return out


def write_migration(
    advice: dict[str, Any], folder: str | Path, *, concurrently: bool = False
) -> list[Path]:
    """The index set as one migration per app under ``folder`` (nothing when no change)."""
    from analysis.indexes import migration

    return migration.write(folder, changes(advice), concurrently=concurrently)


def migration_by_table(advice: dict[str, Any], written: list[Path]) -> dict[str, str]:
    """Table name to the migration file (of its app) among ``written``."""
    from analysis.indexes.migration import app_label

    by_app = {p.parent.name: str(p) for p in written}
    tables = {r["table"] for r in advice["records"]}
    return {t: by_app[app_label(t)] for t in tables if app_label(t) in by_app}

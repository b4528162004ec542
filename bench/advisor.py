"""Benchmark: does the advisor's index set keep every scenario as fast as all 24, for less write?

Usage: ``python bench/advisor.py --scale medium [--repeat 100] [--rounds 10] [--keep]``

Creates a fresh database next to the workbench's, migrates it (the plan's 24 indexes
exist), seeds it, and runs ``workbench.study.advisor.advise`` on it (the plan's 24 and
the workload's own candidates, decided as one set). Then it measures every scenario
twice over, under two index states, interleaved in rounds (``analysis.measure``):

* ``all24``: the plan's 24 indexes, no candidate;
* ``set``: the recommended set (kept and added indexes present, dropped ones absent),

each with lazy loading (the ``indexes`` variant's switches) and eager loading (the
``all`` variant's miss path). Per scenario and loading it judges the set's p50 against
all24's (``analysis.stats.judge``: "slower" only when the interval and the 10% minimum
effect say so). Last, per table, it times batch writes under both states, interleaved
(``analysis.indexes.write_cost.compare``, the set's DDL applied in a savepoint).

Prints JSON lines: the advice (timing, set sizes), one per scenario and loading, one
per table, and a verdict line ``{"scenarios_slower": [...], "write_cost_lower": ...}``.
Drops the database at the end (unless ``--keep``).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import scratch  # noqa: E402  (bench/, this script's own folder)


def _state_sql(specs_by_name, present: set[str], wanted: set[str]) -> list[str]:
    drops = [specs_by_name[n].drop_sql() for n in sorted(present - wanted)]
    creates = [specs_by_name[n].create_sql for n in sorted(wanted - present)]
    return drops + creates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="medium")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=100, help="timed calls per cell")
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds")
    parser.add_argument("--write-rows", type=int, default=500)
    parser.add_argument("--write-repeat", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()

    url = scratch.create("advisor")
    try:
        from workbench.env import django_env

        django_env.setup()
        from django.core.management import call_command
        from django.db import connection, transaction

        import marketplace.cache
        from analysis import stats
        from analysis.indexes import candidates, existing_names, write_cost
        from analysis.indexes.catalog import IndexSpec
        from analysis.measure import grouped
        from analysis.measure import measure as run_measure
        from fixtures.seeding import seed
        from marketplace.api import switches
        from workbench.env import maintenance
        from workbench.study import advisor, plan_indexes, scenarios
        from workbench.study.measure import classify

        call_command("migrate", verbosity=0, interactive=False)
        seeded = seed(args.scale, seed=args.seed, progress=False)
        connection.close()

        started = time.perf_counter()
        advice = advisor.advise(write_repeat=args.write_repeat)
        advise_s = time.perf_counter() - started
        s = advice["index_set"]
        print(
            json.dumps(
                {
                    "bench": "advisor",
                    "scale": args.scale,
                    "rows_seeded": sum(seeded.rows.values()),
                    "advise_seconds": round(advise_s, 1),
                    "statements": advice["statements"],
                    "candidates": len(advice["candidates"]),
                    "built": sum(r["origin"] == "candidate" for r in advice["records"]),
                    "screen": advice["screen"].get("skipped") or "hypopg",
                    "keep": len(s["keep"]),
                    "add": s["add"],
                    "drop": len(s["drop"]),
                    "python": platform.python_version(),
                }
            ),
            flush=True,
        )

        specs = {sp.name: sp for sp in plan_indexes.index_specs()}
        for r in advice["records"]:
            if r["origin"] == "candidate":
                spec = candidates.Candidate(r["table"], tuple(r["columns"])).spec()
                specs[spec.name] = IndexSpec(spec.name, spec.table, spec.columns, spec.create_sql)
        all24 = set(plan_indexes.NAMES)
        chosen = set(s["keep"]) | set(s["add"])
        states = {"all24": all24, "set": chosen}

        def present() -> set[str]:
            with connection.cursor() as cur:
                return existing_names(cur, specs)

        def enter(state: str) -> None:
            with connection.cursor() as cur:
                for sql in _state_sql(specs, present(), states[state]):
                    cur.execute(sql)

        def factory(state: str, eager: bool):
            @contextmanager
            def variant():
                enter(state)
                marketplace.cache.clear()
                with switches.variant(eager=eager, cache=False):
                    yield

            return variant

        maintenance.vacuum({sp.table for sp in specs.values()}, analyze=True)
        variants = {
            f"{state}/{loading}": factory(state, loading == "eager")
            for state in states
            for loading in ("lazy", "eager")
        }
        names = scenarios.check_names(["all"])
        result = run_measure(
            scenarios.build(names),
            variants,
            repeat=args.repeat,
            rounds=args.rounds,
            time_box=None,
            order=grouped({v: v.split("/")[0] for v in variants}),
            classify=classify,
            explain=False,
            cpu=False,
        )
        enter("all24")
        slower = []
        for name in names:
            for loading in ("lazy", "eager"):
                before = result.walls(name, f"all24/{loading}")
                after = result.walls(name, f"set/{loading}")
                judged = stats.judge(before, after)
                if judged["verdict"] == "slower":
                    slower.append(f"{name}/{loading}")
                print(
                    json.dumps(
                        {
                            "scenario": name,
                            "loading": loading,
                            "p50_all24_ms": round(stats.percentile(before, 50), 3),
                            "p50_set_ms": round(stats.percentile(after, 50), 3),
                            **judged,
                        }
                    ),
                    flush=True,
                )

        ratios = {}
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in sorted({sp.table for sp in specs.values()}):
                mine = [specs[n] for n in specs if specs[n].table == table]
                here = {n for n in all24 if specs[n].table == table}
                toggle = _state_sql(specs, here, {n for n in chosen if specs[n].table == table})
                if not toggle:
                    continue
                columns = tuple(dict.fromkeys(c for sp in mine for c in sp.columns))
                sample = write_cost.sample_keys(cur, table, args.write_rows)
                if sample is None:
                    continue
                as_set, as_all24, ratio = write_cost.compare(
                    cur, table, columns, "; ".join(toggle), sample, args.write_repeat
                )
                ratios[table] = ratio
                print(
                    json.dumps(
                        {
                            "table": table,
                            "indexes_all24": len(here),
                            "indexes_set": len({n for n in chosen if specs[n].table == table}),
                            "insert_rows_per_s_all24": round(as_all24.insert_rows_per_s),
                            "insert_rows_per_s_set": round(as_set.insert_rows_per_s),
                            "update_rows_per_s_all24": round(as_all24.update_rows_per_s),
                            "update_rows_per_s_set": round(as_set.update_rows_per_s),
                            "write_time_all24_over_set": round(ratio, 3),
                        }
                    ),
                    flush=True,
                )
            transaction.set_rollback(True)
        print(
            json.dumps(
                {
                    "bench": "advisor",
                    "verdict": True,
                    "scenarios_judged": 2 * len(names),
                    "scenarios_slower": slower,
                    "write_cost_lower": all(r > 1 for r in ratios.values()),
                    "write_time_all24_over_set": {t: round(r, 3) for t, r in ratios.items()},
                }
            )
        )
    finally:
        scratch.drop(url, keep=args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())

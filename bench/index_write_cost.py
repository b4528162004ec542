"""Benchmark: what the plan's indexes cost writers, table by table, all of them at once.

Usage: ``python bench/index_write_cost.py --scale medium [--rows 500] [--repeat 7] [--keep]``

The audit prices each index alone; this prices the plan as a whole. It creates a fresh
database next to the workbench's (``DATABASE_URL`` or the embedded server), migrates it
(so the plan's 24 indexes exist), seeds it, and then, per table the plan indexes, in one
transaction that is rolled back: re-inserts and updates ``--rows`` of the table's own
rows with the plan's indexes and, interleaved round by round, with them dropped in a
savepoint (``analysis.indexes.write_cost.compare``). The update touches every column the
plan indexes on that table.

Prints one JSON line (per table: plan index count, rows/s without and with them, and the
median per-round ratio of write time with / without), then drops the database (unless
``--keep``).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import scratch  # noqa: E402  (bench/, this script's own folder)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="medium")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rows", type=int, default=500, help="rows per write batch")
    parser.add_argument("--repeat", type=int, default=7, help="rounds (median)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()

    url = scratch.create("index_write")
    try:
        from workbench.env import django_env

        django_env.setup()
        from django.core.management import call_command
        from django.db import connection, transaction

        from analysis.indexes import write_cost
        from analysis.indexes.catalog import quote_ident
        from fixtures.seeding import seed
        from workbench.study import plan_indexes as perf_indexes

        call_command("migrate", verbosity=0, interactive=False)
        seeded = seed(args.scale, seed=args.seed, progress=False)
        connection.close()  # the seeder used its own connection; start clean

        specs = perf_indexes.index_specs()
        tables: dict[str, dict] = {}
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in sorted({s.table for s in specs}):
                mine = [s for s in specs if s.table == table]
                columns = tuple(dict.fromkeys(c for s in mine for c in s.columns))
                drop = "DROP INDEX " + ", ".join(quote_ident(s.name) for s in mine)
                sample = write_cost.sample_keys(cur, table, args.rows)
                if sample is None:
                    continue
                without, with_plan, ratio = write_cost.compare(
                    cur, table, columns, drop, sample, args.repeat
                )
                tables[table] = {
                    "plan_indexes": len(mine),
                    "rows": without.rows,
                    "insert_rows_per_s_without": round(without.insert_rows_per_s),
                    "insert_rows_per_s_with_plan": round(with_plan.insert_rows_per_s),
                    "update_rows_per_s_without": round(without.update_rows_per_s),
                    "update_rows_per_s_with_plan": round(with_plan.update_rows_per_s),
                    "write_cost_ratio": round(ratio, 3),
                }
            transaction.set_rollback(True)
        print(
            json.dumps(
                {
                    "bench": "index_write_cost",
                    "scale": args.scale,
                    "rows_seeded": sum(seeded.rows.values()),
                    "batch_rows": args.rows,
                    "repeat": args.repeat,
                    "seconds": round(time.perf_counter() - started, 2),
                    "python": platform.python_version(),
                    "tables": tables,
                }
            )
        )
    finally:
        scratch.drop(url, keep=args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())

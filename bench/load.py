"""Benchmark: baseline and all side by side under concurrent users, through gunicorn.

Usage: ``python bench/load.py --scale small --users 8 --duration 20 [--warmup 5] [--keep]``

It creates a fresh database next to the workbench's (``DATABASE_URL`` or the embedded
server), migrates it and seeds it at ``--scale``, then runs ``workbench.load.run`` on it:
for ``baseline`` then ``all``, a copy of that database served by gunicorn (defaults for the
machine) with the variant's indexes and switches, loaded by Locust headless with the
mixed workload (Zipf reads over every scenario, 5% writes) at ``--users`` for
``--warmup`` uncounted seconds, then ``--duration`` counted ones. Prints one JSON line per
variant and level::

    {"variant", "users", "requests", "rps", "p50_ms", "p95_ms", "p99_ms", "errors",
     "queries_per_request", "db_cpu_ms_per_request", "server_cpu_ms_per_request", "hit_rate"}

(``db_cpu_ms_per_request``: the serving backends around each statement, as the
measurement's; ``server_cpu_ms_per_request``: every process of the PostgreSQL server over
the counted window, parallel workers and background processes included, an upper bound
when others use the same server, ``null`` when it is not on this machine.)

and, on stderr, the p95 speedup of ``all`` over ``baseline`` with its bootstrap interval
(``analysis.stats``). The full results go to ``--out`` (``load.json``). Then drops the
database (unless ``--keep``). The load generator shares the machine's cores with
gunicorn, PostgreSQL and Redis: the throughput is this machine's, not the server's alone.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import scratch  # noqa: E402  (bench/, this script's own folder)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="small")
    parser.add_argument("--users", default="8", help="comma-separated levels (8)")
    parser.add_argument("--duration", type=float, default=20.0, help="counted seconds (20)")
    parser.add_argument("--warmup", type=float, default=5.0, help="uncounted seconds (5)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", help="results folder (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    levels = [int(n) for n in args.users.split(",") if n.strip()]

    url = scratch.create("load")
    try:
        from workbench.env import django_env

        django_env.setup()
        from django.core.management import call_command

        from fixtures import seed
        from workbench.load.figures import contract
        from workbench.load.run import LoadOptions, run_load

        call_command("migrate", verbosity=0, interactive=False)
        seeded = seed(args.scale, seed=args.seed, progress=False)
        print(seeded.summary(), file=sys.stderr)
        out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="wb-bench-load-"))
        options = LoadOptions(
            variants=["baseline", "all"],
            users=levels,
            duration=args.duration,
            warmup=args.warmup,
            out=out,
            seed=args.seed,
        )
        result = run_load(options, progress=lambda line: print(line, file=sys.stderr))
        for level in result["levels"]:
            print(json.dumps(contract(level)), flush=True)
            if "vs_baseline" in level:
                judged = level["vs_baseline"]
                print(
                    f"{level['variant']} at {level['users']} users: p95 {judged['speedup']}x "
                    f"baseline's, 95% CI {judged['ci']}, {judged['verdict']}",
                    file=sys.stderr,
                )
        print(f"results: {out / 'load.json'}", file=sys.stderr)
    finally:
        scratch.drop(url, keep=args.keep)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

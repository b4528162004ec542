"""Benchmark: how every scenario's cost grows with the data, under baseline and all.

Usage: ``python bench/scale.py --scales tiny,small,medium [--variants baseline,all]
[--repeat 10] [--time-box 0.5] [--drop]``

Seeds each scale into its own database on the workbench's server
(``wb_bench_scale_scale_<name>``, kept and reused by the next run at the same scale and
seed unless ``--drop``), measures every scenario there (``workbench.study.scale``) and
prints one JSON line per scenario and variant::

    {"scenario", "variant", "points": [{"scale", "rows", "p50_ms", "queries"}],
     "growth": "flat|log|linear|superlinear", "queries_growth", "growing_node"}

``growth`` is the p50's (``analysis.growth``: with two scales it is read from the
log-log slope, so "log" means "clearly sublinear"); ``growing_node`` is the plan node
whose exclusive time grew most from the smallest to the largest scale. The timings are
this noisy 2-core machine's, few calls per cell: read the kinds, not the decimals.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BASE = "wb_bench_scale"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="tiny,small,medium")
    parser.add_argument("--variants", default="baseline,all")
    parser.add_argument("--scenarios", default="all")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--time-box", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--drop", action="store_true", help="drop the scale databases at the end")
    args = parser.parse_args()

    from marketplace.dsn import with_database
    from workbench.commands import argtypes
    from workbench.env import ownership, services

    url = with_database(services.database_url(), BASE)
    ownership.create_database(url)
    os.environ["DATABASE_URL"] = url
    from workbench.env import django_env

    django_env.setup()
    from workbench.study.scale import database_name, scale_curves

    scales = argtypes.names(args.scales)
    try:
        lines = scale_curves(
            scales,
            argtypes.names(args.variants),
            scenarios=None if args.scenarios == "all" else argtypes.names(args.scenarios),
            seed=args.seed,
            repeat=args.repeat,
            time_box=args.time_box or None,
            progress=lambda text: print(text, file=sys.stderr),
        )
        for line in lines:
            print(json.dumps(line, default=str), flush=True)
    finally:
        from django.db import connections

        connections.close_all()
        if args.drop:
            import fixtures

            for scale in scales:
                name = database_name(BASE, fixtures.parse_scale(scale).name)
                ownership.drop_database(with_database(url, name))
        ownership.drop_database(url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

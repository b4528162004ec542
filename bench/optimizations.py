"""Benchmark: every scenario under baseline, indexes, eager, cache and all, on fresh data.

Usage: ``python bench/optimizations.py --scale medium [--repeat 200] [--time-box 2] [--keep]``

It creates a fresh database next to the workbench's (``DATABASE_URL`` or the embedded
server), migrates it, seeds it at ``--scale`` and measures with
``workbench.study.measure.measure`` in one process, the variants interleaved in rounds on
the same data: each scenario ``--warmup`` untimed calls then ``--repeat`` timed ones
(cut short by ``--time-box`` seconds per scenario and variant), plans explained, and the
mixed cache workload under every variant. Then, under ``all``,
the mixed workload again at each ``--write-shares`` value, to show how the hit rate
depends on the share of writes. The full results go to ``--out`` (``results.json``,
``measurements.parquet``, ``plans/``).

Prints one JSON line per scenario::

    {"scenario": "job_list", "baseline": {"queries", "data_queries", "n_plus_one", "samples",
     "p50_ms", "p95_ms", "db_ms", "db_cpu_ms"}, "indexes": {...}, "eager": {...}, "cache": {...},
     "all": {...}, "speedup_p50": baseline p50 / all p50, "speedup_ci": [low, high],
     "speedup_verdict": "faster" | "slower" | "no change", "speedup_miss_p50": the same
     on the calls of all that missed the cache, "speedup_miss_ci", "speedup_miss_verdict",
     "speedup_mixed_p50"/"_ci"/"_verdict": on the mixed traffic's requests of this
     scenario (null unless the mixed result carries per-request samples),
     "speedup_p50_eager": ...,
     "db_ms_ratio": all / baseline, "db_cpu_ratio": all / baseline}

Every speedup is ``analysis.stats.judge`` (p50 of the baseline over p50 of ``all``, a
bootstrap 95% interval, a verdict only when the interval excludes 1 and the change is
at least 10%).

and a last line ``{"cache_hit_rate": ..., ...}`` with the mixed workload's figures, the
same mixed traffic under every variant (hit rate, read p50/p95, queries, database time
and CPU per request), the hit rate per write share, the database CPU method, and the
plan's targets judged on these measurements. Then drops the database (unless ``--keep``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import scratch  # noqa: E402  (bench/, this script's own folder)

FIGURES = ("queries", "data_queries", "count_queries", "auth_queries", "n_plus_one")
FIGURES += ("samples", "p50_ms", "p95_ms", "db_ms", "db_cpu_ms")
REQUEST_KEYS = ("requests", "request_ms", "latencies_ms", "samples_ms")
"""Where a mixed result may hold its per-request samples: numbers (ms), or rows with a
``scenario`` (or ``read``) and ``wall_ms`` (or ``ms``)."""


def _judged(prefix: str, judged: dict | None) -> dict:
    judged = judged or {}
    return {
        f"{prefix}_p50": judged.get("speedup"),
        f"{prefix}_ci": judged.get("ci"),
        f"{prefix}_verdict": judged.get("verdict"),
    }


def _requests(figures: dict | None, scenario: str | None = None) -> list[float]:
    """Per-request wall times (ms) of a mixed result, of one scenario if named; [] if none."""
    for key in REQUEST_KEYS:
        values = (figures or {}).get(key)
        if not isinstance(values, list) or not values:
            continue
        if all(isinstance(v, int | float) for v in values):
            return [float(v) for v in values] if scenario is None else []
        picked = []
        for v in values:
            if isinstance(v, list) and len(v) >= 3:  # [name, kind, ms, hit] (analysis.workload)
                v = {"scenario": v[0], "ms": v[2]}
            if not isinstance(v, dict):
                continue
            ms = v.get("wall_ms", v.get("ms"))
            name = v.get("scenario", v.get("read"))
            if isinstance(ms, int | float) and (scenario is None or name == scenario):
                picked.append(float(ms))
        return picked
    return []


def _mixed_speedup(result, scenario: str | None = None) -> dict | None:
    from analysis.stats import judge

    before = _requests(result.mixed.get("baseline"), scenario)
    after = _requests(result.mixed.get("all"), scenario)
    return judge(before, after, 50) if before and after else None


def _ratio(after, before) -> float | None:
    if after is None or before in (None, 0):
        return None
    return round(after / before, 4)


def _total(rows: list[dict], variant: str, key: str) -> float | None:
    values = [r[variant][key] for r in rows if variant in r]
    return None if not values or any(v is None for v in values) else round(sum(values), 3)


def _mixed(result) -> dict:
    """Per variant, the same mixed traffic: hit rate, latency, database time per request."""
    keys = ("hit_rate", "queries_per_request", "db_ms_per_request", "db_cpu_ms_per_request")
    return {
        variant: {**{k: figures.get(k) for k in keys}, **figures.get("read_latency", {})}
        for variant, figures in result.mixed.items()
    }


def _targets(rows: list[dict], cache: dict, mixed: dict, full_mixed: dict) -> dict:
    """The plan's targets (``workbench.study.criteria``), judged on these measurements.

    Each is judged as the report judges it (``all`` against ``baseline``), with the
    eager variant's and the mixed traffic's figures beside it.
    """
    from workbench.study import criteria

    figures = [{k: v for k, v in r.items() if isinstance(v, dict)} for r in rows]
    judged = {v.criterion: v for v in criteria.evaluate(figures, cache, mixed=full_mixed)}

    def saved(key: str, variant: str) -> float | None:
        return criteria.saved_pct(_total(rows, "baseline", key), _total(rows, variant, key))

    def mixed_saved(key: str) -> float | None:
        before, after = mixed.get("baseline", {}).get(key), mixed.get("all", {}).get(key)
        return criteria.saved_pct(before, after)

    eager_data = criteria.worst(figures, "eager", "data_queries")
    return {
        "data_queries_1_to_2": {
            "measured_eager_max": eager_data,
            "measured_all_max": criteria.worst(figures, "all", "data_queries"),
            "met": criteria.passes(criteria.DATA_QUERIES, eager_data),
        },
        "query_time_down_50pct": {
            "measured_pct": judged[criteria.QUERY_TIME].measured,
            "measured_pct_eager": saved("db_ms", "eager"),
            "measured_pct_mixed_traffic": mixed_saved("db_ms_per_request"),
            "met": judged[criteria.QUERY_TIME].passed,
        },
        "p95_under_200ms": {
            "measured_worst_ms": judged[criteria.P95].measured,
            "measured_worst_eager_ms": criteria.worst(figures, "eager", "p95_ms"),
            "measured_mixed_traffic_ms": mixed.get("all", {}).get("p95_ms"),
            "met": judged[criteria.P95].passed,
        },
        "cache_hit_rate_over_80pct": {
            "measured": cache.get("hit_rate"),
            "met": judged[criteria.CACHE_HIT_RATE].passed,
        },
        "db_cpu_down_50pct": {
            "measured_pct": judged[criteria.DB_CPU].measured,
            "measured_pct_eager": saved("db_cpu_ms", "eager"),
            "measured_pct_mixed_traffic": mixed_saved("db_cpu_ms_per_request"),
            "met": judged[criteria.DB_CPU].passed,
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="medium")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=200, help="timed calls per scenario")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (10)")
    parser.add_argument("--time-box", type=float, default=2.0, help="seconds per cell (0: none)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed calls before them")
    parser.add_argument("--page-size", type=int, default=20)
    parser.add_argument("--requests", type=int, default=2000, help="mixed workload requests")
    parser.add_argument("--write-share", type=float, default=0.05)
    parser.add_argument("--write-shares", default="0,0.02,0.05,0.1", help="hit rate sweep")
    parser.add_argument("--zipf", type=float, default=1.1)
    parser.add_argument("--out", default=None, help="results folder")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args()

    url = scratch.create("optimizations")
    os.environ.setdefault("WORKBENCH_CACHE_PREFIX", "bench")
    try:
        from workbench.env import django_env

        django_env.setup()
        from django.core.management import call_command

        from analysis.measure.latency import speedup
        from fixtures.seeding import seed
        from workbench.study import variants
        from workbench.study.measure import measure
        from workbench.study.mixed import mixed_workload

        call_command("migrate", verbosity=0, interactive=False)
        seeded = seed(args.scale, seed=args.seed, progress=False)
        started = time.perf_counter()
        result = measure(
            repeat=args.repeat,
            rounds=args.rounds,
            time_box=args.time_box or None,
            warmup=args.warmup,
            page_size=args.page_size,
            mixed_requests=args.requests,
            write_share=args.write_share,
            zipf_s=args.zipf,
            seed=args.seed,
            mixed_variants=list(variants.VARIANTS),
            context={"scale": args.scale, "rows_seeded": seeded.total_rows},
            progress=lambda line: print(line, file=sys.stderr),
        )
        sweep = {}
        with variants.restoring(), variants.VARIANTS["all"]():
            for share in [float(s) for s in args.write_shares.split(",") if s.strip()]:
                mixed = mixed_workload(
                    requests=args.requests, write_share=share, zipf_s=args.zipf, seed=args.seed
                )
                sweep[str(share)] = {k: mixed[k] for k in ("hit_rate", "reads", "writes")}
        seconds = time.perf_counter() - started
        out = Path(args.out or f"results/bench_optimizations/{args.scale}")
        result.write(out)

        rows = []
        for name, scenario in result.scenarios.items():
            figures = {
                variant: {k: f.get(k) for k in FIGURES}
                for variant, f in scenario["variants"].items()
            }
            base, best = figures.get("baseline", {}), figures.get("all", {})
            judged = scenario["variants"].get("all", {}).get("speedup")
            miss = speedup(result.walls(name, "baseline"), result.walls(name, "all", hit=False))
            row = {
                "scenario": name,
                **figures,
                **_judged("speedup", judged),
                **_judged("speedup_miss", miss),
                **_judged("speedup_mixed", _mixed_speedup(result, name)),
                "speedup_p50_eager": _ratio(base.get("p50_ms"), figures["eager"]["p50_ms"])
                if "eager" in figures
                else None,
                "db_ms_ratio": _ratio(best.get("db_ms"), base.get("db_ms")),
                "db_cpu_ratio": _ratio(best.get("db_cpu_ms"), base.get("db_cpu_ms")),
            }
            rows.append(row)
            print(json.dumps(row))
        cache = result.cache
        mixed = _mixed(result)
        print(
            json.dumps(
                {
                    "cache_hit_rate": cache.get("hit_rate"),
                    **_judged("speedup_mixed", _mixed_speedup(result)),
                    "cache": cache,
                    "hit_rate_by_write_share": sweep,
                    "mixed": mixed,
                    "db_cpu": result.db_cpu,
                    "totals": {
                        variant: {k: _total(rows, variant, k) for k in ("db_ms", "db_cpu_ms")}
                        for variant in result.parameters["variants"]
                    },
                    "targets": _targets(rows, cache, mixed, result.mixed),
                    "scale": args.scale,
                    "rows_seeded": seeded.total_rows,
                    "repeat": args.repeat,
                    "rounds": result.parameters["rounds"],
                    "time_box": args.time_box or None,
                    "warmup": args.warmup,
                    "seconds": round(seconds, 1),
                    "out": str(out),
                    "python": platform.python_version(),
                }
            )
        )
    finally:
        scratch.drop(url, keep=args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())

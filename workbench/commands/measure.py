"""`workbench measure`: every scenario under every variant, written to a results folder.

The variants are interleaved in rounds, ``--repeat`` timed calls per scenario and variant
(200) cut short by ``--time-box`` seconds per scenario and variant (2; 0 for none); the
table shows each variant's p50 speedup over the baseline with its 95% interval and
verdict. Bad arguments (an unknown scenario or variant, a repeat or page size below 1,
more rounds than repeats, a write share outside [0, 1)) are refused in one line with
exit 2 before anything runs. The
variants need the plan's indexes reverted (baseline, eager, cache) or applied (indexes,
all); that DDL is refused in a database the workbench did not create unless
``--allow-external``, and the indexes are put back as they were at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from workbench.commands import argtypes
from workbench.env import ownership
from workbench.errors import WorkbenchError
from workbench.study.variants import NAMES as VARIANT_NAMES

DEFAULT_VARIANTS = ",".join(VARIANT_NAMES)
# analysis.measure.rounds's defaults, restated so --help needs no Django (a test pins them).
SAMPLES, TIME_BOX, MIN_EFFECT = 200, 2.0, 0.10


def _refuse(message: str) -> int:
    print(f"workbench: error: {message}", file=sys.stderr)
    return 2


def _exponent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= 10:
        raise argparse.ArgumentTypeError(f"must be from 0 to 10: {value}")
    return value


def _speedup(figures: dict[str, Any]) -> str:
    judged = figures.get("speedup")
    if not judged:
        return "-"
    ci = judged.get("ci")
    interval = f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else ""
    return f"{judged['speedup']:.2f}x{interval} {judged['verdict']}"


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def render_table(result) -> str:
    """Scenario x variant figures as a fixed-width table."""
    header = ["scenario", "variant", "queries", "data", "count", "auth", "n+1", "n", "p50 ms"]
    header += ["p95 ms", "db ms", "cpu ms", "p50 speedup [95% CI]"]
    rows = []
    for name, scenario in result.scenarios.items():
        for variant, f in scenario["variants"].items():
            rows.append(
                [
                    name,
                    variant,
                    str(f["queries"]),
                    str(f["data_queries"]),
                    str(f["count_queries"]),
                    str(f["auth_queries"]),
                    str(f["n_plus_one"]),
                    str(f.get("samples", "-")),
                    _fmt(f["p50_ms"]),
                    _fmt(f["p95_ms"]),
                    _fmt(f["db_ms"]),
                    _fmt(f["db_cpu_ms"]),
                    _speedup(f),
                ]
            )
    widths = [max(len(x) for x in col) for col in zip(header, *rows, strict=False)]
    lines = [
        "  ".join(
            h.rjust(w) if i > 1 else h.ljust(w)
            for i, (h, w) in enumerate(zip(header, widths, strict=True))
        )
    ]
    lines += [
        "  ".join(
            c.rjust(w) if i > 1 else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    return "\n".join(lines)


def compact(result, out: Path) -> dict[str, Any]:
    """What --json prints: the figures without plans and per-read details."""
    heavy = {"plans", "plan_diffs", "disappeared", "n_plus_one_details", "statements"}
    scenarios = []
    for name, scenario in result.scenarios.items():
        variants = {}
        for variant, figures in scenario["variants"].items():
            slim = {k: v for k, v in figures.items() if k not in heavy}
            slim["plan_changes"] = sum(d["verdict"] != "unchanged" for d in figures["plan_diffs"])
            slim["disappeared"] = len(figures["disappeared"])
            variants[variant] = slim
        scenarios.append({"name": name, "variants": variants})
    return {
        "out": str(out),
        "parameters": result.parameters,
        "db_cpu": result.db_cpu,
        "cache": result.cache,
        "scenarios": scenarios,
    }


RUN_FILES = ("results.json", "measurements.parquet", "plans")


def check_out(out: Path, force: bool) -> str | None:
    """Why ``--out`` cannot take this run (one line), or None; checked before anything runs.

    A folder holding a previous run is refused unless ``--force`` (which clears it just
    before writing, so no plan of the old run is left beside the new results); any other
    non-empty folder is refused either way.
    """
    if out.exists() and not out.is_dir():
        return f"--out {out} is a file, not a folder"
    if out.is_dir():
        entries = {p.name for p in out.iterdir()}
        if entries and not force:
            held = "a previous run" if entries & set(RUN_FILES) else "other files"
            return f"--out {out} holds {held}; pick a new folder (or --force to replace a run)"
        if entries - set(RUN_FILES):
            return f"--out {out} holds files that are not a measurement; pick a new folder"
        if not os.access(out, os.W_OK | os.X_OK):
            return f"--out {out} is not writable"
        return None
    parent = out.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        return f"--out {out} cannot be created in {parent}"
    return None


def _clear(out: Path) -> None:
    """Remove a previous run's files (only those a run writes) before writing this one."""
    for name in RUN_FILES:
        path = out / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def cmd_measure(args: argparse.Namespace) -> int:
    from workbench.env import django_env

    out = (
        Path(args.out)
        if args.out
        else Path("results/measure") / datetime.now().strftime("%Y-%m-%d_%H%M%S")
    )
    problem = check_out(out, args.force)
    if problem:
        return _refuse(problem)
    workload = None
    if args.workload is not None:  # recorded requests instead of the scenarios
        from workbench.monitoring import replay

        if args.scenarios != "all":
            return _refuse("--workload replays its own requests: drop --scenarios")
        try:
            workload = replay.load(args.workload)
        except replay.WorkloadError as exc:
            return _refuse(str(exc))
    django_env.setup()
    from workbench.study import scenarios, subjects, variants
    from workbench.study.measure import measure

    scenario_names = argtypes.names(args.scenarios)
    variant_names = argtypes.names(args.variants)
    if not scenario_names:
        return _refuse("--scenarios: name at least one scenario (or all)")
    if not variant_names:
        return _refuse("--variants: name at least one variant")
    if args.rounds is not None and args.rounds > args.repeat:
        return _refuse(f"--rounds: at most --repeat ({args.repeat}), got {args.rounds}")
    try:
        scenario_names = scenarios.check_names(scenario_names)
        variants.select(variant_names)
    except ValueError as exc:
        return _refuse(str(exc))
    from workbench.env import runlock

    runlock.acquire("measure")
    if args.scale is not None:
        import fixtures

        try:
            scale = fixtures.parse_scale(args.scale)
        except fixtures.FixtureError as exc:
            return _refuse(str(exc))
        ownership.ensure_owned("seed", args.allow_external)
        seeded = fixtures.seed(scale, seed=args.seed, reset=True, progress=False)
        print(seeded.summary(), file=sys.stderr)
    from workbench.study import plan_indexes as perf_indexes

    perf_indexes.applied_apps()  # one line when the database is not migrated
    if variants.needs_ddl(variant_names):
        ownership.ensure_owned("change the indexes of", args.allow_external)
    run = measure if workload is None else partial(replay.measure, workload)
    try:
        result = run(
            scenario_names,
            variant_names,
            repeat=args.repeat,
            rounds=args.rounds,
            time_box=args.time_box or None,
            min_effect=args.min_effect,
            warmup=args.warmup,
            page_size=args.page_size,
            explain=not args.no_explain,
            mixed_requests=args.requests,
            write_share=args.write_share,
            zipf_s=args.zipf,
            seed=args.seed,
            context={"scale": args.scale},
            progress=None if args.quiet else (lambda line: print(line, file=sys.stderr)),
        )
    except subjects.NoData as exc:
        raise WorkbenchError(str(exc)) from None
    _clear(out)
    result.write(out)
    if args.json:
        print(json.dumps(compact(result, out), default=str))
        return 0
    print(render_table(result))
    cache = result.cache
    if cache.get("hit_rate") is not None:
        redis = cache.get("redis_hit_rate")
        print(
            f"\ncache hit rate ({cache['variant']}, mixed workload of {cache['requests']} "
            f"requests, {cache['writes']} writes, Zipf s={cache['zipf_s']}): "
            f"{100 * cache['hit_rate']:.1f}% from our counters"
            + (
                f", {100 * redis:.1f}% from Redis INFO (all keys, generations included)"
                if redis is not None
                else ""
            )
        )
    print(f"database CPU: {result.db_cpu.get('description', result.db_cpu['method'])}")
    print(f"results: {out}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "measure", help="run every scenario under each variant and record what it costs"
    )
    p.add_argument(
        "--scale",
        metavar="NAME|N",
        help="reseed the database at this scale first (default: measure the data as it is)",
    )
    p.add_argument(
        "--seed", type=argtypes.natural, default=42, help="seed of the data and the workload"
    )
    p.add_argument("--scenarios", default="all", help="comma-separated scenario names, or all")
    p.add_argument(
        "--workload",
        metavar="FILE",
        help="replay these recorded requests instead (`workbench import-silk` writes one)",
    )
    p.add_argument(
        "--variants", default=DEFAULT_VARIANTS, help=f"comma-separated (default {DEFAULT_VARIANTS})"
    )
    p.add_argument(
        "--repeat",
        type=argtypes.positive,
        default=SAMPLES,
        help=f"timed calls per scenario and variant ({SAMPLES})",
    )
    p.add_argument(
        "--rounds",
        type=argtypes.positive,
        default=None,
        help="interleaved rounds they are spread over (10, fewer below 50 calls)",
    )
    p.add_argument(
        "--time-box",
        type=argtypes.seconds,
        default=TIME_BOX,
        metavar="SECONDS",
        help=f"stop a scenario's calls under a variant after this long; 0: no limit ({TIME_BOX:g})",
    )
    p.add_argument(
        "--min-effect",
        type=argtypes.effect,
        default=MIN_EFFECT,
        help=f"smallest speedup change called faster/slower ({MIN_EFFECT:g}: 10%%)",
    )
    p.add_argument(
        "--warmup", type=argtypes.natural, default=1, help="untimed calls before them (1)"
    )
    p.add_argument(
        "--page-size", type=argtypes.positive, default=20, help="page size of the lists (20)"
    )
    p.add_argument(
        "--requests",
        type=argtypes.natural,
        default=2000,
        help="counted requests of the mixed cache workload; 0 skips it (2000)",
    )
    p.add_argument(
        "--write-share", type=argtypes.share, default=0.05, help="share of writes in it (0.05)"
    )
    p.add_argument("--zipf", type=_exponent, default=1.1, help="Zipf exponent of its reads (1.1)")
    p.add_argument("--no-explain", action="store_true", help="skip the EXPLAIN ANALYZE plans")
    p.add_argument("--out", help="results folder (default results/measure/<date_time>)")
    p.add_argument(
        "--force", action="store_true", help="replace the run already in --out (cleared first)"
    )
    p.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.add_argument(
        "--allow-external", action="store_true", help="change indexes in a database not ours"
    )
    p.set_defaults(func=cmd_measure)

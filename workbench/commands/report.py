"""`workbench report | compare`: the notebooks headless, and two runs side by side.

(`workbench lab` lives in ``workbench.commands.services``.)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from workbench.commands import argtypes
from workbench.monitoring.push import gateway_url
from workbench.paths import NOTEBOOKS_DIR
from workbench.report.params import ParameterError

# `workbench report`'s exit codes: 0 all went well; 1 the pipeline failed (a notebook
# raised, summary.json missing or invalid); 2 bad input; 3 the report was written but a
# success criterion failed (--no-gate turns that into 0, for a run that only wants the
# report).
EXIT_CRITERIA_FAILED = 3


def _refuse(message: str, code: int = 2) -> int:
    print(f"workbench: error: {message}", file=sys.stderr)
    return code


def cmd_report(args: argparse.Namespace) -> int:
    from workbench.report import run_plan

    options = {
        "scale": args.scale,
        "seed": args.seed,
        "repeat": args.repeat,
        "time_box": args.time_box,
    }
    if args.scenarios is not None:
        options["scenarios"] = argtypes.names(args.scenarios)
    only = None if args.only is None else [n for g in args.only for n in argtypes.names(g)]
    also = None if args.also is None else [n for g in args.also for n in argtypes.names(g)]
    try:
        if also is not None:  # --with: the default set (or --only's) plus these, named in full
            from workbench.report.discovery import discover, select

            only = [s.name for s in select(discover(args.notebooks_dir), only, also)]
        plan = run_plan.plan(
            notebooks_dir=args.notebooks_dir,
            only=only,
            options=options,
            assignments=args.parameter or [],
            out=args.out,
            execution_timeout=args.timeout,
            allow_external=args.allow_external,
        )
    except ParameterError as exc:
        return _refuse(str(exc))
    # The report seeds and changes indexes: one run at a time, in a database it may write to.
    from workbench.env import ownership, runlock

    runlock.acquire("report")
    ownership.ensure_owned("run the report in", args.allow_external)

    from workbench.report import html as render
    from workbench.report import runner as report

    result = report.run(plan, keep=args.keep)
    print(render.timings_text(result))
    if result.summary is not None:
        print()
        print(render.summary_text(result.summary))
    print(f"\nreport: {plan.out_dir / 'index.html'}")
    for folder in result.pruned:
        print(f"removed old run {folder.name} (--keep {args.keep})")
    if (plan.out_dir.parent / "index.html").exists():
        print(f"all runs: {plan.out_dir.parent / 'index.html'}")
    if not result.ok:
        return _refuse(result.problem or "the run failed", code=1)
    if args.push_gateway and result.summary is not None:  # failed criteria are pushed too
        from workbench.monitoring.push import push, redacted

        pushed = push(result.summary, args.push_gateway)
        print(f"pushed {pushed} series to {redacted(args.push_gateway)}")
    from workbench.study.criteria import failed

    failing = failed(result.summary.get("criteria", [])) if result.summary is not None else []
    if failing and not args.no_gate:
        return _refuse(
            f"{len(failing)} success criteria failed: {', '.join(failing)} "
            "(the report is written; --no-gate exits 0 anyway)",
            code=EXIT_CRITERIA_FAILED,
        )
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from workbench.report import compare, summary

    try:
        a, b = summary.load(args.run_a), summary.load(args.run_b)
    except summary.SummaryError as exc:
        return _refuse(str(exc))
    print(f"A: {args.run_a}\nB: {args.run_b}")
    for difference in compare.parameter_differences(a, b):
        print(f"note        parameters differ: {difference}")
    changes = compare.compare(a, b)
    for change in changes:
        print(change.line())
    regressions = sum(c.kind == "regression" for c in changes)
    better = sum(c.kind == "improvement" for c in changes)
    if not changes:
        print("no changes beyond noise")
    print(f"{regressions} regression(s), {better} improvement(s), {len(changes)} change(s) in all")
    return 1 if regressions else 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "report",
        help="run the notebooks with papermill and render the HTML report",
        description="Run the report's notebooks in order, render them to HTML with the code "
        "hidden, write index.html and summary.json. Everything is checked before anything runs. "
        f"Exit 0: done, every criterion met; 1: the pipeline failed; 2: bad input; "
        f"{EXIT_CRITERIA_FAILED}: the report is written but a success criterion failed "
        "(--no-gate: 0).",
    )
    p.add_argument("--scale", default="medium", help="a preset or a number of users (medium)")
    p.add_argument("--seed", type=int, default=42, help="random seed of the data (42)")
    p.add_argument(
        "--repeat",
        type=int,
        default=200,
        help="timed calls per scenario and variant, interleaved in rounds (200)",
    )
    p.add_argument(
        "--time-box",
        type=argtypes.seconds,
        default=1.0,
        metavar="SECONDS",
        help="timed seconds per scenario and variant at most, cutting --repeat short for a "
        "slow scenario (1.0; 0: no limit)",
    )
    p.add_argument("--scenarios", metavar="A,B", help="scenarios to measure (all)")
    p.add_argument("--out", type=Path, help="output folder (default: reports/<date_time>/)")
    p.add_argument(
        "--keep",
        type=argtypes.positive,
        metavar="N",
        help="after the run, remove all but the newest N run folders beside it (only folders "
        "workbench report made; default: keep every run)",
    )
    p.add_argument(
        "--only", action="append", metavar="NAMES", help="run only these notebooks (02, baseline)"
    )
    p.add_argument(
        "--with",
        dest="also",
        action="append",
        metavar="NAMES",
        help="also run these optional notebooks, off by default (load, scale)",
    )
    p.add_argument(
        "-p",
        "--parameter",
        action="append",
        metavar="KEY=VALUE",
        help="set a notebook parameter; the type comes from the notebook's declaration",
    )
    p.add_argument("--timeout", type=int, help="seconds a single cell may run (no limit)")
    p.add_argument(
        "--notebooks-dir", type=Path, default=NOTEBOOKS_DIR, help="notebooks to run (notebooks/)"
    )
    p.add_argument(
        "--allow-external",
        action="store_true",
        help="run in a database the workbench did not create",
    )
    p.add_argument(
        "--push-gateway",
        type=gateway_url,
        metavar="URL",
        help="after the run, push its criteria and per-scenario figures to this Prometheus "
        "Pushgateway (docs/monitoring.md)",
    )
    p.add_argument(
        "--no-gate",
        action="store_true",
        help=f"exit 0 when a success criterion fails (default: exit {EXIT_CRITERIA_FAILED} "
        "after writing the report)",
    )
    p.set_defaults(func=cmd_report)

    p = subparsers.add_parser(
        "compare",
        help="what changed between two report runs; exit 1 on a regression",
        description="Compare two runs' summary.json (a run folder or the file) and list "
        "what changed, regressions first. A regression is: a query count or N+1 count that "
        "went up (they are exact); a p50 whose 95% intervals in the two runs are apart, "
        "run B's above run A's, by at least 50% and 1 ms (net of its variant's shift on a "
        "busier machine); or a success criterion that passed in A and fails in B. A plan "
        "that changed with no latency change (a plan flip), an index-audit verdict, the "
        "cache hit rate or a p95 alone are reported as changes, never as regressions. "
        "Exit 0: no regression; 1: a regression; 2: bad input.",
    )
    p.add_argument("run_a", metavar="RUN_A", type=Path)
    p.add_argument("run_b", metavar="RUN_B", type=Path)
    p.set_defaults(func=cmd_compare, offline=True)

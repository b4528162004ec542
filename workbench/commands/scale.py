"""`workbench scale`: every scenario at several scales, and how each cost grows with rows.

Each scale is seeded into its own database on the same server (``<db>_scale_<name>``,
reused when already seeded at that scale and seed); every scenario is measured there
under ``--variants`` (baseline and all) and the points (rows, p50, queries) are fitted
as flat, log, linear or superlinear (``workbench.study.scale``, ``analysis.growth``).
Bad input (an unknown scale or variant, fewer than two scales) is refused in one line
with exit 2 before anything runs.
"""

from __future__ import annotations

import argparse
import json
import sys

from workbench.commands import argtypes

DEFAULT_SCALES = "tiny,small,medium"


def _refuse(message: str) -> int:
    print(f"workbench: error: {message}", file=sys.stderr)
    return 2


def check(scales: list[str], variants: list[str]) -> str | None:
    """The one-line reason the arguments are refused, or None (no Django needed)."""
    import fixtures
    from workbench.study.variants import NAMES

    if len(dict.fromkeys(scales)) < 2:
        return "--scales: name at least two scales (e.g. tiny,small)"
    for scale in scales:
        try:
            fixtures.parse_scale(scale)
        except fixtures.FixtureError as exc:
            return f"--scales: {exc}"
    if not variants:
        return "--variants: name at least one variant"
    unknown = [v for v in variants if v not in NAMES]
    if unknown:
        return f"--variants: unknown variant {unknown[0]!r} (known: {', '.join(NAMES)})"
    return None


def _row(line: dict) -> str:
    points = "  ".join(
        f"{p['scale']}: {p['rows']:,} rows {p['p50_ms']:.2f} ms {p['queries']}q"
        for p in line["points"]
    )
    node = line.get("growing_node")
    grows = f"; grows: {node['node']} {node['small_ms']} -> {node['large_ms']} ms" if node else ""
    return (
        f"{line['scenario']:<22} {line['variant']:<9} p50 {line['growth'] or '-':<11} "
        f"queries {line['queries_growth'] or '-':<11} {points}{grows}"
    )


def cmd_scale(args: argparse.Namespace) -> int:
    scales = argtypes.names(args.scales)
    variants = argtypes.names(args.variants)
    problem = check(scales, variants)
    if problem:
        return _refuse(problem)
    from workbench.env import django_env, runlock

    django_env.setup()
    from workbench.study import scenarios as study_scenarios

    names = argtypes.names(args.scenarios)
    try:
        names = study_scenarios.check_names(names or None)
    except ValueError as exc:
        return _refuse(str(exc))
    runlock.acquire("scale")
    from workbench.study.scale import scale_curves

    lines = scale_curves(
        list(dict.fromkeys(scales)),
        variants,
        scenarios=names,
        seed=args.seed,
        repeat=args.repeat,
        time_box=args.time_box or None,
        progress=None if args.quiet else (lambda text: print(text, file=sys.stderr)),
    )
    for line in lines:
        print(json.dumps(line, default=str) if args.json else _row(line))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "scale", help="measure every scenario at several scales and fit how each cost grows"
    )
    p.add_argument("--scales", default=DEFAULT_SCALES, help=f"two or more ({DEFAULT_SCALES})")
    p.add_argument("--variants", default="baseline,all", help="comma-separated (baseline,all)")
    p.add_argument("--scenarios", default="all", help="comma-separated scenario names, or all")
    p.add_argument("--seed", type=argtypes.natural, default=42, help="seed of the data (42)")
    p.add_argument("--repeat", type=argtypes.positive, default=10, help="timed calls per cell (10)")
    p.add_argument(
        "--time-box", type=float, default=0.5, help="seconds per cell before cutting short (0.5)"
    )
    p.add_argument("--json", action="store_true", help="one JSON line per scenario and variant")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=cmd_scale)

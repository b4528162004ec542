"""`workbench import-silk | crosscheck | push-metrics`: the monitoring tools' commands.

``import-silk`` turns the requests django-silk recorded (``workbench serve --profile``)
into a workload file that ``workbench measure --workload FILE`` replays.
``crosscheck`` runs every scenario with ``/metrics`` and OpenTelemetry on and prints
their statement and cache counts beside the workbench's own; exit 1 when one differs.
``push-metrics`` pushes a report run's criteria and figures to a Prometheus Pushgateway
(what ``workbench report --push-gateway URL`` does after a run). Bad input is refused
in one line with exit 2 before anything is read or written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from pathlib import Path

from workbench.commands import argtypes
from workbench.monitoring import PROFILE_SETTINGS
from workbench.monitoring.push import gateway_url, redacted

# Trace exporters a user may have configured: the cross-check uses its own, in memory.
_OTEL_EXPORT = (
    "OTEL_TRACES_EXPORTER",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
)


def _refuse(message: str) -> int:
    print(f"workbench: error: {message}", file=sys.stderr)
    return 2


def cmd_import_silk(args: argparse.Namespace) -> int:
    out = (
        Path(args.out)
        if args.out
        else Path("results/workloads") / f"silk_{datetime.now():%Y-%m-%d_%H%M%S}.json"
    )
    if out.exists() and not args.force:
        return _refuse(f"--out {out} exists; pick another file (or --force to replace it)")
    if out.is_dir():
        return _refuse(f"--out {out} is a folder, not a file")
    os.environ["DJANGO_SETTINGS_MODULE"] = PROFILE_SETTINGS  # silk's models
    from workbench.env import django_env

    django_env.setup()
    from django.db import connection

    if "silk_request" not in connection.introspection.table_names():
        return _refuse(
            "django-silk's tables are not in this database: `workbench migrate --profile`, "
            "then record with `workbench serve --profile`"
        )
    from workbench.monitoring.silk_import import from_silk

    workload = from_silk(limit=args.limit)
    if not workload.entries:
        skipped = ", ".join(f"{v} {k}" for k, v in workload.skipped.items() if v) or "none"
        return _refuse(f"silk recorded no request a replay can use (skipped: {skipped})")
    workload.write(out)
    skipped = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in workload.skipped.items() if v)
    print(
        f"{workload.recorded} recorded reads -> {len(workload.entries)} distinct requests"
        + (f" (skipped: {skipped})" if skipped else "")
        + f"\nworkload: {out}\nreplay it: workbench measure --workload {out}"
    )
    return 0


def cmd_crosscheck(args: argparse.Namespace) -> int:
    os.environ["WORKBENCH_METRICS"] = "1"  # before Django reads its settings
    for name in _OTEL_EXPORT:
        os.environ.pop(name, None)
    from workbench.env import django_env
    from workbench.monitoring import crosscheck

    variants = argtypes.names(args.variants)
    unknown = [v for v in variants if v not in crosscheck.VARIANTS]
    if not variants or unknown:
        return _refuse(f"--variants: use some of {', '.join(crosscheck.VARIANTS)}")
    django_env.setup()
    from workbench.study import scenarios

    try:
        names = scenarios.check_names(argtypes.names(args.scenarios))
    except ValueError as exc:
        return _refuse(str(exc))
    progress = None if args.json else (lambda line: print(line, file=sys.stderr))
    rows = crosscheck.run(names, variants, calls=args.calls, progress=progress)
    if args.json:
        print(json.dumps([r.as_dict() for r in rows]))
    else:
        print(crosscheck.render(rows))
        differ = sum(not r.agree for r in rows)
        print(f"\n{len(rows)} requests, {differ} with counts that differ")
    return 0 if all(r.agree for r in rows) else 1


def cmd_push_metrics(args: argparse.Namespace) -> int:
    from workbench.monitoring.push import push
    from workbench.report import summary

    try:
        loaded = summary.load(args.run)
    except summary.SummaryError as exc:
        return _refuse(str(exc))
    pushed = push(loaded, args.gateway)
    print(f"pushed {pushed} series to {redacted(args.gateway)}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "import-silk",
        help="turn the requests django-silk recorded into a workload `measure --workload` replays",
    )
    p.add_argument("--out", help="workload file (default results/workloads/silk_<date_time>.json)")
    p.add_argument("--limit", type=argtypes.positive, help="keep the N most frequent requests")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    p.set_defaults(func=cmd_import_silk)

    p = subparsers.add_parser(
        "crosscheck",
        help="statement and cache counts from /metrics and OpenTelemetry beside the workbench's",
    )
    p.add_argument("--scenarios", default="all", help="comma-separated scenario names, or all")
    p.add_argument(
        "--variants", default="baseline,eager,cache,all", help="switch variants (all four)"
    )
    p.add_argument(
        "--calls", type=argtypes.positive, default=2, help="requests per scenario and variant (2)"
    )
    p.add_argument("--json", action="store_true", help="one JSON list, a row per request")
    p.set_defaults(func=cmd_crosscheck)

    p = subparsers.add_parser(
        "push-metrics", help="push a report run's criteria and figures to a Prometheus Pushgateway"
    )
    p.add_argument("run", metavar="RUN", type=Path, help="a report folder or its summary.json")
    p.add_argument(
        "--gateway", type=gateway_url, required=True, metavar="URL", help="the Pushgateway's URL"
    )
    p.set_defaults(func=cmd_push_metrics, offline=True)

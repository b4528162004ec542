"""`workbench load`: the mixed workload under concurrent users, through a real server.

Each variant is served by gunicorn on a copy of the database (its writes never reach the
seeded data) and loaded by Locust headless at each ``--users`` level for ``--duration``
after ``--warmup``; the figures per level go to ``--out`` as ``load.json``
(``workbench.load``, docs/load.md). ``--host URL`` loads a server already running instead
(no copy, no server-side figures). ``--master`` runs Locust as a master with local
workers (``--local-workers``) and waits for ``--expect-workers`` in all; ``--worker``
only runs Locust workers for a master elsewhere, reconnecting after each run, until
interrupted. Bad arguments are refused in one line with exit 2 before anything starts.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from workbench.commands import argtypes
from workbench.study.variants import NAMES as VARIANT_NAMES

DEFAULT_VARIANTS = "baseline,all"


def _refuse(message: str) -> int:
    print(f"workbench: error: {message}", file=sys.stderr)
    return 2


def seconds(text: str) -> float:
    """``30``, ``30s``, ``2m`` or ``1h`` as seconds (more than 0)."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text)
    if not found:
        raise argparse.ArgumentTypeError(f"not a duration (30, 30s, 2m): {text!r}")
    value = float(found[1]) * {"": 1, "s": 1, "m": 60, "h": 3600}[found[2]]
    return value


def _levels(text: str) -> list[int]:
    try:
        levels = [int(part) for part in argtypes.names(text)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not whole numbers: {text!r}") from None
    if not levels or min(levels) < 1:
        raise argparse.ArgumentTypeError(f"users must be 1 or more: {text!r}")
    return levels


def run_workers(args: argparse.Namespace) -> int:
    """Locust workers for a master elsewhere, started again each time its run ends."""
    from workbench.load.locust_run import LOCUSTFILE

    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--worker"]
    port = args.master_port or 5557
    command += [f"--master-host={args.master_host}", f"--master-port={port}"]
    print(
        f"{args.processes} Locust worker(s) for the master at {args.master_host}:"
        f"{port}, reconnecting after each run (Ctrl-C stops)",
        file=sys.stderr,
    )
    children: list[subprocess.Popen] = []
    try:
        while True:
            children = [subprocess.Popen(command) for _ in range(args.processes)]
            for child in children:
                child.wait()
    except KeyboardInterrupt:
        for child in children:
            if child.poll() is None:
                child.terminate()
                child.wait(10)
        return 0


def cmd_load(args: argparse.Namespace) -> int:
    if args.worker:
        return run_workers(args)
    variant_names = argtypes.names(args.variant)
    unknown = [n for n in variant_names if n not in VARIANT_NAMES]
    if not variant_names or unknown:
        shown = unknown[0] if unknown else args.variant
        return _refuse(f"unknown variant {shown!r}: use one of {', '.join(VARIANT_NAMES)}")
    if args.host and len(variant_names) > 1:
        return _refuse("--host loads one deployed server: name the one --variant it runs")
    if args.duration <= 0:
        return _refuse("--duration must be more than 0")
    from workbench.load import server

    if args.port is not None and not args.host:
        problem = server.port_problem(args.port)
        if problem:
            return _refuse(problem)
    out = (
        Path(args.out)
        if args.out
        else Path("results/load") / datetime.now().strftime("%Y-%m-%d_%H%M%S")
    )
    if out.exists() and any(out.iterdir()):
        return _refuse(f"--out {out} is not empty; pick a new folder")
    local = args.local_workers if args.local_workers is not None else args.expect_workers
    from workbench.env import django_env
    from workbench.load.run import LoadOptions, run_load
    from workbench.study import variants

    django_env.setup()
    order = list(variants.select(variant_names))  # baseline first
    options = LoadOptions(
        variants=order,
        users=args.users,
        duration=args.duration,
        warmup=args.warmup,
        out=out,
        host=args.host,
        port=args.port,
        workers=args.workers,
        threads=args.threads,
        locust_workers=local if args.master else 0,
        expect_workers=args.expect_workers if args.master else None,
        master_bind_host=args.master_bind_host,
        master_port=(args.master_port or (5557 if local < args.expect_workers else None))
        if args.master
        else None,
        depth=args.depth,
        write_share=args.write_share,
        zipf_s=args.zipf,
        seed=args.seed,
    )
    result = run_load(options, progress=lambda line: print(line, file=sys.stderr, flush=True))
    from workbench.load.figures import contract

    for level in result["levels"]:
        line = contract(level)
        if "vs_baseline" in level:
            line["p95_speedup_vs_baseline"] = level["vs_baseline"]
        print(json.dumps(line))
    print(f"results: {out / 'load.json'}", file=sys.stderr)
    return 0


def register(subparsers) -> None:
    from workbench.load import server

    p = subparsers.add_parser(
        "load", help="the mixed workload under concurrent users (Locust) through gunicorn"
    )
    p.add_argument(
        "--variant",
        default=DEFAULT_VARIANTS,
        help=f"comma-separated variants ({', '.join(VARIANT_NAMES)}; default {DEFAULT_VARIANTS})",
    )
    p.add_argument("--users", type=_levels, default=[1, 8, 32], help="levels (1,8,32)")
    p.add_argument("--duration", type=seconds, default=30.0, help="counted time per level (30s)")
    p.add_argument("--warmup", type=seconds, default=5.0, help="uncounted time before it (5s)")
    p.add_argument("--host", help="load this running server instead (no copy, no server figures)")
    p.add_argument("--port", type=argtypes.positive, help="the server's port (a free one)")
    p.add_argument("--workers", type=argtypes.positive, default=server.default_workers())
    p.add_argument("--threads", type=argtypes.positive, default=server.DEFAULT_THREADS)
    p.add_argument("--write-share", type=argtypes.share, default=0.05, help="writes (0.05)")
    p.add_argument("--zipf", type=float, default=1.1, help="Zipf exponent of the reads (1.1)")
    p.add_argument("--depth", type=argtypes.positive, default=20, help="subjects per scenario")
    p.add_argument("--seed", type=argtypes.natural, default=42)
    p.add_argument("--out", help="results folder (default results/load/<date_time>)")
    dist = p.add_argument_group("distributed Locust")
    dist.add_argument("--master", action="store_true", help="Locust master with workers")
    dist.add_argument("--expect-workers", type=argtypes.positive, default=2, help="in all (2)")
    dist.add_argument("--local-workers", type=argtypes.natural, help="started here (all)")
    dist.add_argument("--master-bind-host", default="127.0.0.1", help="(127.0.0.1)")
    dist.add_argument(
        "--master-port", type=argtypes.positive, help="(5557; a free one with local workers only)"
    )
    dist.add_argument("--worker", action="store_true", help="only run workers for a master")
    dist.add_argument("--master-host", default="127.0.0.1", help="the master (--worker)")
    dist.add_argument("--processes", type=argtypes.positive, default=1, help="workers (--worker)")
    p.set_defaults(func=cmd_load)

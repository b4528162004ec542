"""Benchmark: what recording a query costs, ours against Django's CaptureQueriesContext.

Usage: ``python bench/capture_overhead.py [--queries 5000] [--rounds 50]``

Runs the same cheap query ``--queries`` times in each of three modes: no capture,
Django's ``CaptureQueriesContext`` (what ``assertNumQueries`` and pytest-django use) and
``analysis.capture.capture`` (which also records the call site and two callers). The
queries are split into ``--rounds`` rounds and the modes take turns inside each round,
first place rotating, so a busy machine slows all three alike; the overhead per query
is the median over rounds of (mode - none). Workloads:

* ``orm``: ``ContentType.objects.filter(pk=...).first()``, a realistic Django stack to
  walk for the call site (the top-level numbers);
* ``cursor``: ``SELECT 1`` on a raw cursor;
* ``instrument``: the cursor path with the database call stubbed out, under as many
  library frames as the ORM lookup has (8), which isolates the instruments' own cost
  from database noise.

Prints one JSON line. Read-only; the ORM workload needs a migrated database.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbench.env import django_env  # noqa: E402

django_env.setup()

from django.contrib.contenttypes.models import ContentType  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from analysis.capture import capture  # noqa: E402

MODES = ("none", "django", "ours")
# Frames from a file the call-site walk treats as library code: a primary-key lookup
# through the ORM puts 6 to 8 Django frames between the execute wrapper and its caller.
ORM_DEPTH = 8
_DEEP = compile(
    "def deep(n, call):\n    return deep(n - 1, call) if n else call()\n",
    "/site-packages/bench_library_frames.py",
    "exec",
)
_namespace: dict = {}
exec(_DEEP, _namespace)
deep = _namespace["deep"]


def _no_database(execute, sql, params, many, context):
    return None


def orm_lookup(pk: int) -> None:
    ContentType.objects.filter(pk=pk).first()


def raw_select(_: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def stubbed_select(_: int) -> None:
    with connection.cursor() as cursor:
        deep(ORM_DEPTH, lambda: cursor.execute("SELECT 1"))


def _loop(query, n: int, pk: int, stub: bool) -> float:
    if stub:
        connection.execute_wrappers.append(_no_database)  # innermost: nothing reaches the server
    try:
        started = time.perf_counter()
        for _ in range(n):
            query(pk)
        return time.perf_counter() - started
    finally:
        if stub:
            connection.execute_wrappers.remove(_no_database)


def timed(mode: str, query, n: int, pk: int, stub: bool) -> float:
    """Seconds for ``n`` queries under ``mode``; fails if the mode missed a query."""
    gc.collect()
    if mode == "none":
        return _loop(query, n, pk, stub)
    if mode == "django":
        connection.queries_log.clear()  # a deque of 9,000 shared across rounds
        with CaptureQueriesContext(connection) as context:
            elapsed = _loop(query, n, pk, stub)
        recorded, site = len(context.captured_queries), query.__name__
    else:
        with capture(label="bench") as run:
            elapsed = _loop(query, n, pk, stub)
        recorded = len(run)
        site = run.queries[0].function if run.queries else "-"
    if recorded != n or site not in (query.__name__, "<lambda>"):
        raise SystemExit(f"bench: {mode} recorded {recorded} of {n} queries (call site {site})")
    return elapsed


def measure(query, n: int, rounds: int, pk: int, stub: bool = False) -> dict:
    _loop(query, 200, pk, stub)  # warm the connection and the statement path
    per_round = max(n // rounds, 1)
    samples: dict[str, list[float]] = {m: [] for m in MODES}
    for round_ in range(rounds):
        order = MODES[round_ % 3 :] + MODES[: round_ % 3]
        for mode in order:
            samples[mode].append(timed(mode, query, per_round, pk, stub) / per_round * 1e6)
    ours = [o - b for o, b in zip(samples["ours"], samples["none"], strict=True)]
    django = [d - b for d, b in zip(samples["django"], samples["none"], strict=True)]
    ours_us, django_us = statistics.median(ours), statistics.median(django)
    return {
        "queries": per_round * rounds,
        "baseline_us_per_query": round(statistics.median(samples["none"]), 2),
        "overhead_us_per_query": round(ours_us, 2),
        "django_us_per_query": round(django_us, 2),
        "vs_django": round(ours_us / django_us, 2) if django_us > 0 else None,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=5000, help="per mode and workload")
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    if args.queries < 1 or not 1 <= args.rounds <= args.queries:
        parser.error("need 1 <= --rounds <= --queries")
    if args.queries // args.rounds > 9000:  # CaptureQueriesContext keeps at most 9,000
        parser.error("at most 9000 queries a round")
    if "django_content_type" not in connection.introspection.table_names():
        print(
            "bench: error: the database is not migrated: run `workbench migrate`", file=sys.stderr
        )
        return 1
    pk = ContentType.objects.order_by("pk").values_list("pk", flat=True).first() or 1
    orm = measure(orm_lookup, args.queries, args.rounds, pk)
    result = {
        "bench": "capture_overhead",
        "workload": "orm pk lookup",
        **orm,
        "rounds": args.rounds,
        "cursor_select_1": measure(raw_select, args.queries, args.rounds, pk),
        "instrument_only": measure(stubbed_select, args.queries, args.rounds, pk, stub=True),
        "python": platform.python_version(),
        "postgres": connection.pg_version,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

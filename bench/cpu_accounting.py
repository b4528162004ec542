"""Benchmark: whole-stack CPU accounting, what a reading costs and what the old method missed.

Usage: ``python bench/cpu_accounting.py [--rows 500000] [--scans 5] [--reads 500] [--idle 20]``

* ``read_us``: the median cost of one ``read()`` (microseconds, wall) of the leader-only
  meter (``CpuMeter(workers=False)``), the default one (backend and workers: the
  postmaster's stat, its children list and each child's stat) and ``StackCpuMeter``
  (that plus ``time.process_time`` and one ``INFO cpu`` round trip to Redis);
  ``redis_us_per_info`` is the Redis CPU one ``INFO cpu`` costs.
* ``parallel``: a table of ``--rows`` rows is created in a transaction that is rolled
  back, and a ``count(*)`` with a ``LIKE`` filter is forced parallel
  (``max_parallel_workers_per_gather=2``, ``parallel_setup_cost=0``,
  ``parallel_tuple_cost=0``, ``min_parallel_table_scan_size=0``) and run ``--scans``
  times. Per scan: the leader-only figure (the old method), the new one split into
  ``backend_ms`` and ``workers_ms`` (reaped children), and a lower bound on the workers'
  CPU from a thread sampling ``/proc`` every ~1 ms for processes titled ``parallel
  worker for PID <our backend>`` (their last ``schedstat`` seen: it misses what they ran
  after the last sample). The same scan forced serial gives the single-process cost.
* ``idle``: ``--idle`` windows of 100 ms with no statement: the ``workers_ms`` that
  leaks in from other clients' processes exiting on this server (0 on a server only
  this run uses).

Prints one JSON line. Needs a local PostgreSQL (the embedded one, or the machine's as
root); creates nothing that outlives the run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbench.env import django_env  # noqa: E402

django_env.setup()

from django.db import connection, transaction  # noqa: E402
from django_redis import get_redis_connection  # noqa: E402

from analysis import dbcpu  # noqa: E402
from analysis.stackcpu import StackCpuMeter, redis_cpu_ms  # noqa: E402

SCAN = "SELECT count(*) FROM cpu_rows WHERE t LIKE '%ab%'"
FORCE = (
    "SET LOCAL parallel_setup_cost = 0",
    "SET LOCAL parallel_tuple_cost = 0",
    "SET LOCAL min_parallel_table_scan_size = 0",
)


def _per_read_us(read, n: int) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        read()
        times.append((time.perf_counter() - started) * 1e6)
    return round(statistics.median(times), 1)


class WorkerSampler(threading.Thread):
    """The largest schedstat seen per parallel worker of ``leader`` (a lower bound)."""

    def __init__(self, postmaster: int, leader: int) -> None:
        super().__init__(daemon=True)
        self.postmaster, self.title = postmaster, f"parallel worker for PID {leader}"
        self.seen: dict[int, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        path = f"/proc/{self.postmaster}/task/{self.postmaster}/children"
        while not self.stop.is_set():
            with open(path) as handle:
                pids = [int(p) for p in handle.read().split()]
            for pid in pids:
                try:
                    with open(f"/proc/{pid}/cmdline") as handle:
                        if self.title not in handle.read():
                            continue
                    with open(f"/proc/{pid}/schedstat") as handle:
                        self.seen[pid] = int(handle.read().split()[0]) / 1e6
                except OSError:
                    continue
            time.sleep(0.001)


def _scan(cur, leader, whole, workers: int) -> dict:
    cur.execute(f"SET LOCAL max_parallel_workers_per_gather = {workers}")
    pid = whole.backend_pid()
    sampler = WorkerSampler(dbcpu.postmaster_of(pid), pid)
    sampler.start()
    before_leader, before_whole = leader.read(), whole.read()
    started = time.perf_counter()
    cur.execute(SCAN)
    cur.fetchone()
    wall = (time.perf_counter() - started) * 1000
    parts = whole.elapsed_parts(before_whole)
    old = leader.elapsed_ms(before_leader)
    sampler.stop.set()
    sampler.join()
    return {
        "wall_ms": round(wall, 1),
        "leader_only_ms": round(old, 1),
        "backend_ms": round(parts["backend_ms"], 1),
        "workers_ms": round(parts["workers_ms"], 1),
        "new_ms": round(parts["backend_ms"] + parts["workers_ms"], 1),
        "workers_sampled_ms": round(sum(sampler.seen.values()), 1),
        "workers_seen": len(sampler.seen),
        "foreign_exits": parts["foreign_exits"],
    }


def _median(rows: list[dict], key: str) -> float:
    return round(statistics.median(r[key] for r in rows), 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--scans", type=int, default=5)
    parser.add_argument("--reads", type=int, default=500)
    parser.add_argument("--idle", type=int, default=20)
    args = parser.parse_args()
    started = time.perf_counter()
    client = get_redis_connection("default")
    leader = dbcpu.CpuMeter.for_connection(workers=False)
    whole = dbcpu.CpuMeter.for_connection(workers=True)
    stack = StackCpuMeter(whole, lambda: client.info("cpu"))
    if whole.method != dbcpu.WORKERS:
        print(json.dumps({"error": f"needs a local server; method {whole.method}"}))
        return 1
    redis_before = redis_cpu_ms(client.info("cpu"))
    read_us = {
        "leader_only": _per_read_us(leader.read, args.reads),
        "backend_and_workers": _per_read_us(whole.read, args.reads),
        "stack": _per_read_us(stack.read, args.reads),
    }
    redis_per_info = (redis_cpu_ms(client.info("cpu")) - redis_before) * 1000 / (args.reads + 1)
    pid = whole.backend_pid()
    children = len(dbcpu.server_children(dbcpu.postmaster_of(pid))[1])
    idle = []
    for _ in range(args.idle):
        before = whole.read()
        time.sleep(0.1)
        idle.append(whole.elapsed_parts(before))
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE cpu_rows AS SELECT g AS id, md5(g::text) AS t "
            f"FROM generate_series(1, {int(args.rows)}) g"
        )
        cur.execute("ANALYZE cpu_rows")
        for statement in FORCE:
            cur.execute(statement)
        parallel = [_scan(cur, leader, whole, 2) for _ in range(args.scans)]
        serial = [_scan(cur, leader, whole, 0) for _ in range(args.scans)]
        stack_before = stack.read()
        cur.execute("SET LOCAL max_parallel_workers_per_gather = 2")
        cur.execute(SCAN)
        stack_used = stack.elapsed(stack_before)
        transaction.set_rollback(True)
    idle_leak = [p["workers_ms"] for p in idle]
    result = {
        "bench": "cpu_accounting",
        "rows": args.rows,
        "scans": args.scans,
        "children": children,
        "read_us": read_us,
        "redis_us_per_info": round(redis_per_info, 1),
        "parallel": {
            key: _median(parallel, key)
            for key in ("wall_ms", "leader_only_ms", "backend_ms", "workers_ms", "new_ms")
        }
        | {
            "workers_sampled_ms": _median(parallel, "workers_sampled_ms"),
            "missed_by_leader_only": round(
                1 - _median(parallel, "leader_only_ms") / _median(parallel, "new_ms"), 3
            ),
            "per_scan": parallel,
        },
        "serial": {key: _median(serial, key) for key in ("wall_ms", "leader_only_ms", "new_ms")},
        "stack_one_parallel_scan": {k: v and round(v, 1) for k, v in stack_used.items()},
        "idle": {
            "windows": len(idle),
            "window_ms": 100,
            "leaked_ms_total": round(sum(idle_leak), 1),
            "windows_with_leak": sum(1 for v in idle_leak if v > 0),
            "foreign_exits": sum(p["foreign_exits"] for p in idle),
        },
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

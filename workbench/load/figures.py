"""One concurrency level's figures: what the clients saw and what the server did, per request.

Client side, from Locust's raw samples (every request every Locust process made, in
milliseconds, not Locust's rounded histogram): ``requests``, ``rps`` (requests over the
run's wall time), ``p50_ms`` / ``p95_ms`` / ``p99_ms`` of all requests, reads and writes
together (``reads`` and ``writes`` split them), ``errors`` (answers of 400 or more and
connection failures) with the most frequent messages.

Server side, per request the server answered (``workbench.load.counters``, summed over the
gunicorn workers between two idle moments): ``queries_per_request``,
``db_cpu_ms_per_request`` (the backends' CPU around each statement, parallel workers not
included), ``server_cpu_ms_per_request`` (the whole PostgreSQL server's CPU over the counted
window, ``analysis.servercpu.ServerCpu``: backends, parallel workers and background processes;
exact for a server the run has to itself, an upper bound on a shared one; None with
``server_cpu.reason`` when the server is not on this machine) and ``hit_rate`` (the
marketplace's cache lookups that hit; None when nothing was looked up, as with the cache
off). ``server.pg_stat_per_request`` divides PostgreSQL's own ``pg_stat_database``
counters for the run's private database by the same count.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from analysis.stats import RESAMPLES, percentile, ratio_ci, verdict
from workbench.load.locust_run import LocustRun

WRITE_NAMES = frozenset({"save_job", "unsave_job", "apply", "edit_job"})
CONTRACT = (
    "variant",
    "users",
    "requests",
    "rps",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "errors",
    "queries_per_request",
    "db_cpu_ms_per_request",
    "server_cpu_ms_per_request",
    "hit_rate",
)


def _latency(times: list[float]) -> dict[str, float | None]:
    if not times:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None}
    return {f"p{q}_ms": round(percentile(times, q), 2) for q in (50, 95, 99)}


def _per(total: float | None, n: int, digits: int = 3) -> float | None:
    return None if total is None or not n else round(total / n, digits)


def client_side(run: LocustRun) -> dict[str, Any]:
    samples = run.samples
    times = [s[3] for s in samples]
    starts = [s[2] for s in samples if s[2] is not None]
    ends = [s[2] + s[3] / 1000 for s in samples if s[2] is not None]
    wall = (max(ends) - min(starts)) if starts else 0.0
    errors = Counter(f"{s[0]}: {s[4]}" for s in samples if s[4] is not None)
    reads = [s[3] for s in samples if s[0] not in WRITE_NAMES]
    writes = [s[3] for s in samples if s[0] in WRITE_NAMES]
    return {
        "requests": len(samples),
        "rps": round(len(samples) / wall, 2) if wall > 0 else None,
        **_latency(times),
        "errors": sum(errors.values()),
        "wall_s": round(wall, 3),
        "reads": {"requests": len(reads), **_latency(reads)},
        "writes": {"requests": len(writes), **_latency(writes)},
        "by_name": dict(sorted(Counter(s[0] for s in samples).items())),
        "top_errors": dict(errors.most_common(5)),
    }


def server_side(
    counted: dict[str, int] | None,
    pg: dict[str, int] | None,
    server_cpu: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Per request the server answered; ``server_cpu`` is ``ServerCpu.as_dict()`` plus the
    window's ``ms`` (None when it could not be read, with a ``reason``)."""
    if counted is None:
        return {
            "queries_per_request": None,
            "db_cpu_ms_per_request": None,
            "server_cpu_ms_per_request": None,
            "hit_rate": None,
            "server_cpu": {"reason": "not measured (a server the workbench did not start)"},
            "server": {"source": "not measured (a server the workbench did not start)"},
        }
    n = counted["requests"]
    server_cpu = server_cpu or {"ms": None, "reason": "not measured"}
    lookups = counted["cache_hits"] + counted["cache_misses"]
    cpu_ok = counted["cpu_unavailable"] == 0
    return {
        "queries_per_request": _per(counted["queries"], n, 2),
        "db_cpu_ms_per_request": _per(counted["db_cpu_us"] / 1000, n) if cpu_ok else None,
        "server_cpu_ms_per_request": _per(server_cpu.get("ms"), n),
        "hit_rate": round(counted["cache_hits"] / lookups, 4) if lookups else None,
        "server_cpu": server_cpu,
        "server": {
            "source": "per-process counters of the gunicorn workers (workbench.load.counters)",
            **counted,
            "cache_lookups_per_request": _per(lookups, n, 2),
            "pg_stat_database": pg,
            "pg_stat_per_request": {k: _per(v, n, 2) for k, v in pg.items()} if pg else None,
        },
    }


def level(
    variant: str,
    run: LocustRun,
    counted: dict[str, int] | None,
    pg: dict[str, int] | None,
    server_cpu: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The contract's keys first, then the detail behind them."""
    client = client_side(run)
    server = server_side(counted, pg, server_cpu)
    figures = {"variant": variant, "users": run.users, **client, **server}
    figures["locust"] = {
        "workers": run.workers,
        "per_process": run.per_process,
        "totals": run.locust_totals,
    }
    head = {key: figures[key] for key in CONTRACT}
    return {**head, **{k: v for k, v in figures.items() if k not in head}}


def compare(levels: list[dict[str, Any]], q: float = 95) -> None:
    """Add ``vs_baseline`` to each level: its p95 speedup over the baseline at the same users.

    ``analysis.stats``'s bootstrap (interval and verdict); the resamples are fewer for
    large runs (at most 20 million resampled values), and said. Drops the raw ``_times``.
    """
    baseline = {lv["users"]: lv["_times"] for lv in levels if lv["variant"] == "baseline"}
    for lv in levels:
        times = lv.pop("_times", [])
        before = baseline.get(lv["users"])
        if lv["variant"] == "baseline" or not before or not times:
            continue
        resamples = max(200, min(RESAMPLES, 20_000_000 // (len(before) + len(times))))
        ratio, interval = ratio_ci(before, times, q, resamples=resamples)
        lv["vs_baseline"] = {
            "q": q,
            "speedup": round(ratio, 3),
            "ci": None if interval is None else [round(interval[0], 3), round(interval[1], 3)],
            "verdict": verdict(ratio, interval),
            "samples": [len(before), len(times)],
            "resamples": resamples,
        }
    for lv in levels:
        lv.pop("_times", None)


def contract(figures: dict[str, Any]) -> dict[str, Any]:
    """Only the output contract's keys (``bench/load.py``'s line)."""
    return {key: figures[key] for key in CONTRACT}

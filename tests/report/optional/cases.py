"""Recorded inputs of the optional pages: a load run's ``load.json`` and scale lines.

Trimmed from real runs at ``tiny`` (07_load with its defaults, 08_scale at tiny and
small); one level gained two failures so the error table has something to show. The
raw samples are written by :func:`write_samples` in the layout the load harness leaves
(``<variant>-u<users>/samples/samples-<pid>.json``, rows ``[name, method, start, ms,
error]``).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path


def _level(variant, users, requests, rps, p50, p95, p99, queries, cpu, hit, **extra):
    return {
        "variant": variant,
        "users": users,
        "requests": requests,
        "rps": rps,
        "p50_ms": p50,
        "p95_ms": p95,
        "p99_ms": p99,
        "errors": 0,
        "queries_per_request": queries,
        "db_cpu_ms_per_request": cpu,
        "hit_rate": hit,
        "top_errors": {},
        "server": {"errors_5xx": 0},
        **extra,
    }


_LOAD = {
    "parameters": {"variants": ["baseline", "all"], "users": [1, 4], "duration": 2.0,
                   "warmup": 0.0, "write_share": 0.05, "seed": 42, "out": "."},
    "database": "wb",
    "plan": {"reads": 200, "zipf_s": 1.1, "write_share": 0.05, "depth": 20, "seed": 42},
    "writes": "into a copy of the database per variant (CREATE DATABASE ... TEMPLATE), "
    "dropped afterwards; the source is only read",
    "levels": [
        _level("baseline", 1, 46, 27.09, 32.73, 68.82, 77.2, 38.04, 6.323, None),
        _level("baseline", 4, 47, 27.83, 122.7, 268.65, 375.3, 38.59, 8.527, None),
        _level("all", 1, 152, 86.68, 8.97, 27.32, 34.64, 1.25, 1.794, 0.5822, vs_baseline={
            "q": 95, "speedup": 2.519, "ci": [2.041, 3.0], "verdict": "faster"}),
        _level("all", 4, 286, 164.12, 16.25, 65.94, 97.4, 0.92, None, 0.7964, vs_baseline={
            "q": 95, "speedup": 4.074, "ci": [3.477, 6.0], "verdict": "faster"}),
    ],
}  # fmt: skip


def load(with_errors: bool = False) -> dict:
    data = copy.deepcopy(_LOAD)
    if with_errors:
        level = data["levels"][1]
        level["errors"] = 2
        level["top_errors"] = {"apply: HTTPError: 409 Client Error: Conflict": 2}
        level["server"]["errors_5xx"] = 0
    return data


# Latencies (ms) per level: few enough to check the figures by hand.
SAMPLES = {
    ("baseline", 1): [10.0, 20.0, 30.0, 40.0, 50.0],
    ("baseline", 4): [100.0, 200.0, 300.0, 400.0],
    ("all", 1): [1.0, 2.0, 3.0],
    ("all", 4): [4.0, 2.0, 8.0, 6.0],
}


def write_samples(folder: Path, samples: dict = SAMPLES, split: bool = True) -> None:
    """Each level's samples, split over two Locust processes as a master's workers would be."""
    for (variant, users), times in samples.items():
        out = folder / f"{variant}-u{users}" / "samples"
        out.mkdir(parents=True)
        rows = [["job_list", "GET", 1_700_000_000.0 + i, ms, None] for i, ms in enumerate(times)]
        parts = [rows[::2], rows[1::2]] if split else [rows]
        for pid, part in enumerate(parts, start=100):
            record = {"role": "worker", "pid": pid, "samples": part}
            (out / f"samples-{pid}.json").write_text(json.dumps(record))


def _line(scenario, variant, on, p50s, queries, growth, queries_growth, node):
    points = [
        {"scale": scale, "rows": rows, "on": on, "p50_ms": p50, "queries": q}
        for (scale, rows), p50, q in zip(
            (("tiny", 7603), ("small", 79746)), p50s, queries, strict=True
        )
    ]
    return {"scenario": scenario, "variant": variant, "points": points, "growth": growth,
            "queries_growth": queries_growth, "growing_node": node}  # fmt: skip


SCALE_LINES = [
    _line("job_list", "baseline", "every call", (53.05, 55.721), (82, 82), "flat", "flat",
          {"node": "Seq Scan on jobs_job", "small_ms": 0.555, "large_ms": 3.895,
           "growth": "linear"}),
    _line("job_list", "all", "miss", (10.586, 9.67), (2, 2), "flat", "flat",
          {"node": "Index Only Scan using jobs_job_status_idx on jobs_job", "small_ms": 0.058,
           "large_ms": 0.946, "growth": "linear"}),
    _line("applications", "baseline", "every call", (27.39, 29.76), (43, 43), "flat", "flat",
          None),
    _line("applications", "all", "miss", (10.11, 16.89), (3, 3), "log", "flat",
          {"node": "Seq Scan on jobs_job", "small_ms": 0.25, "large_ms": 4.64,
           "growth": "linear"}),
]  # fmt: skip


def scale_lines() -> list[dict]:
    return copy.deepcopy(SCALE_LINES)

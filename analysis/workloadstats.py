"""A mixed workload's figures per request: latency with intervals, hits, database time, slow statements.

``analysis.workload.run_mixed`` records one :class:`Request` per counted operation (a
read or a write). This module turns them into what a verdict can rest on:

* latency percentiles p50/p95/p99 over every counted request, reads and writes alike
  (what callers wait for), each with its bootstrap 95% interval (``analysis.stats``);
* the **hit rate per request**: a read is a hit when it read the cache and missed
  nothing (it was served from the cache); a read that read nothing from the cache is a
  miss; writes are left out. None when no read touched the cache at all (a variant
  without caching). Its interval is Wilson's score interval for a proportion;
* database time per request (the mean, with a bootstrap interval of the mean) and
  queries per request;
* the statements over a per-statement limit, one row per fingerprint, slowest first.

Nothing here knows which traffic it is: the caller names the limits.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from analysis.stats import CONFIDENCE, RESAMPLES, bootstrap_ci, percentile

QUANTILES = (50, 95, 99)


@dataclass(slots=True)
class Request:
    """One counted operation of a mixed run."""

    kind: str  # "read" or "write"
    name: str
    ms: float
    db_ms: float = 0.0
    queries: int = 0
    hits: int = 0  # cache lookups that hit during the request
    misses: int = 0

    @property
    def cached(self) -> bool:
        """It read the cache at all."""
        return self.hits + self.misses > 0

    @property
    def hit(self) -> bool:
        """Served from the cache: it read the cache and missed nothing."""
        return self.cached and self.misses == 0


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _interval(found: tuple[float, float] | None, digits: int = 3) -> list[float] | None:
    return None if found is None else [round(found[0], digits), round(found[1], digits)]


def mean_ci(
    values: Sequence[float],
    *,
    confidence: float = CONFIDENCE,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> tuple[float, float] | None:
    """A percentile bootstrap interval for the mean of ``values`` (None under 2 values)."""
    if len(values) < 2:
        return None
    import numpy as np

    rng = np.random.default_rng(seed)
    data = np.asarray(values, dtype=float)
    means = data[rng.integers(0, len(data), size=(resamples, len(data)))].mean(axis=1)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return float(low), float(high)


def proportion_ci(
    successes: int, total: int, *, confidence: float = CONFIDENCE
) -> tuple[float, float] | None:
    """Wilson's score interval for ``successes / total`` (None when ``total`` is 0)."""
    if total <= 0:
        return None
    from statistics import NormalDist

    z = NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / total
    centre = (p + z * z / (2 * total)) / (1 + z * z / total)
    half = z * math.sqrt(p * (1 - p) / total + z * z / (4 * total * total)) / (1 + z * z / total)
    return max(0.0, centre - half), min(1.0, centre + half)


def latency(values: Sequence[float]) -> dict[str, Any]:
    """``samples`` and ``p50_ms``/``p95_ms``/``p99_ms`` with their ``_ci`` (null when empty)."""
    out: dict[str, Any] = {"samples": len(values)}
    for q in QUANTILES:
        out[f"p{q}_ms"] = _round(percentile(values, q)) if values else None
        out[f"p{q}_ci"] = _interval(bootstrap_ci(values, q)) if values else None
    return out


def per_request(requests: Sequence[Request]) -> dict[str, Any]:
    """The per-request figures of a run (see the module's docstring)."""
    reads = [r for r in requests if r.kind == "read"]
    touched = [r for r in reads if r.cached]
    hits = sum(r.hit for r in reads)
    db = [r.db_ms for r in requests]
    rate = round(hits / len(reads), 4) if touched else None
    return {
        **latency([r.ms for r in requests]),
        "hit_rate_per_request": rate,
        "hit_rate_per_request_ci": _interval(proportion_ci(hits, len(reads)), 4)
        if touched
        else None,
        "hit_requests": hits,
        "cache_reading_requests": len(touched),
        "db_ms_per_request": _round(sum(db) / len(db), 4) if db else None,
        "db_ms_per_request_ci": _interval(mean_ci(db), 4),
        "write_latency": latency([r.ms for r in requests if r.kind == "write"]),
    }


def slow_statements(queries: Iterable[Any], limit_ms: float, top: int = 10) -> list[dict[str, Any]]:
    """Each statement shape (fingerprint) that ran over ``limit_ms`` at least once.

    ``queries`` are ``analysis.records.QueryRecord``; one row per fingerprint: the SQL of
    its slowest run, its call site, ``max_ms``, ``over_limit`` (runs over the limit) and
    ``calls``; slowest first, at most ``top`` rows. ``record`` holds the slowest run's
    record (for EXPLAIN); callers drop it before serialising.
    """
    by_shape: dict[str, dict[str, Any]] = {}
    for q in queries:
        row = by_shape.get(q.fingerprint)
        if row is None:
            row = by_shape[q.fingerprint] = {"calls": 0, "over_limit": 0, "max_ms": -1.0}
        row["calls"] += 1
        if q.duration_ms > limit_ms:
            row["over_limit"] += 1
        if q.duration_ms > row["max_ms"]:
            row.update(max_ms=q.duration_ms, record=q)
    rows = []
    for fp, row in by_shape.items():
        if not row["over_limit"]:
            continue
        q = row["record"]
        rows.append(
            {
                "fingerprint": fp,
                "sql": q.sql if len(q.sql) <= 400 else q.sql[:400] + " ...",
                "call_site": q.call_site.short,
                "max_ms": round(row["max_ms"], 3),
                "over_limit": row["over_limit"],
                "calls": row["calls"],
                "record": q,
            }
        )
    return sorted(rows, key=lambda r: -r["max_ms"])[:top]


def max_statement_ms(queries: Iterable[Any]) -> float | None:
    """The longest single statement's duration, or None when none ran."""
    longest = max((q.duration_ms for q in queries), default=None)
    return _round(longest)


def hit_rate(hits: int, misses: int) -> float | None:
    total = hits + misses
    return round(hits / total, 4) if total else None


def count_delta(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, key: str
) -> int | None:
    if not before or not after or before.get(key) is None or after.get(key) is None:
        return None
    return int(after[key]) - int(before[key])


class Loop:
    """The counted operations: each timed, its queries and cache lookups attributed to it."""

    def __init__(self, probe: Callable[[], Mapping[str, Any]] | None) -> None:
        self.probe = probe
        self.samples: list[Request] = []
        self.by_read: dict[str, dict[str, Any]] = {}
        self.by_kind: dict[str, dict[str, Any]] = {}
        self.hits = self.misses = 0

    def run(self, requests: int, draw, run: Any, deadline: float | None) -> None:
        for _ in range(requests):
            if deadline is not None and self.samples and time.perf_counter() >= deadline:
                break
            kind, rank, (name, op) = draw()
            before = self.probe() if self.probe and kind == "read" else None
            first = len(run.queries)
            started = time.perf_counter()
            op()
            ms = (time.perf_counter() - started) * 1000.0
            after = self.probe() if before is not None else None
            ran = run.queries[first:]
            sample = Request(kind, name, ms, sum(q.duration_ms for q in ran), len(ran))
            self.samples.append(sample)
            if kind == "read":
                self._read(sample, rank, before, after)

    def _read(self, sample: Request, rank: int, before, after) -> None:
        sample.hits = count_delta(before, after, "hits") or 0
        sample.misses = count_delta(before, after, "misses") or 0
        row = self.by_read.setdefault(
            sample.name, {"rank": rank, "reads": 0, "hits": 0, "misses": 0}
        )
        row["reads"] += 1
        row["hits"] += sample.hits
        row["misses"] += sample.misses
        self.hits += sample.hits
        self.misses += sample.misses
        kinds_before = (before or {}).get("kinds") or {}
        for kind, counts in ((after or {}).get("kinds") or {}).items():
            was = kinds_before.get(kind) or {}
            tally = self.by_kind.setdefault(kind, {"hits": 0, "misses": 0})
            tally["hits"] += (counts.get("hits") or 0) - (was.get("hits") or 0)
            tally["misses"] += (counts.get("misses") or 0) - (was.get("misses") or 0)

"""This process's own cache hit and miss counters, per kind of cached thing.

Redis's INFO counters are server-wide: they include every other client and every key
(generation reads count as hits too), so a runner that wants the hit rate of just its
own workload reads these instead, as a difference between two snapshots.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

KINDS = ("response", "ratings", "job_stats")
_lock = threading.Lock()
_counts: Counter[str] = Counter()


def record(kind: str, hit: bool) -> None:
    with _lock:
        _counts[f"{kind}.{'hits' if hit else 'misses'}"] += 1


def event(name: str) -> None:
    """Redis errors, calls skipped by the open breaker, invalidations that could not be sent."""
    with _lock:
        _counts[name] += 1


def hit_rate(hits: int, misses: int) -> float | None:
    total = hits + misses
    return round(hits / total, 4) if total else None


def snapshot() -> dict[str, Any]:
    """Hits, misses and hit rate per kind and in total, plus the error counters."""
    with _lock:
        counts = dict(_counts)
    kinds: dict[str, Any] = {}
    for kind in KINDS:
        hits, misses = counts.get(f"{kind}.hits", 0), counts.get(f"{kind}.misses", 0)
        kinds[kind] = {"hits": hits, "misses": misses, "hit_rate": hit_rate(hits, misses)}
    hits = sum(k["hits"] for k in kinds.values())
    misses = sum(k["misses"] for k in kinds.values())
    return {
        "hits": hits,
        "misses": misses,
        "hit_rate": hit_rate(hits, misses),
        "kinds": kinds,
        "errors": counts.get("errors", 0),
        "skipped": counts.get("skipped", 0),
        "missed_invalidations": counts.get("missed_invalidations", 0),
    }


def reset() -> None:
    with _lock:
        _counts.clear()

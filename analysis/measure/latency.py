"""The wall-time statistics of a scenario under a variant: percentiles with intervals,
the cache's hit and miss paths apart, and the speedup over the baseline with a verdict.

All of them come from ``analysis.stats``: percentiles by :func:`~analysis.stats.percentile`,
95% intervals by :func:`~analysis.stats.bootstrap_ci` (resampling the pooled timed calls
of every round), speedups by :func:`~analysis.stats.judge` (the baseline's p50 over the
variant's, "faster"/"slower" only when the interval excludes 1 *and* the change is at
least the minimum effect). Nothing here knows which variant is cached: a call is a *hit*
when its cache probe counted hits and no misses, a *miss* when it counted a miss, and
neither when it did not read the cache at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from analysis.stats import CONFIDENCE, MIN_EFFECT, bootstrap_ci, judge, percentile


def _ci(values: Sequence[float], q: float) -> list[float] | None:
    interval = bootstrap_ci(values, q)
    return None if interval is None else [round(interval[0], 3), round(interval[1], 3)]


def intervals(walls: Sequence[float]) -> dict[str, Any]:
    """``p50_ci``, ``p95_ci``, ``p99_ms`` and ``p99_ci`` of the wall times (ms)."""
    return {
        "p50_ci": _ci(walls, 50),
        "p95_ci": _ci(walls, 95),
        "p99_ms": round(percentile(walls, 99), 3),
        "p99_ci": _ci(walls, 99),
    }


def block(walls: Sequence[float]) -> dict[str, Any] | None:
    """``{samples, p50_ms, p50_ci, p95_ms, p95_ci}`` of some calls; None when there are none."""
    if not walls:
        return None
    return {
        "samples": len(walls),
        "p50_ms": round(percentile(walls, 50), 3),
        "p50_ci": _ci(walls, 50),
        "p95_ms": round(percentile(walls, 95), 3),
        "p95_ci": _ci(walls, 95),
    }


def hit(cache_hits: int | None, cache_misses: int | None) -> bool | None:
    """True for a call that read the cache and missed nothing, False for one that missed,
    None for one that did not read it (or whose probe was not measured)."""
    if cache_hits is None or cache_misses is None or cache_hits + cache_misses == 0:
        return None
    return cache_misses == 0


def hit_miss(walls: Sequence[float], hits: Sequence[bool | None]) -> dict[str, Any]:
    """``hit`` and ``miss`` blocks of the calls (each None when no call was of that kind)."""
    return {
        "hit": block([w for w, h in zip(walls, hits, strict=True) if h is True]),
        "miss": block([w for w, h in zip(walls, hits, strict=True) if h is False]),
    }


def speedup(
    before: Sequence[float],
    after: Sequence[float],
    *,
    q: float = 50,
    min_effect: float = MIN_EFFECT,
    confidence: float = CONFIDENCE,
) -> dict[str, Any] | None:
    """:func:`analysis.stats.judge` of ``before`` (the baseline) against ``after``; None when
    either side has no calls."""
    if not before or not after:
        return None
    return judge(before, after, q, min_effect=min_effect, confidence=confidence)

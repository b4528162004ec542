"""The instrument's one definition of a quantile, and the summaries built on it.

Every percentile, median and interquartile range the workbench reports (wall times of
measured calls, reads of a mixed workload, repeated EXPLAIN ANALYZE runs) uses
:func:`percentile`: linear interpolation between the closest ranks, numpy's default
(Hyndman and Fan's type 7), so a p95 here and a p95 in a notebook's pandas agree.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), ``q`` from 0 to 100."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Iterable[float | None]) -> float | None:
    """The median of the values that are present (not None), or None when there are none."""
    present = [v for v in values if v is not None]
    return percentile(present, 50) if present else None


def spread(values: Sequence[float]) -> dict[str, float]:
    """``runs``, ``min``, ``max``, ``stdev`` and ``iqr`` (p75 - p25) of a sample; {} if empty."""
    if not values:
        return {}
    ordered = sorted(values)
    return {
        "runs": len(ordered),
        "min": ordered[0],
        "max": ordered[-1],
        "stdev": statistics.stdev(ordered) if len(ordered) > 1 else 0.0,
        "iqr": percentile(ordered, 75) - percentile(ordered, 25),
    }


def rounded(value: float | None, digits: int = 3) -> float | None:
    """``round(value, digits)``, keeping None for a figure that was not measured."""
    return None if value is None else round(value, digits)


# --------------------------------------------------------------------------- intervals

CONFIDENCE = 0.95
RESAMPLES = 2000
# A change smaller than this (as a ratio, 10%) is "no change" even when its interval
# excludes 1: on a shared machine a real but tiny shift is not worth a verdict.
MIN_EFFECT = 0.10


def bootstrap_ci(
    values: Sequence[float],
    q: float = 50,
    *,
    confidence: float = CONFIDENCE,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> tuple[float, float] | None:
    """A percentile bootstrap interval for the ``q``-th percentile of ``values``.

    Resamples with replacement ``resamples`` times (a fixed ``seed``: the same data give
    the same interval) and takes the central ``confidence`` share of the resampled
    percentiles. None for fewer than two values: one sample has no spread to resample.
    """
    if len(values) < 2:
        return None
    import numpy as np

    rng = np.random.default_rng(seed)
    return _central(_resampled(rng, values, q, resamples), confidence)


def _resampled(rng, values: Sequence[float], q: float, resamples: int):
    """The ``q``-th percentile of ``resamples`` resamples (with replacement) of ``values``."""
    import numpy as np

    data = np.asarray(values, dtype=float)
    picks = rng.integers(0, len(data), size=(resamples, len(data)))
    return np.percentile(data[picks], q, axis=1)


def _central(stats, confidence: float) -> tuple[float, float]:
    """The central ``confidence`` share of the resampled statistics."""
    import numpy as np

    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(stats, [tail, 100 - tail])
    return float(low), float(high)


def ratio_ci(
    before: Sequence[float],
    after: Sequence[float],
    q: float = 50,
    *,
    confidence: float = CONFIDENCE,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> tuple[float, tuple[float, float] | None]:
    """``percentile(before) / percentile(after)`` (a speedup: above 1 is faster) and its
    bootstrap interval, the two samples resampled independently."""
    point = percentile(before, q) / percentile(after, q)
    both = _both(before, after, q, resamples, seed)
    if both is None:
        return point, None
    import numpy as np

    ra, rb = both
    ratios = ra / np.where(rb > 0, rb, np.nan)
    ratios = ratios[np.isfinite(ratios)]
    if len(ratios) == 0:
        return point, None
    return point, _central(ratios, confidence)


def difference_ci(
    before: Sequence[float],
    after: Sequence[float],
    q: float = 50,
    *,
    confidence: float = CONFIDENCE,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> tuple[float, tuple[float, float] | None]:
    """``percentile(before) - percentile(after)`` (a saving: above 0 is faster) and its
    bootstrap interval, the two samples resampled independently."""
    point = percentile(before, q) - percentile(after, q)
    both = _both(before, after, q, resamples, seed)
    if both is None:
        return point, None
    return point, _central(both[0] - both[1], confidence)


def _both(before: Sequence[float], after: Sequence[float], q: float, resamples: int, seed: int):
    """The ``q``-th percentile of ``resamples`` independent resamples of each sample (the
    same seeded generator, before first), or None when either has fewer than two values."""
    if len(before) < 2 or len(after) < 2:
        return None
    import numpy as np

    rng = np.random.default_rng(seed)
    return _resampled(rng, before, q, resamples), _resampled(rng, after, q, resamples)


def verdict(
    ratio: float, interval: tuple[float, float] | None, min_effect: float = MIN_EFFECT
) -> str:
    """The verdict for a speedup ``ratio`` (before / after): faster, slower or no change.

    Faster only when the whole interval is above 1 *and* the ratio is at least
    ``1 + min_effect``; slower only when the interval is below 1 and the ratio at most
    ``1 / (1 + min_effect)``. Anything else, including no interval, is "no change".
    """
    if interval is None or not math.isfinite(ratio):
        return "no change"
    low, high = interval
    if low > 1 and ratio >= 1 + min_effect:
        return "faster"
    if high < 1 and ratio <= 1 / (1 + min_effect):
        return "slower"
    return "no change"


def judge(
    before: Sequence[float],
    after: Sequence[float],
    q: float = 50,
    *,
    min_effect: float = MIN_EFFECT,
    confidence: float = CONFIDENCE,
    seed: int = 0,
) -> dict[str, object]:
    """The speedup of the ``q``-th percentile from ``before`` to ``after``, judged:
    ``{"speedup", "ci", "verdict", "samples": [n_before, n_after], "q"}``."""
    ratio, interval = ratio_ci(before, after, q, confidence=confidence, seed=seed)
    return {
        "q": q,
        "speedup": round(ratio, 3),
        "ci": None if interval is None else [round(interval[0], 3), round(interval[1], 3)],
        "verdict": verdict(ratio, interval, min_effect),
        "samples": [len(before), len(after)],
    }

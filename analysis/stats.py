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

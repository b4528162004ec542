"""The performance plan's success criteria: their one home (thresholds, names, units, judging).

Every criterion is judged on the ``all`` variant (indexes, eager loading and caching
together) against ``baseline``, over every scenario measured:

| criterion               | measured                                       | passes when |
|-------------------------|------------------------------------------------|-------------|
| N+1 queries eliminated  | N+1 patterns left, summed over the scenarios   | 0           |
| Query time down 50%+    | database time saved, in % of the baseline's    | >= 50 %     |
| Response under 200 ms   | the worst scenario's p95                       | < 200 ms    |
| Cache hit rate over 80% | cache lookups that hit under the mixed workload| > 80 %      |
| Database CPU down 50%+  | database CPU saved, in % of the baseline's     | >= 50 %     |

A figure that was not measured gives ``measured: None`` and a fail: a criterion nobody
measured has not been met. The report's summary (``workbench.report.summary``) and the
benchmark (``bench/optimizations.py``) both judge with :func:`evaluate` and :func:`passes`.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from workbench.study.variants import BASELINE

AFTER = "all"  # the variant the criteria judge: every optimization together

MAX_N_PLUS_ONE = 0
MIN_QUERY_TIME_SAVED_PCT = 50.0
MAX_P95_MS = 200.0
MIN_CACHE_HIT_RATE_PCT = 80.0
MIN_DB_CPU_SAVED_PCT = 50.0
# "1 to 2 queries per endpoint" with eager loading (the benchmark reports it; not in the summary)
MAX_DATA_QUERIES = 2

_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    ">": operator.gt,
}


@dataclass(frozen=True)
class Criterion:
    key: str  # a stable machine name
    name: str  # what the report shows
    target: str
    unit: str  # "ms", "%", or "" for a count
    comparison: str  # measured <comparison> threshold passes
    threshold: float


@dataclass(frozen=True)
class Verdict:
    criterion: Criterion
    measured: float | None
    passed: bool


N_PLUS_ONE = Criterion(
    "n_plus_one",
    "N+1 queries eliminated",
    f"{MAX_N_PLUS_ONE} N+1 patterns",
    "",
    "<=",
    MAX_N_PLUS_ONE,
)
QUERY_TIME = Criterion(
    "query_time",
    f"Query time down {MIN_QUERY_TIME_SAVED_PCT:g}%+",
    f">= {MIN_QUERY_TIME_SAVED_PCT:g}% less database time",
    "%",
    ">=",
    MIN_QUERY_TIME_SAVED_PCT,
)
P95 = Criterion(
    "p95",
    f"Response under {MAX_P95_MS:g} ms",
    f"p95 < {MAX_P95_MS:g} ms on every scenario",
    "ms",
    "<",
    MAX_P95_MS,
)
CACHE_HIT_RATE = Criterion(
    "cache_hit_rate",
    f"Cache hit rate over {MIN_CACHE_HIT_RATE_PCT:g}%",
    f"> {MIN_CACHE_HIT_RATE_PCT:g}% of cache reads hit",
    "%",
    ">",
    MIN_CACHE_HIT_RATE_PCT,
)
DB_CPU = Criterion(
    "db_cpu",
    f"Database CPU down {MIN_DB_CPU_SAVED_PCT:g}%+",
    f">= {MIN_DB_CPU_SAVED_PCT:g}% less database CPU",
    "%",
    ">=",
    MIN_DB_CPU_SAVED_PCT,
)
DATA_QUERIES = Criterion(
    "data_queries",
    f"1 to {MAX_DATA_QUERIES} data queries per endpoint",
    f"<= {MAX_DATA_QUERIES} data queries on every scenario",
    "",
    "<=",
    MAX_DATA_QUERIES,
)
CRITERIA: tuple[Criterion, ...] = (N_PLUS_ONE, QUERY_TIME, P95, CACHE_HIT_RATE, DB_CPU)
"""The criteria the report's summary judges, in the order it shows them."""


def is_number(value: Any) -> bool:
    """A finite int or float, and not a bool."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def passes(criterion: Criterion, measured: float | None) -> bool:
    """Whether a measured figure meets the criterion; an unmeasured one never does."""
    if not is_number(measured):
        return False
    return _COMPARE[criterion.comparison](measured, criterion.threshold)


def total(
    scenarios: Iterable[Mapping[str, Mapping[str, Any]]], variant: str, key: str
) -> float | None:
    """A figure summed over the scenarios (each a mapping variant -> figures); None if any lacks it."""
    values = [s.get(variant, {}).get(key) for s in scenarios]
    if not values or any(not is_number(v) for v in values):
        return None
    return float(sum(values))


def worst(
    scenarios: Iterable[Mapping[str, Mapping[str, Any]]], variant: str, key: str
) -> float | None:
    """A figure's largest value over the scenarios; None if any lacks it."""
    values = [s.get(variant, {}).get(key) for s in scenarios]
    if not values or any(not is_number(v) for v in values):
        return None
    return max(values)


def saved_pct(before: float | None, after: float | None) -> float | None:
    """How much less ``after`` is than ``before``, in % of ``before`` (one decimal)."""
    if not is_number(before) or not is_number(after) or before == 0:
        return None
    return round(100 * (1 - after / before), 1)


def evaluate(
    scenarios: Iterable[Mapping[str, Mapping[str, Any]]],
    cache: Mapping[str, Any],
    before: str = BASELINE,
    after: str = AFTER,
) -> list[Verdict]:
    """Judge :data:`CRITERIA`; ``scenarios`` holds, per scenario, variant -> figures."""
    scenarios = list(scenarios)
    n_plus_one = total(scenarios, after, "n_plus_one")
    rate = cache.get("hit_rate")
    rate_pct = 100 * rate if is_number(rate) else None
    measured = {
        N_PLUS_ONE: None if n_plus_one is None else int(n_plus_one),
        QUERY_TIME: saved_pct(total(scenarios, before, "db_ms"), total(scenarios, after, "db_ms")),
        P95: worst(scenarios, after, "p95_ms"),
        CACHE_HIT_RATE: rate_pct,
        DB_CPU: saved_pct(
            total(scenarios, before, "db_cpu_ms"), total(scenarios, after, "db_cpu_ms")
        ),
    }
    verdicts = []
    for criterion in CRITERIA:
        value = measured[criterion]
        shown = round(value, 1) if criterion is CACHE_HIT_RATE and value is not None else value
        verdicts.append(Verdict(criterion, shown, passes(criterion, value)))
    return verdicts


def rows(verdicts: Iterable[Verdict]) -> list[dict[str, Any]]:
    """Verdicts as summary.json's ``criteria`` rows: name, target, measured, passed, unit."""
    return [
        {
            "name": v.criterion.name,
            "target": v.criterion.target,
            "measured": v.measured,
            "passed": bool(v.passed),
            "unit": v.criterion.unit,
        }
        for v in verdicts
    ]

"""The performance plan's success criteria: their one home (thresholds, names, units, judging).

Every criterion is judged on the ``all`` variant (indexes, eager loading and caching
together), against ``baseline`` where it is a saving, and says what traffic it was
judged on (``measured_on``):

| criterion                   | measured on | figure                                              | passes when  |
|-----------------------------|-------------|-----------------------------------------------------|--------------|
| N+1 queries eliminated      | isolated    | N+1 patterns left, summed over the scenarios        | 0            |
| 1 to 2 data queries         | isolated    | the most data queries of a scenario (COUNT and auth apart) | <= 2  |
| Query time down 50%+        | mixed       | database time per request saved, % of the baseline's | >= 50 %     |
| Response under 200 ms       | mixed       | p95 of every request of the traffic                 | < 200 ms     |
| Every query under 100 ms    | mixed       | the longest single statement                        | < 100 ms     |
| Cache hit rate over 80%     | mixed       | reads served from the cache (per request)           | > 80 %       |
| Database CPU down 50%+      | mixed       | database CPU per request saved, % of the baseline's | >= 50 %      |

"Mixed" is ``workbench.study.mixed``: Zipf-skewed reads over every scenario and subject
with 5% API writes that invalidate, from a cold cache, under each variant; "isolated"
is each scenario on its own (``workbench.study.measure``), for the figures that are
structural (counts of queries and patterns, not times).

**The rule with an interval**: a figure that is a statistic carries its 95% interval
(``ci``), and passes only when the *whole interval* is on the passing side (the p95's
upper bound under 200 ms, the hit rate's lower bound over 80%, the saving's lower bound
at 50% or more). A saving's interval is built from the two means' intervals, the
pessimistic ends against each other, so it is wider than a joint bootstrap would give.
A figure without an interval is judged on its value. A figure that was not measured
gives ``measured: None`` and a fail: a criterion nobody measured has not been met.
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
MAX_DATA_QUERIES = 2  # "1 to 2 queries per endpoint": data queries, COUNT and auth apart
MAX_QUERY_MS = 100.0  # "every query under 100 ms", per statement

MIXED, ISOLATED = "mixed", "isolated"

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
    measured_on: str = MIXED


@dataclass(frozen=True)
class Verdict:
    criterion: Criterion
    measured: float | None
    passed: bool
    ci: tuple[float, float] | None = None
    samples: int | list[int] | None = None
    detail: str | None = None

    @property
    def measured_on(self) -> str:
        return self.criterion.measured_on


N_PLUS_ONE = Criterion(
    "n_plus_one", "N+1 queries eliminated", "0 N+1 patterns", "", "<=", MAX_N_PLUS_ONE, ISOLATED
)
DATA_QUERIES = Criterion(
    "data_queries",
    f"1 to {MAX_DATA_QUERIES} data queries per endpoint",
    f"<= {MAX_DATA_QUERIES} data queries on every scenario (COUNT and auth apart)",
    "",
    "<=",
    MAX_DATA_QUERIES,
    ISOLATED,
)
QUERY_TIME = Criterion(
    "query_time",
    f"Query time down {MIN_QUERY_TIME_SAVED_PCT:g}%+",
    f">= {MIN_QUERY_TIME_SAVED_PCT:g}% less database time per request",
    "%",
    ">=",
    MIN_QUERY_TIME_SAVED_PCT,
)
P95 = Criterion(
    "p95",
    f"Response under {MAX_P95_MS:g} ms",
    f"p95 < {MAX_P95_MS:g} ms over the mixed traffic (interval included)",
    "ms",
    "<",
    MAX_P95_MS,
)
QUERY_LIMIT = Criterion(
    "query_limit",
    f"Every query under {MAX_QUERY_MS:g} ms",
    f"no statement over {MAX_QUERY_MS:g} ms in the mixed traffic",
    "ms",
    "<",
    MAX_QUERY_MS,
)
CACHE_HIT_RATE = Criterion(
    "cache_hit_rate",
    f"Cache hit rate over {MIN_CACHE_HIT_RATE_PCT:g}%",
    f"> {MIN_CACHE_HIT_RATE_PCT:g}% of read requests served from the cache",
    "%",
    ">",
    MIN_CACHE_HIT_RATE_PCT,
)
DB_CPU = Criterion(
    "db_cpu",
    f"Database CPU down {MIN_DB_CPU_SAVED_PCT:g}%+",
    f">= {MIN_DB_CPU_SAVED_PCT:g}% less database CPU per request",
    "%",
    ">=",
    MIN_DB_CPU_SAVED_PCT,
)
CRITERIA: tuple[Criterion, ...] = (
    N_PLUS_ONE,
    DATA_QUERIES,
    QUERY_TIME,
    P95,
    QUERY_LIMIT,
    CACHE_HIT_RATE,
    DB_CPU,
)
"""The criteria the report's summary judges, in the order it shows them."""


def is_number(value: Any) -> bool:
    """A finite int or float, and not a bool."""
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def passes(criterion: Criterion, measured: float | None, ci: Iterable[float] | None = None) -> bool:
    """Whether a figure meets the criterion; with an interval, its whole interval must.

    An unmeasured figure never does.
    """
    if not is_number(measured):
        return False
    judged: float = measured  # type: ignore[assignment]
    bounds = list(ci) if ci is not None else []
    if len(bounds) == 2 and all(is_number(b) for b in bounds):
        judged = max(bounds) if criterion.comparison in ("<", "<=") else min(bounds)
    return _COMPARE[criterion.comparison](judged, criterion.threshold)


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


def saved_interval(before_ci: Any, after_ci: Any) -> tuple[float, float] | None:
    """The saving's interval from the two means' intervals, pessimistic ends paired."""
    if not (isinstance(before_ci, list | tuple) and isinstance(after_ci, list | tuple)):
        return None
    (b_low, b_high), (a_low, a_high) = before_ci, after_ci
    low, high = saved_pct(b_low, a_high), saved_pct(b_high, a_low)
    return None if low is None or high is None else (low, high)


def _ci(value: Any) -> tuple[float, float] | None:
    if isinstance(value, list | tuple) and len(value) == 2 and all(is_number(v) for v in value):
        return float(value[0]), float(value[1])
    return None


def evaluate(
    scenarios: Iterable[Mapping[str, Mapping[str, Any]]],
    cache: Mapping[str, Any] | None = None,
    before: str = BASELINE,
    after: str = AFTER,
    *,
    mixed: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Verdict]:
    """Judge :data:`CRITERIA`.

    ``scenarios`` holds, per scenario, variant -> isolated figures; ``mixed`` variant ->
    the mixed workload's figures (``workbench.study.mixed.mixed_workload``). ``cache``
    is kept for callers of the old signature and not judged: the hit rate criterion is
    per request, from ``mixed``.
    """
    scenarios = list(scenarios)
    mixed = mixed or {}
    found = {
        **judge_isolated(scenarios, after),
        **judge_mixed(mixed.get(before) or {}, mixed.get(after) or {}, before, after),
    }
    return [found[c.key] for c in CRITERIA]


def _judged(criterion: Criterion, value: Any, ci=None, samples=None, detail=None) -> Verdict:
    value = value if is_number(value) else None
    detail = detail if value is not None else (detail or f"not measured ({criterion.measured_on})")
    return Verdict(criterion, value, passes(criterion, value, ci), ci, samples, detail)


def judge_isolated(scenarios: list[Mapping[str, Mapping[str, Any]]], after: str) -> dict:
    """The structural criteria, from each scenario measured on its own under ``after``.

    A cached variant's isolated timed calls are hits; where the measuring run reports a
    ``miss`` block with ``data_queries``, the data-query count is the miss path's.
    """
    n_plus_one = total(scenarios, after, "n_plus_one")
    values = []
    for scenario in scenarios:
        figures = scenario.get(after) or {}
        values.append((figures.get("miss") or {}).get("data_queries", figures.get("data_queries")))
    worst_data = max(values) if values and all(is_number(v) for v in values) else None
    on_hits = any(scenario.get(after, {}).get("miss") is None for scenario in scenarios)
    note = "timed calls of a cached variant are hits: 0 data queries" if on_hits else None
    return {
        N_PLUS_ONE.key: _judged(
            N_PLUS_ONE, None if n_plus_one is None else int(n_plus_one), samples=len(scenarios)
        ),
        DATA_QUERIES.key: _judged(DATA_QUERIES, worst_data, None, len(scenarios), note),
    }


def _statement(row: Mapping[str, Any]) -> str:
    sql = " ".join(str(row.get("sql", "")).split())
    text = f"{sql[:120]}{' ...' if len(sql) > 120 else ''} at {row.get('call_site')} "
    text += f"({row.get('max_ms')} ms"
    if row.get("over_limit"):
        text += f", {row['over_limit']} of {row.get('calls')} runs over the limit"
    text += ")"
    if row.get("plan_finding"):
        text += f"; plan: {row['plan_finding']}"
    return text


def judge_mixed(base: Mapping[str, Any], judged: Mapping[str, Any], before: str, after: str):
    """The criteria judged on the mixed traffic of ``after`` (against ``before``'s)."""
    n_before, n_after = base.get("samples"), judged.get("samples")
    pair = [n_before, n_after] if n_before is not None and n_after is not None else None
    query_ci = saved_interval(base.get("db_ms_per_request_ci"), judged.get("db_ms_per_request_ci"))
    rate, rate_ci = judged.get("hit_rate_per_request"), _ci(judged.get("hit_rate_per_request_ci"))
    slowest = judged.get("slowest_statements") or []
    missing = None if base else f"the mixed traffic of {before} was not measured"
    return {
        QUERY_TIME.key: _judged(
            QUERY_TIME,
            saved_pct(base.get("db_ms_per_request"), judged.get("db_ms_per_request")),
            query_ci,
            pair,
            missing,
        ),
        P95.key: _judged(
            P95, judged.get("p95_ms"), _ci(judged.get("p95_ci")), n_after, "p95 of every request"
        ),
        QUERY_LIMIT.key: _judged(
            QUERY_LIMIT,
            judged.get("max_statement_ms"),
            None,
            judged.get("queries"),
            _statement(slowest[0]) if slowest else None,
        ),
        CACHE_HIT_RATE.key: _judged(
            CACHE_HIT_RATE,
            round(100 * rate, 1) if is_number(rate) else None,
            None if rate_ci is None else (round(100 * rate_ci[0], 1), round(100 * rate_ci[1], 1)),
            judged.get("reads"),
            f"per lookup: {judged.get('hit_rate')}" if judged.get("hit_rate") is not None else None,
        ),
        DB_CPU.key: _judged(
            DB_CPU,
            saved_pct(base.get("db_cpu_ms_per_request"), judged.get("db_cpu_ms_per_request")),
            None,
            pair,
            missing or "a total over each run: no interval",
        ),
    }


def rows(verdicts: Iterable[Verdict]) -> list[dict[str, Any]]:
    """Verdicts as summary.json's ``criteria`` rows."""
    return [
        {
            "key": v.criterion.key,
            "name": v.criterion.name,
            "target": v.criterion.target,
            "measured": v.measured,
            "passed": bool(v.passed),
            "unit": v.criterion.unit,
            "measured_on": v.measured_on,
            "ci": None if v.ci is None else [v.ci[0], v.ci[1]],
            "samples": v.samples,
            "detail": v.detail,
        }
        for v in verdicts
    ]


def failed(summary_criteria: Iterable[Mapping[str, Any]]) -> list[str]:
    """The names of the criteria rows that did not pass."""
    return [c.get("name", "?") for c in summary_criteria if not c.get("passed")]

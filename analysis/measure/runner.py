"""One scenario under one variant: the warm-up and timed calls, and the figures from them.

Each timed call runs inside ``analysis.capture.capture`` and records its wall time, its
queries by category (``analysis.measure.classify``), their driver-side time, its N+1
patterns, the database's CPU (``analysis.dbcpu``), the cache counters the caller's
``cache_probe`` returns (a *hit* when it read the cache and missed nothing) and the round
it ran in. :func:`figures` turns the calls of every round into the medians, percentiles
with their intervals, hit and miss blocks (``analysis.measure.latency``) and totals the
results hold. A call keeps its captured queries (``run``) only while the run needs them
(the first round's, for plans and N+1 details): thousands of calls would not fit.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from analysis.capture import capture
from analysis.measure.classify import CATEGORIES, Classifier
from analysis.measure.errors import MeasureError
from analysis.measure.latency import hit, hit_miss, intervals
from analysis.nplusone import detect_n_plus_one
from analysis.records import CaptureRun, QueryRecord
from analysis.stackcpu import StackCpuMeter
from analysis.stats import median, percentile, rounded


@dataclass(frozen=True)
class Named:
    name: str
    call: Callable[[], Any]

    def __call__(self) -> Any:
        return self.call()


def as_scenario(item: Any) -> Any:
    if isinstance(item, tuple) and len(item) == 2 and callable(item[1]):
        return Named(str(item[0]), item[1])
    if not isinstance(getattr(item, "name", None), str) or not callable(item):
        raise MeasureError(f"a scenario needs a name and must be callable, got {item!r}")
    return item


def describe_scenario(scenario: Any) -> dict[str, Any]:
    describe = getattr(scenario, "describe", None)
    return dict(describe()) if callable(describe) else {}


@dataclass
class Call:
    wall_ms: float
    run: CaptureRun | None  # dropped (None) once the run has used the queries
    categories: dict[str, int]
    cpu_ms: float | None  # the database's (backend and parallel workers)
    cache_hits: int | None
    cache_misses: int | None
    redis_hits: int | None
    redis_misses: int | None
    n_plus_one: int
    queries: int = 0
    db_ms: float = 0.0
    fingerprints: int = 0  # distinct statement shapes
    round: int = 0
    app_cpu_ms: float | None = None  # this process's
    redis_cpu_ms: float | None = None  # the Redis server's
    total_cpu_ms: float | None = None

    @property
    def hit(self) -> bool | None:
        return hit(self.cache_hits, self.cache_misses)


def _diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, key: str):
    if not before or not after or before.get(key) is None or after.get(key) is None:
        return None
    return int(after[key]) - int(before[key])


class Runner:
    def __init__(
        self,
        classify: Classifier,
        cpu: StackCpuMeter | None,
        cache_probe: Callable[[], Mapping[str, Any]] | None,
        n_plus_one_threshold: int,
    ) -> None:
        self.classify = classify
        self.cpu = cpu
        self.cache_probe = cache_probe
        self.threshold = n_plus_one_threshold

    def call(self, scenario: Any, round_index: int = 0) -> Call:
        probe_before = self.cache_probe() if self.cache_probe else None
        cpu_before = self.cpu.read() if self.cpu is not None else None
        with capture(label=scenario.name) as run:
            started = time.perf_counter()
            scenario()
            wall_ms = (time.perf_counter() - started) * 1000.0
        used = self.cpu.elapsed(cpu_before) if self.cpu is not None else {}
        probe_after = self.cache_probe() if self.cache_probe else None
        categories = dict.fromkeys(CATEGORIES, 0)
        for record in run.queries:
            categories[self.classify(record)] += 1
        return Call(
            wall_ms=wall_ms,
            run=run,
            categories=categories,
            cpu_ms=used.get("db_cpu_ms"),
            app_cpu_ms=used.get("app_cpu_ms"),
            redis_cpu_ms=used.get("redis_cpu_ms"),
            total_cpu_ms=used.get("total_cpu_ms"),
            cache_hits=_diff(probe_before, probe_after, "hits"),
            cache_misses=_diff(probe_before, probe_after, "misses"),
            redis_hits=_diff(probe_before, probe_after, "redis_hits"),
            redis_misses=_diff(probe_before, probe_after, "redis_misses"),
            n_plus_one=len(detect_n_plus_one(run, threshold=self.threshold)),
            queries=len(run.queries),
            db_ms=run.total_ms,
            fingerprints=len({q.fingerprint for q in run.queries}),
            round=round_index,
        )


def _failed(scenario: Any, variant: str, exc: AssertionError) -> MeasureError:
    return MeasureError(f"scenario {scenario.name!r} failed under {variant!r}: {exc}")


def warm_up(scenario: Any, variant: str, warmup: int) -> list[QueryRecord]:
    """``warmup`` untimed calls; the queries of the first (a cold cache's misses)."""
    warm: list[QueryRecord] = []
    try:
        for i in range(warmup):
            if i == 0:
                with capture(label=scenario.name) as run:
                    scenario()
                warm = run.queries
            else:
                scenario()
    except AssertionError as exc:
        raise _failed(scenario, variant, exc) from None
    return warm


def timed_calls(
    runner: Runner,
    scenario: Any,
    variant: str,
    quota: int,
    budget_s: float | None = None,
    round_index: int = 0,
) -> list[Call]:
    """Up to ``quota`` timed calls; fewer when they have taken ``budget_s`` seconds
    (overheads included), but always one."""
    calls: list[Call] = []
    started = time.perf_counter()
    try:
        while len(calls) < quota:
            if calls and budget_s is not None and time.perf_counter() - started >= budget_s:
                break
            calls.append(runner.call(scenario, round_index))
    except AssertionError as exc:
        raise _failed(scenario, variant, exc) from None
    return calls


def figures(calls: list[Call]) -> dict[str, Any]:
    """The figures of one scenario under one variant, over the timed calls of every round."""
    walls = [c.wall_ms for c in calls]

    def med_int(values: Iterable[float]) -> int:
        return int(round(median(values)))

    def total(attr: str) -> int | None:
        values = [getattr(c, attr) for c in calls]
        return None if any(v is None for v in values) else sum(values)

    hits, misses = total("cache_hits"), total("cache_misses")
    lookups = (hits or 0) + (misses or 0)
    return {
        "measured_on": "isolated",
        "samples": len(calls),
        "rounds": len({c.round for c in calls}),
        "queries": med_int(c.queries for c in calls),
        "data_queries": med_int(c.categories["data"] for c in calls),
        "count_queries": med_int(c.categories["count"] for c in calls),
        "auth_queries": med_int(c.categories["auth"] for c in calls),
        "control_queries": med_int(c.categories["control"] for c in calls),
        # any call's N+1 counts (a cached variant's misses included), not the median call's
        "n_plus_one": max(c.n_plus_one for c in calls),
        "p50_ms": round(percentile(walls, 50), 3),
        "p95_ms": round(percentile(walls, 95), 3),
        **intervals(walls),
        "mean_ms": round(statistics.fmean(walls), 3),
        "min_ms": round(min(walls), 3),
        "max_ms": round(max(walls), 3),
        "db_ms": round(median(c.db_ms for c in calls), 3),
        # CPU as means per call: parallel workers' CPU moves in 10 ms clock ticks, which
        # a median would round away (analysis.dbcpu)
        "db_cpu_ms": rounded(mean(c.cpu_ms for c in calls)),
        "app_cpu_ms": rounded(mean(c.app_cpu_ms for c in calls)),
        "redis_cpu_ms": rounded(mean(c.redis_cpu_ms for c in calls)),
        "total_cpu_ms": rounded(mean(c.total_cpu_ms for c in calls)),
        "cache": {
            "hit_rate": round(hits / lookups, 4) if hits is not None and lookups else None,
            "hits": hits,
            "misses": misses,
            "reads": len(calls),
            "writes": 0,
            "redis_hits": total("redis_hits"),
            "redis_misses": total("redis_misses"),
        },
        **_with_counts(hit_miss(walls, [c.hit for c in calls]), calls),
    }


def mean(values: Iterable[float | None]) -> float | None:
    """The mean of the values, or None when any is missing (a part not measured)."""
    values = list(values)
    if not values or any(v is None for v in values):
        return None
    return statistics.fmean(values)


def _with_counts(blocks: dict[str, Any], calls: list[Call]) -> dict[str, Any]:
    """The hit and miss blocks gain the queries of their calls (a miss's are the real cost)."""
    for name, wanted in (("hit", True), ("miss", False)):
        block = blocks.get(name)
        picked = [c for c in calls if c.hit is wanted]
        if block and picked:
            block["queries"] = int(round(median(c.queries for c in picked)))
            block["data_queries"] = int(round(median(c.categories["data"] for c in picked)))
            block["n_plus_one"] = max(c.n_plus_one for c in picked)
    return blocks


def n_plus_one_details(run: CaptureRun, threshold: int) -> list[dict[str, Any]]:
    return [
        {
            "message": f.message,
            "count": f.count,
            "call_site": f.call_site.short,
            "relation": f.relation.description,
            "fix": f.fix,
            "path": f.relation.path,
            "queryset": f.relation.queryset,
            "loop_site": f.relation.loop_site,
            "serializer_field": f.serializer_field,
            "view": f.view,
            "fix_in": f.fix_in,
            "fingerprint": f.fingerprint,
            "total_ms": round(f.total_ms, 3),
        }
        for f in detect_n_plus_one(run, threshold=threshold)
    ]


def row(scenario: str, variant: str, index: int, call: Call) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "variant": variant,
        "repeat": index,
        "round": call.round,
        "wall_ms": call.wall_ms,
        "hit": call.hit,
        "queries": call.queries,
        "data_queries": call.categories["data"],
        "count_queries": call.categories["count"],
        "auth_queries": call.categories["auth"],
        "control_queries": call.categories["control"],
        "db_ms": call.db_ms,
        "db_cpu_ms": call.cpu_ms,
        "n_plus_one": call.n_plus_one,
        "cache_hits": call.cache_hits,
        "cache_misses": call.cache_misses,
        "fingerprints": call.fingerprints,
    }

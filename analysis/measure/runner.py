"""One scenario under one variant: the warm-up and timed calls, and the figures from them.

Each timed call runs inside ``analysis.capture.capture`` and records its wall time, its
queries by category (``analysis.measure.classify``), their driver-side time, its N+1
patterns, the database's CPU (``analysis.dbcpu``) and the cache counters the caller's
``cache_probe`` returns. :func:`figures` turns the calls into the medians, percentiles
(``analysis.stats``) and totals the results hold.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from analysis.capture import capture
from analysis.dbcpu import CpuMeter
from analysis.measure.classify import CATEGORIES, Classifier
from analysis.measure.errors import MeasureError
from analysis.nplusone import detect_n_plus_one
from analysis.records import CaptureRun, QueryRecord
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
    run: CaptureRun
    categories: dict[str, int]
    cpu_ms: float | None
    cache_hits: int | None
    cache_misses: int | None
    redis_hits: int | None
    redis_misses: int | None
    n_plus_one: int


def _diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, key: str):
    if not before or not after or before.get(key) is None or after.get(key) is None:
        return None
    return int(after[key]) - int(before[key])


class Runner:
    def __init__(
        self,
        classify: Classifier,
        cpu: CpuMeter | None,
        cache_probe: Callable[[], Mapping[str, Any]] | None,
        n_plus_one_threshold: int,
    ) -> None:
        self.classify = classify
        self.cpu = cpu
        self.cache_probe = cache_probe
        self.threshold = n_plus_one_threshold

    def call(self, scenario: Any) -> Call:
        probe_before = self.cache_probe() if self.cache_probe else None
        cpu_before = self.cpu.read() if self.cpu is not None else None
        with capture(label=scenario.name) as run:
            started = time.perf_counter()
            scenario()
            wall_ms = (time.perf_counter() - started) * 1000.0
        cpu_ms = self.cpu.elapsed_ms(cpu_before) if self.cpu is not None else None
        probe_after = self.cache_probe() if self.cache_probe else None
        categories = dict.fromkeys(CATEGORIES, 0)
        for record in run.queries:
            categories[self.classify(record)] += 1
        return Call(
            wall_ms=wall_ms,
            run=run,
            categories=categories,
            cpu_ms=cpu_ms,
            cache_hits=_diff(probe_before, probe_after, "hits"),
            cache_misses=_diff(probe_before, probe_after, "misses"),
            redis_hits=_diff(probe_before, probe_after, "redis_hits"),
            redis_misses=_diff(probe_before, probe_after, "redis_misses"),
            n_plus_one=len(detect_n_plus_one(run, threshold=self.threshold)),
        )


def run_scenario(
    runner: Runner, scenario: Any, variant: str, repeat: int, warmup: int
) -> tuple[list[Call], list[QueryRecord]]:
    """The timed calls, and the queries of the first warm-up call (a cold cache's misses)."""
    calls, warm = [], []
    try:
        for i in range(warmup):
            if i == 0:
                with capture(label=scenario.name) as run:
                    scenario()
                warm = run.queries
            else:
                scenario()
        for _ in range(repeat):
            calls.append(runner.call(scenario))
    except AssertionError as exc:
        raise MeasureError(f"scenario {scenario.name!r} failed under {variant!r}: {exc}") from None
    return calls, warm


def figures(calls: list[Call]) -> dict[str, Any]:
    walls = [c.wall_ms for c in calls]

    def med_int(values: Iterable[float]) -> int:
        return int(round(median(values)))

    def total(attr: str) -> int | None:
        values = [getattr(c, attr) for c in calls]
        return None if any(v is None for v in values) else sum(values)

    hits, misses = total("cache_hits"), total("cache_misses")
    lookups = (hits or 0) + (misses or 0)
    return {
        "queries": med_int(len(c.run.queries) for c in calls),
        "data_queries": med_int(c.categories["data"] for c in calls),
        "count_queries": med_int(c.categories["count"] for c in calls),
        "auth_queries": med_int(c.categories["auth"] for c in calls),
        "control_queries": med_int(c.categories["control"] for c in calls),
        "n_plus_one": med_int(c.n_plus_one for c in calls),
        "p50_ms": round(percentile(walls, 50), 3),
        "p95_ms": round(percentile(walls, 95), 3),
        "mean_ms": round(statistics.fmean(walls), 3),
        "min_ms": round(min(walls), 3),
        "max_ms": round(max(walls), 3),
        "db_ms": round(median(c.run.total_ms for c in calls), 3),
        "db_cpu_ms": rounded(median(c.cpu_ms for c in calls)),
        "cache": {
            "hit_rate": round(hits / lookups, 4) if hits is not None and lookups else None,
            "hits": hits,
            "misses": misses,
            "reads": len(calls),
            "writes": 0,
            "redis_hits": total("redis_hits"),
            "redis_misses": total("redis_misses"),
        },
    }


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
        "wall_ms": call.wall_ms,
        "queries": len(call.run.queries),
        "data_queries": call.categories["data"],
        "count_queries": call.categories["count"],
        "auth_queries": call.categories["auth"],
        "control_queries": call.categories["control"],
        "db_ms": call.run.total_ms,
        "db_cpu_ms": call.cpu_ms,
        "n_plus_one": call.n_plus_one,
        "cache_hits": call.cache_hits,
        "cache_misses": call.cache_misses,
        "fingerprints": len({q.fingerprint for q in call.run.queries}),
    }

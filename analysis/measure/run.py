"""The measuring run: every scenario under every variant, in interleaved rounds.

A run is ``rounds`` rounds (``analysis.measure.rounds``). Each round enters every variant
once, in the order ``order`` gives for that round (by default rotated round by round;
the first round starts with the baseline), and under it calls every scenario: the first
round ``warmup`` untimed calls, then each round its share of the ``repeat`` timed calls
(``analysis.measure.runner``), stopping early once a cell has spent its share of the
``time_box`` (seconds per scenario and variant; one call per round at least). The
figures pool the calls of all rounds; a scenario's speedup under a variant is judged on
the pooled wall times against the baseline's (``analysis.measure.latency``).

The plans of what ran (``analysis.measure.plancapture``) are taken in the first round,
from its timed calls and first warm-up call, while the variant is entered; only those
calls keep their captured queries. ``mixed`` (optional) runs once inside each variant
named in ``mixed_variants``, after the scenarios of the last round, typically
``analysis.workload.run_mixed`` for the cache hit rate under realistic traffic.

Nothing here knows the variants: the baseline is the one named (or the first given), and
whether a call was a cache hit comes from the ``cache_probe``'s counts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from analysis.measure.classify import Classifier, classifier
from analysis.measure.errors import MeasureError
from analysis.measure.latency import speedup
from analysis.measure.plancapture import EXPLAIN_RUNS, record_plans
from analysis.measure.result import MeasureResult
from analysis.measure.rounds import SAMPLES, TIME_BOX, Order, default_rounds, quotas, rotation
from analysis.measure.runner import (
    Call,
    Runner,
    as_scenario,
    describe_scenario,
    n_plus_one_details,
    timed_calls,
    warm_up,
)
from analysis.measure.runner import figures as call_figures
from analysis.measure.runner import row as call_row
from analysis.stackcpu import RedisInfo, StackCpuMeter
from analysis.stats import CONFIDENCE, MIN_EFFECT

VariantFactory = Callable[[], AbstractContextManager]


def _check(repeat: int, rounds: int | None, time_box: float | None, warmup: int) -> int:
    if repeat < 1:
        raise MeasureError(f"repeat must be at least 1, got {repeat}")
    if warmup < 0:
        raise MeasureError(f"warmup must be 0 or more, got {warmup}")
    rounds = default_rounds(repeat) if rounds is None else rounds
    if not 1 <= rounds <= repeat:
        raise MeasureError(f"rounds must be from 1 to repeat ({repeat}), got {rounds}")
    if time_box is not None and time_box <= 0:
        raise MeasureError(f"time_box must be positive seconds (or None), got {time_box}")
    return rounds


def _sequence(order: Order, index: int, names: list[str], baseline: str) -> list[str]:
    sequence = list(order(index, list(names)))
    if sorted(sequence) != sorted(names):
        raise MeasureError(f"order gave {sequence} for round {index}, not the variants {names}")
    if index == 0 and baseline in sequence:  # its plans must exist before the others' diffs
        sequence.remove(baseline)
        sequence.insert(0, baseline)
    return sequence


def measure(
    scenarios: Iterable[Any],
    variants: Mapping[str, VariantFactory],
    *,
    repeat: int = SAMPLES,
    rounds: int | None = None,
    time_box: float | None = TIME_BOX,
    order: Order | None = None,
    min_effect: float = MIN_EFFECT,
    confidence: float = CONFIDENCE,
    warmup: int = 1,
    classify: Classifier | None = None,
    explain: bool = True,
    explain_runs: int = EXPLAIN_RUNS,
    cpu: StackCpuMeter | None | bool = True,
    redis_info: RedisInfo | None = None,
    cache_probe: Callable[[], Mapping[str, Any]] | None = None,
    mixed: Callable[[], Mapping[str, Any]] | None = None,
    mixed_variants: Iterable[str] = (),
    around: AbstractContextManager | None = None,
    baseline: str | None = None,
    reference: MeasureResult | None = None,
    n_plus_one_threshold: int = 2,
    parameters: Mapping[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> MeasureResult:
    """Measure every scenario under every variant; ``analysis.measure.result`` has the output.

    ``repeat`` timed calls per scenario and variant (200), over ``rounds`` interleaved
    rounds (default ``analysis.measure.rounds.default_rounds(repeat)``: 10, fewer for
    small runs), each variant's calls of a round cut short once they took
    ``time_box / rounds`` seconds (``time_box`` 2 s per scenario and variant; None: no
    limit). ``order(round, names)`` orders the variants of a round (default: rotated).
    ``min_effect`` and ``confidence`` are the speedup verdict's (``analysis.stats.judge``).
    ``cpu=True`` reads the whole stack's CPU per call (``analysis.stackcpu``: the database
    backend and its parallel workers, this process, and Redis when ``redis_info`` returns
    its ``INFO cpu``); ``False``/``None`` skips it, or pass
    a :class:`CpuMeter`. ``cache_probe`` returns cumulative ``hits``/``misses`` (and
    optionally ``redis_hits``/``redis_misses``) of the application's cache.
    ``baseline`` names the variant the others are diffed and judged against (default: the
    first variant given). ``reference`` is an earlier result holding the ``baseline``
    variant (e.g. read with :func:`~analysis.measure.result.load`): when this run does not
    measure the baseline itself, its variants' plan diffs, disappeared statements and
    speedups are computed against that one (a speedup then compares calls not
    interleaved with this run's); ``baseline`` must then be named.
    """
    scenarios = [as_scenario(s) for s in scenarios]
    names = [s.name for s in scenarios]
    if not scenarios:
        raise MeasureError("no scenarios to measure")
    if len(set(names)) != len(names):
        raise MeasureError(f"scenario names must be unique: {names}")
    if not variants:
        raise MeasureError("no variants to measure")
    n_rounds = _check(repeat, rounds, time_box, warmup)
    mixed_variants = set(mixed_variants)
    unknown = sorted(mixed_variants - set(variants))
    if unknown:
        raise MeasureError(f"mixed workload for variants not measured: {', '.join(unknown)}")
    if baseline is None:
        if reference is not None:
            raise MeasureError("name the baseline variant (baseline=...) to use a reference run")
        baseline = next(iter(variants))
    say = progress or (lambda message: None)
    classify = classify or classifier()
    order = order or rotation
    shares = quotas(repeat, n_rounds)
    budget = None if time_box is None else time_box / n_rounds

    with around if around is not None else nullcontext():
        meter = (
            StackCpuMeter.for_connection(redis_info=redis_info) if cpu is True else (cpu or None)
        )
        result = MeasureResult(
            {
                "repeat": repeat,
                "rounds": n_rounds,
                "time_box": time_box,
                "min_effect": min_effect,
                "warmup": warmup,
                "variants": list(variants),
                "scenarios": names,
                "baseline": baseline,
                "explain": explain,
                **(parameters or {}),
            },
            # results.json's db_cpu stays the database's method; the others beside it
            {**meter.as_dict()["db"], "stack": meter.as_dict()}
            if meter is not None
            else {"method": "not measured"},
        )
        runner = Runner(classify, meter, cache_probe, n_plus_one_threshold)
        baseline_plans: dict[tuple[str, str], Any] = {}
        baseline_fps: dict[str, dict[str, dict[str, Any]]] = {}
        if reference is not None and baseline not in variants:
            baseline_plans, baseline_fps = reference.baseline_reference(baseline)
            if reference.source is not None:
                result.context["baseline_from"] = str(reference.source)
        cells: dict[tuple[str, str], list[Call]] = {(s, v): [] for v in variants for s in names}
        planned: dict[tuple[str, str], dict[str, Any]] = {}
        for index in range(n_rounds):
            started = time.perf_counter()
            for variant in _sequence(order, index, list(variants), baseline):
                with variants[variant]():
                    for scenario in scenarios:
                        warm = warm_up(scenario, variant, warmup) if index == 0 else []
                        calls = timed_calls(runner, scenario, variant, shares[index], budget, index)
                        cells[(scenario.name, variant)].extend(calls)
                        if index == 0:
                            part: dict[str, Any] = {
                                "n_plus_one_details": n_plus_one_details(
                                    calls[0].run, n_plus_one_threshold
                                )
                            }
                            record_plans(
                                result,
                                part,
                                scenario.name,
                                variant,
                                [q for c in calls for q in c.run.queries],
                                warm,
                                calls=len(calls),
                                explain=explain,
                                explain_runs=explain_runs,
                                is_baseline=variant == baseline,
                                baseline_plans=baseline_plans,
                                baseline_fps=baseline_fps,
                            )
                            planned[(scenario.name, variant)] = part
                        for call in calls:
                            call.run = None  # the queries are no longer needed
                    if mixed is not None and variant in mixed_variants and index == n_rounds - 1:
                        say(f"{variant:<9} mixed workload ...")
                        result.mixed[variant] = dict(mixed())
                        rate = result.mixed[variant].get("hit_rate")
                        say(f"{variant:<9} mixed workload hit rate {rate}")
            say(f"round {index + 1}/{n_rounds} in {time.perf_counter() - started:.1f} s")

        for scenario in scenarios:
            result.scenarios[scenario.name] = {**describe_scenario(scenario), "variants": {}}
        for variant in variants:
            for name in names:
                calls = cells[(name, variant)]
                figures = {**call_figures(calls), **planned[(name, variant)]}
                if variant != baseline:
                    before = (
                        [c.wall_ms for c in cells[(name, baseline)]]
                        if baseline in variants
                        else (reference.walls(name, baseline) if reference is not None else [])
                    )
                    figures["speedup"] = speedup(
                        before,
                        [c.wall_ms for c in calls],
                        min_effect=min_effect,
                        confidence=confidence,
                    )
                result.scenarios[name]["variants"][variant] = figures
                for i, call in enumerate(calls):
                    result.rows.append(call_row(name, variant, i, call))
                verdict = (figures.get("speedup") or {}).get("verdict", "")
                say(
                    f"{variant:<9} {name:<17} queries {figures['queries']:>4} "
                    f"(data {figures['data_queries']}) n+1 {figures['n_plus_one']:>2} "
                    f"p50 {figures['p50_ms']:8.2f} ms p95 {figures['p95_ms']:8.2f} ms "
                    f"n {figures['samples']:>3} {verdict}"
                )
    return result

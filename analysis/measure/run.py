"""The measuring run: every scenario under every variant, in the order given.

For each variant (its context manager entered once) and each scenario: ``warmup``
untimed calls, then ``repeat`` timed calls (``analysis.measure.runner``), then the
plans of what they ran (``analysis.measure.plancapture``). ``mixed`` (optional) runs
inside each variant named in ``mixed_variants`` after the scenarios, typically
``analysis.workload.run_mixed`` for the cache hit rate under realistic traffic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager, ExitStack, nullcontext
from typing import Any

from analysis.dbcpu import CpuMeter
from analysis.measure.classify import Classifier, classifier
from analysis.measure.errors import MeasureError
from analysis.measure.plancapture import record_plans
from analysis.measure.result import MeasureResult
from analysis.measure.runner import (
    Runner,
    as_scenario,
    describe_scenario,
    n_plus_one_details,
    run_scenario,
)
from analysis.measure.runner import figures as call_figures
from analysis.measure.runner import row as call_row

VariantFactory = Callable[[], AbstractContextManager]


def measure(
    scenarios: Iterable[Any],
    variants: Mapping[str, VariantFactory],
    *,
    repeat: int = 5,
    warmup: int = 1,
    classify: Classifier | None = None,
    explain: bool = True,
    explain_runs: int = 1,
    cpu: CpuMeter | None | bool = True,
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

    ``cpu=True`` probes the best database CPU method, ``False``/``None`` skips it, or pass
    a :class:`CpuMeter`. ``cache_probe`` returns cumulative ``hits``/``misses`` (and
    optionally ``redis_hits``/``redis_misses``) of the application's cache.
    ``baseline`` names the variant the others are diffed against (default: the first
    variant given). ``reference`` is an earlier result holding the ``baseline`` variant
    (e.g. read with :func:`~analysis.measure.result.load`): when this run does not
    measure the baseline itself, its variants' plan diffs and disappeared statements are
    computed against that one; ``baseline`` must then be named.
    """
    scenarios = [as_scenario(s) for s in scenarios]
    names = [s.name for s in scenarios]
    if not scenarios:
        raise MeasureError("no scenarios to measure")
    if len(set(names)) != len(names):
        raise MeasureError(f"scenario names must be unique: {names}")
    if not variants:
        raise MeasureError("no variants to measure")
    if repeat < 1:
        raise MeasureError(f"repeat must be at least 1, got {repeat}")
    if warmup < 0:
        raise MeasureError(f"warmup must be 0 or more, got {warmup}")
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

    with around if around is not None else nullcontext():
        meter = CpuMeter.for_connection() if cpu is True else (cpu or None)
        result = MeasureResult(
            {
                "repeat": repeat,
                "warmup": warmup,
                "variants": list(variants),
                "scenarios": names,
                "explain": explain,
                **(parameters or {}),
            },
            meter.as_dict() if meter is not None else {"method": "not measured"},
        )
        for scenario in scenarios:
            result.scenarios[scenario.name] = {**describe_scenario(scenario), "variants": {}}
        runner = Runner(classify, meter, cache_probe, n_plus_one_threshold)
        baseline_plans: dict[tuple[str, str], Any] = {}
        baseline_fps: dict[str, dict[str, dict[str, Any]]] = {}
        if reference is not None and baseline not in variants:
            baseline_plans, baseline_fps = reference.baseline_reference(baseline)
            if reference.source is not None:
                result.context["baseline_from"] = str(reference.source)
        for variant, factory in variants.items():
            with ExitStack() as stack:
                stack.enter_context(factory())
                for scenario in scenarios:
                    calls, warm = run_scenario(runner, scenario, variant, repeat, warmup)
                    figures = call_figures(calls)
                    figures["n_plus_one_details"] = n_plus_one_details(
                        calls[0].run, n_plus_one_threshold
                    )
                    records = [q for c in calls for q in c.run.queries]
                    record_plans(
                        result,
                        figures,
                        scenario.name,
                        variant,
                        records,
                        warm,
                        calls=len(calls),
                        explain=explain,
                        explain_runs=explain_runs,
                        is_baseline=variant == baseline,
                        baseline_plans=baseline_plans,
                        baseline_fps=baseline_fps,
                    )
                    result.scenarios[scenario.name]["variants"][variant] = figures
                    for i, call in enumerate(calls):
                        result.rows.append(call_row(scenario.name, variant, i, call))
                    say(
                        f"{variant:<9} {scenario.name:<17} queries {figures['queries']:>4} "
                        f"(data {figures['data_queries']}) n+1 {figures['n_plus_one']:>2} "
                        f"p50 {figures['p50_ms']:8.2f} ms p95 {figures['p95_ms']:8.2f} ms"
                    )
                if mixed is not None and variant in mixed_variants:
                    say(f"{variant:<9} mixed workload ...")
                    result.mixed[variant] = dict(mixed())
                    rate = result.mixed[variant].get("hit_rate")
                    say(f"{variant:<9} mixed workload hit rate {rate}")
    return result

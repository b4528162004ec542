"""``measure``: the marketplace's scenarios under its variants, through the generic runner.

Binds ``analysis.measure`` to the study: the scenarios (``workbench.study.scenarios``)
for the subjects picked from the data (``workbench.study.subjects``), the variants
(``workbench.study.variants``), how to tell the pagination COUNT and the caller's
authentication from data queries (:data:`RULES`), and the mixed workload that measures
the cache hit rate (``workbench.study.mixed``).

    from workbench.study.measure import measure
    result = measure(["job_list", "user_list"], ["baseline", "eager"], repeat=50)

The run is interleaved (``analysis.measure.rounds``): every round enters every variant.
Entering a variant that changes the plan's indexes is DDL (0.6 s a switch at ``small``,
seconds at ``medium``), so the rounds order the variants with
``analysis.measure.rounds.grouped``: rotated within the variants without the plan's
indexes (baseline, eager, cache) and within those with them (indexes, all), the two
groups taking turns to go first, so each round switches the indexes once (a plain
rotation of the five would switch them three or four times a round). For the same
reason the variants are entered through :func:`_state`, which sets the indexes a variant
needs but does not put them back on leaving it (the next variant sets its own, and
:func:`workbench.study.variants.restoring` puts the database's back at the end); it
clears the cache on entry and exit, like the variants themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict
from functools import partial
from typing import Any

from analysis.measure import SAMPLES, TIME_BOX, MeasureResult, Rule, classifier, grouped
from analysis.measure import measure as run_measure
from analysis.stats import MIN_EFFECT
from workbench.study import variants as study_variants
from workbench.study.mixed import (
    DEPTH,
    MIXED_REQUESTS,
    MIXED_WARMUP,
    WRITE_SHARE,
    ZIPF_S,
    cache_probe,
    mixed_workload,
)
from workbench.study.scenarios import DEFAULT_PAGE_SIZE, build
from workbench.study.subjects import pick_subjects

# Queries that are not about the data the endpoint shows: the caller's lookup (bearer
# token or session) and the paginator's COUNT(*). Everything else counts as data.
RULES = (
    Rule("auth", file="marketplace/api/auth.py"),
    Rule("auth", contains='"django_session"'),
    Rule("count", file="marketplace/api/pagination.py", prefix="SELECT COUNT(*)"),
)
classify = classifier(RULES)


def _redis_cpu_info():
    """Redis's ``INFO cpu`` through the cache's circuit breaker (None when it is down)."""
    from marketplace.cache import store

    return store.run(lambda client: client.info("cpu"), None)


def _clear_cache() -> None:
    import marketplace.cache

    marketplace.cache.clear()


@contextmanager
def _state(variant: study_variants.Variant) -> Iterator[study_variants.Variant]:
    """The variant's state, leaving the indexes as it set them (see the module docstring)."""
    from marketplace.api import switches

    study_variants.set_indexes(variant.indexes)
    _clear_cache()
    try:
        with switches.variant(eager=variant.eager, cache=variant.cache):
            yield variant
    finally:
        _clear_cache()


def factories(chosen: Mapping[str, study_variants.Variant]) -> dict[str, Callable]:
    """The variants as the interleaved run enters them (:func:`_state`), by name."""
    return {name: partial(_state, variant) for name, variant in chosen.items()}


def order(chosen: Mapping[str, study_variants.Variant]):
    """Rotate within the variants without and with the plan's indexes, groups alternating."""
    return grouped({name: variant.indexes for name, variant in chosen.items()})


def measure(
    names: Iterable[str] | None = None,
    variants: Iterable[str] | None = None,
    *,
    repeat: int = SAMPLES,
    rounds: int | None = None,
    time_box: float | None = TIME_BOX,
    min_effect: float = MIN_EFFECT,
    warmup: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    explain: bool = True,
    mixed_requests: int = MIXED_REQUESTS,
    write_share: float = WRITE_SHARE,
    zipf_s: float = ZIPF_S,
    mixed_warmup: int = MIXED_WARMUP,
    depth: int = DEPTH,
    seed: int = 42,
    mixed_variants: Iterable[str] | None = None,
    context: Mapping[str, Any] | None = None,
    reference: MeasureResult | None = None,
    progress: Callable[[str], None] | None = None,
) -> MeasureResult:
    """Every named scenario under every named variant (all of both by default).

    ``repeat`` timed calls per scenario and variant (200) in ``rounds`` interleaved rounds
    (10 by default, fewer for small runs), cut short for a slow scenario once its calls
    under a variant took ``time_box`` seconds (2; None for no limit; at least one call a
    round); ``min_effect`` is the smallest speedup called "faster"/"slower" (0.10).
    Changes the plan's indexes as the variants require (DDL: check ownership first) and
    puts them back as they were at the end. ``mixed_requests=0`` skips the mixed
    workload; otherwise it runs under each variant in ``mixed_variants`` (default: those
    with caching on; name them all to compare database time under the same traffic).
    ``reference``: an earlier result with the baseline (``analysis.measure.load``) that
    the variants' plan diffs and disappeared queries are computed against.
    """
    chosen = study_variants.select(variants)
    subjects = pick_subjects()
    runnable = build(names, page_size=page_size, subjects=subjects)
    if mixed_variants is None:
        mixed_variants = [n for n, v in chosen.items() if v.cache]
    mixed_variants = [n for n in mixed_variants if n in chosen] if mixed_requests > 0 else []

    def mixed() -> dict[str, Any]:
        return mixed_workload(
            requests=mixed_requests,
            write_share=write_share,
            zipf_s=zipf_s,
            warmup=mixed_warmup,
            depth=depth,
            seed=seed,
            page_size=page_size,
        )

    with study_variants.restoring() as before:
        result = run_measure(
            runnable,
            factories(chosen),
            repeat=repeat,
            rounds=rounds,
            time_box=time_box,
            order=order(chosen),
            min_effect=min_effect,
            warmup=warmup,
            classify=classify,
            explain=explain,
            cache_probe=cache_probe,
            redis_info=_redis_cpu_info,
            mixed=mixed,
            mixed_variants=mixed_variants,
            baseline=study_variants.BASELINE,
            reference=reference,
            parameters={
                "page_size": page_size,
                "mixed_requests": mixed_requests,
                "write_share": write_share,
                "zipf_s": zipf_s,
                "mixed_warmup": mixed_warmup,
                "depth": depth,
                "seed": seed,
            },
            progress=progress,
        )
    result.context.update(
        {
            "subjects": subjects.as_dict(),
            "index_state_before": before,
            "query_rules": [asdict(rule) for rule in RULES],
            **(context or {}),
        }
    )
    return result

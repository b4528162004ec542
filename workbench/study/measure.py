"""``measure``: the marketplace's scenarios under its variants, through the generic runner.

Binds ``analysis.measure`` to the study: the scenarios (``workbench.study.scenarios``)
for the subjects picked from the data (``workbench.study.subjects``), the variants
(``workbench.study.variants``), how to tell the pagination COUNT and the caller's
authentication from data queries (:data:`RULES`), and the mixed workload that measures
the cache hit rate (``workbench.study.mixed``).

    from workbench.study.measure import measure
    result = measure(["job_list", "user_list"], ["baseline", "eager"], repeat=10)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from typing import Any

from analysis.measure import MeasureResult, Rule, classifier
from analysis.measure import measure as run_measure
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


def measure(
    names: Iterable[str] | None = None,
    variants: Iterable[str] | None = None,
    *,
    repeat: int = 5,
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
            chosen,
            repeat=repeat,
            warmup=warmup,
            classify=classify,
            explain=explain,
            cache_probe=cache_probe,
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

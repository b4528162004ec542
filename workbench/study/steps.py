"""What the report's notebooks do to the marketplace, one function per step.

The notebooks in ``notebooks/`` stay thin: parameters, one call here, then tables and
charts from ``workbench.report.tables`` / ``workbench.report.figures``. This module binds
the generic pieces (``analysis.measure``, ``analysis.indexes.audit``,
``workbench.report.run_folder``'s run folder) to the marketplace's scenarios and variants:

* :func:`seed`: migrate and re-seed, write ``seed.json`` (01);
* :func:`measure_stage`: measure a notebook's own variants and store them under its
  name, diffed against the baseline 02 stored (02 to 05);
* :func:`advise_indexes`: the index advisor with the scenarios as its workload, so
  ``used_by`` names scenarios; the recommended set and its migrations (03);
* :func:`page_size_counts`: query counts at two page sizes (04).

Everything that changes the database (seeding, index DDL) first checks that the
workbench owns it (``workbench.env.ownership``); ``workbench report`` checks it up front too.
Each such step takes ``allow_external``, which ``workbench report --allow-external`` hands
every notebook as the runner parameter of that name.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.measure import MeasureResult
from workbench.env import ownership
from workbench.errors import WorkbenchError
from workbench.report import run_folder as reporting
from workbench.study.variants import BASELINE


@dataclass
class Stage:
    """A notebook's measurement: what it stored, and the view with the baseline beside it."""

    own: MeasureResult  # what this notebook measured (written to results_dir/<name>)
    view: MeasureResult  # the baseline and this notebook's variants, for its tables
    baseline_note: str  # where the baseline came from


def scenario_names(wanted: Iterable[str]) -> list[str]:
    """The scenarios a notebook's ``scenarios`` parameter names (``["all"]``: every one)."""
    from workbench.study import scenarios

    try:
        return scenarios.check_names(list(wanted))
    except ValueError as exc:
        raise WorkbenchError(str(exc)) from None


def context(scale: str | int, seed: int, page_size: int) -> dict[str, Any]:
    """What a stored baseline must share with a later measurement to be its "before"."""
    from workbench.env import services
    from workbench.report.environment import shareable_url

    return {
        "scale": str(scale),
        "seed": seed,
        "page_size": page_size,
        "database": shareable_url(services.database_url(start=False)),
    }


def ready(action: str = "change the indexes of", allow_external: bool = False) -> None:
    """Refuse, in one line, a database not ours, an unmigrated one or one with no data."""
    from workbench.study import plan_indexes as perf_indexes
    from workbench.study import subjects

    ownership.ensure_owned(action, allow_external)
    perf_indexes.applied_apps()
    try:
        subjects.pick_subjects()
    except subjects.NoData as exc:
        raise WorkbenchError(f"{exc} (run 01_seed, or `workbench seed`)") from None


def seed(scale: str | int, seed: int, results_dir: str | os.PathLike, allow_external: bool = False):
    """Migrate, re-seed ``scale`` with ``seed`` (truncating first), write ``seed.json``."""
    from django.core.management import call_command

    import fixtures
    import marketplace.cache

    ownership.ensure_owned("migrate", allow_external)
    call_command("migrate", verbosity=0, interactive=False)
    seeded = fixtures.seed(scale, seed=seed, reset=True, progress=False)
    marketplace.cache.clear()  # entries computed from the previous data must not be served
    reporting.write_json(results_dir, reporting.SEED_FILE, seeded.as_dict())
    return seeded


def measure_stage(
    results_dir: str | os.PathLike,
    stage: str,
    variants: Sequence[str],
    *,
    scenarios: Iterable[str] = ("all",),
    scale: str | int,
    seed: int,
    repeat: int,
    time_box: float | None = None,
    page_size: int = 20,
    warmup: int = 1,
    explain: bool = True,
    mixed_requests: int = 0,
    write_share: float = 0.05,
    progress: Callable[[str], None] | None = None,
    allow_external: bool = False,
) -> Stage:
    """The measurement of ``variants``, stored in ``results_dir/<stage>``.

    02 (``variants`` holding the baseline) measures *every* variant, interleaved in
    rounds, so each later stage compares like with like: its variants and the baseline
    were timed side by side, round by round. A later stage takes its variants from that
    run when it fits (same scale, seed, page size, database and scenarios); otherwise
    (a notebook run on its own in JupyterLab) it measures the baseline and its variants
    here, interleaved too, and ``baseline_note`` says so.
    """
    from workbench.study.measure import measure
    from workbench.study.variants import NAMES

    names = scenario_names(scenarios)
    ready(allow_external=allow_external)
    ctx = context(scale, seed, page_size)
    wanted = list(variants)
    if BASELINE in wanted:
        to_measure, note, measured = list(NAMES), "every variant measured here, interleaved", None
    else:
        measured, note = reporting.load_baseline(results_dir, ctx, names)
        to_measure = [BASELINE, *wanted]
        if measured is not None and all(
            v in measured.scenarios[names[0]]["variants"] for v in to_measure
        ):
            note = note.replace("(measured by 02_baseline)", "(measured with it, interleaved)")
        else:
            measured = None
    if measured is None:
        measured = measure(
            names,
            to_measure,
            repeat=repeat,
            time_box=time_box,
            warmup=warmup,
            page_size=page_size,
            explain=explain,
            mixed_requests=mixed_requests,
            mixed_warmup=max(mixed_requests // 4, 1) if mixed_requests else 0,
            write_share=write_share,
            seed=seed,
            context=ctx,
            progress=progress,
        )
    own = measured if BASELINE in wanted else reporting.subset(measured, wanted)
    own.write(reporting.run_dir(results_dir) / stage)
    view = reporting.subset(measured, dict.fromkeys([BASELINE, *wanted]))
    return Stage(own=own, view=view, baseline_note=note)


def vacuum(tables: Iterable[str]) -> None:
    """Plain VACUUM: dead rows gone, trailing empty pages returned, statistics untouched.

    Not ``ANALYZE``: it samples anew, and at ``medium`` a new sample can tip a plan,
    so the later notebooks would no longer compare like with like against 02.
    """
    from workbench.env import maintenance

    maintenance.vacuum(tables)


def advise_indexes(
    results_dir: str | os.PathLike,
    scenarios: Iterable[str] = ("all",),
    *,
    page_size: int = 20,
    write_rows: int = 500,
    candidates: bool = True,
    allow_external: bool = False,
) -> dict[str, Any]:
    """The index advisor (``workbench.study.advisor``) on the run's data, stored (03).

    Writes ``advice.json`` (index set, candidates, final check), ``index_audit.json``
    (one record per judged index) and the recommended set as Django migrations under
    ``migrations/`` (paths relative to the run folder, recorded in the advice).
    """
    from workbench.study import advisor

    advice = advisor.advise(
        scenarios,
        page_size=page_size,
        write_rows=write_rows,
        candidates=candidates,
        allow_external=allow_external,
    )
    folder = reporting.run_dir(results_dir)
    written = advisor.write_migration(advice, folder / reporting.MIGRATIONS_DIR)
    advice["migration"] = {
        table: str(Path(path).relative_to(folder))
        for table, path in advisor.migration_by_table(advice, written).items()
    }
    reporting.write_json(results_dir, reporting.ADVICE_FILE, advice)
    reporting.write_json(results_dir, reporting.AUDIT_FILE, advice["records"])
    return advice


def page_size_counts(
    scenarios: Iterable[str] = ("all",),
    page_sizes: Sequence[int] = (10, 50),
    variants: Sequence[str] = (BASELINE, "eager"),
    allow_external: bool = False,
) -> list[dict[str, Any]]:
    """Queries per request of every paginated scenario at each page size, measured.

    One untimed and one timed call per scenario, variant and page size, without plans:
    only the counts matter here, and they do not vary between calls.
    """
    from workbench.study import scenarios as study_scenarios
    from workbench.study import variants as study_variants
    from workbench.study.measure import measure

    names = [n for n in scenario_names(scenarios) if study_scenarios.SCENARIOS[n].paginated]
    sizes = sorted({study_scenarios.check_page_size(s) for s in page_sizes})
    if not names or len(sizes) < 2:
        return []
    ready(allow_external=allow_external)
    counts = []
    # Both variants run without the plan's indexes: revert them once for every page size.
    with study_variants.restoring():
        study_variants.set_indexes(False)
        for size in sizes:
            result = measure(
                names, variants, repeat=1, warmup=1, page_size=size, explain=False,
                mixed_requests=0,
            )  # fmt: skip
            counts.extend(
                {
                    "scenario": name,
                    "variant": variant,
                    "page_size": size,
                    "queries": result.figures(name, variant)["queries"],
                    "data_queries": result.figures(name, variant)["data_queries"],
                }
                for name in names
                for variant in variants
            )
    return counts


def explore_scenario(
    name: str, variant: str = BASELINE, page_size: int = 20, allow_external: bool = False
):
    """One call of a scenario under a variant, captured (an ``analysis.capture.CaptureRun``).

    The call is the first after entering the variant, so under a cached variant it is
    the miss, with the queries a miss costs. The slowest read it ran is explained while
    the variant is still in place (the baseline's plan without the plan's indexes, not
    the plan after they are put back): ``run.slowest_plan``, an
    ``analysis.explain.ExplainResult``, or None when it ran no read. The plan's indexes
    are put back as they were.
    """
    from analysis.capture import capture
    from analysis.explain import explain
    from workbench.study import scenarios as study_scenarios
    from workbench.study import variants as study_variants

    (wanted,) = scenario_names([name])
    try:
        chosen = study_variants.select([variant])[variant]
    except ValueError as exc:
        raise WorkbenchError(str(exc)) from None
    ready(allow_external=allow_external)
    (scenario,) = study_scenarios.build([wanted], page_size=page_size)
    with study_variants.restoring(), chosen():
        with capture(label=wanted) as run:
            scenario()
        reads = [q for q in run if q.kind in ("SELECT", "WITH")]
        slowest = max(reads, key=lambda q: q.duration_ms) if reads else None
        run.slowest_plan = explain(slowest) if slowest is not None else None
    return run

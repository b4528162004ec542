"""What the report's notebooks do to the marketplace, one function per step.

The notebooks in ``notebooks/`` stay thin: parameters, one call here, then tables and
charts from ``workbench.report.tables`` / ``workbench.report.figures``. This module binds
the generic pieces (``analysis.measure``, ``analysis.indexes.audit``,
``workbench.report.run_folder``'s run folder) to the marketplace's scenarios and variants:

* :func:`seed`: migrate and re-seed, write ``seed.json`` (01);
* :func:`measure_stage`: measure a notebook's own variants and store them under its
  name, diffed against the baseline 02 stored (02 to 05);
* :func:`audit_indexes`: the index audit with the scenarios as its workload, so
  ``used_by`` names scenarios (03);
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
    from marketplace.dsn import redact
    from workbench.env import services

    return {
        "scale": str(scale),
        "seed": seed,
        "page_size": page_size,
        "database": redact(services.database_url(start=False)),
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


def audit_indexes(
    scenarios: Iterable[str] = ("all",),
    *,
    page_size: int = 20,
    repeat: int = 3,
    write_rows: int = 500,
    write_repeat: int = 7,
    allow_external: bool = False,
) -> list[dict[str, Any]]:
    """The plan's 24 indexes audited with the scenarios as the workload (see analysis.indexes).

    The endpoints run as the baseline serves them (switches off), so ``used_by`` lists
    the scenarios whose plans pick an index. The audit works in a transaction it rolls
    back, but its write-cost rounds leave dead rows behind (rolled-back inserts and
    updates: tiny's 37-page job table had grown to 2,981 pages), which would slow every
    later scan: the audited tables are vacuumed before (no broken HOT chains hiding a
    new index from the transaction that builds it, as ``workbench indexes audit``
    does) and after.
    """
    from analysis.indexes import audit
    from marketplace.api import switches
    from workbench.study import plan_indexes as perf_indexes
    from workbench.study import scenarios as study_scenarios

    names = scenario_names(scenarios)
    ready("audit indexes in", allow_external)
    specs = perf_indexes.index_specs()
    tables = [s.table for s in specs]
    vacuum(tables)
    runnable = study_scenarios.build(names, page_size=page_size)
    try:
        with switches.variant(eager=False, cache=False):
            result = audit(
                specs,
                [(s.name, s) for s in runnable],
                repeat=repeat,
                write_rows=write_rows,
                write_repeat=write_repeat,
            )
    finally:
        vacuum(tables)
    return result.records()


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
    the miss, with the queries a miss costs. The plan's indexes are put back as they were.
    """
    from analysis.capture import capture
    from workbench.study import scenarios as study_scenarios
    from workbench.study import variants as study_variants

    (wanted,) = scenario_names([name])
    try:
        chosen = study_variants.select([variant])[variant]
    except ValueError as exc:
        raise WorkbenchError(str(exc)) from None
    ready(allow_external=allow_external)
    (scenario,) = study_scenarios.build([wanted], page_size=page_size)
    with study_variants.restoring(), chosen(), capture(label=wanted) as run:
        scenario()
    return run

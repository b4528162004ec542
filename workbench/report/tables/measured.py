"""Scenario x variant tables of what was measured: queries, N+1 patterns, latency, database time;
and the page-size runs. The mixed workload's table is in ``verdicts``.

Every function returns a :class:`workbench.report.tables.table.Table`: text in the
report's formats (``workbench.report.formats``), long cells folded, and a sentence
instead of an empty table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from analysis.measure import MeasureResult
from workbench.report import formats
from workbench.report.run_folder import variants_of
from workbench.report.tables.frames import ratio
from workbench.report.tables.table import Code, Table, table
from workbench.study.variants import BASELINE

FIGURE_COLUMNS = {
    "queries": "queries",
    "data_queries": "data queries",
    "count_queries": "count",
    "auth_queries": "auth",
    "n_plus_one": "N+1",
    "p50_ms": "p50",
    "p95_ms": "p95",
    "db_ms": "db time",
    "db_cpu_ms": "db CPU",
}
_TIMES = {"p50_ms", "p95_ms", "db_ms", "db_cpu_ms"}


def figure(key: str, value: Any) -> str:
    """One measured figure in its format: a time in ms, anything else a count."""
    return formats.ms(value) if key in _TIMES or key.endswith("_ms") else formats.count(value)


def figures_frame(result: MeasureResult, variants: Sequence[str] | None = None) -> Table:
    """Scenario x variant: queries by kind, N+1 patterns, latency, database time and CPU.

    ``data queries`` leaves out the paginator's COUNT and the caller's lookup (``auth``),
    which is what "1 to 2 queries per endpoint" is about.
    """
    wanted = list(variants) if variants is not None else variants_of(result)
    rows = [
        [name, variant, *(figure(key, f.get(key)) for key in FIGURE_COLUMNS)]
        for name, scenario in result.scenarios.items()
        for variant in wanted
        if (f := scenario["variants"].get(variant)) is not None
    ]
    return table(
        ["scenario", "variant", *FIGURE_COLUMNS.values()],
        rows,
        empty=f"No scenario was measured under {', '.join(wanted) or 'any variant'}.",
        index=2,
    )


def overview_frame(
    result: MeasureResult,
    metrics: Sequence[str] = ("queries", "n_plus_one", "p50_ms"),
    variants: Sequence[str] | None = None,
) -> Table:
    """One row per scenario, a column per metric holding every variant: the run on one screen."""
    wanted = list(variants) if variants is not None else variants_of(result)
    order = " / ".join(wanted)
    header = ["scenario"] + [
        f"{FIGURE_COLUMNS.get(m, m)}{' ms' if m in _TIMES else ''}: {order}" for m in metrics
    ]
    rows = []
    for name, scenario in result.scenarios.items():
        row = [name]
        for metric in metrics:
            values = [scenario["variants"].get(v, {}).get(metric) for v in wanted]
            shown = [formats.decimal(v) if metric in _TIMES else formats.count(v) for v in values]
            row.append(" / ".join(shown))
        rows.append(row)
    return table(header, rows, empty="No scenario was measured in this run.")


def comparison_frame(result: MeasureResult, variant: str, baseline: str = BASELINE) -> Table:
    """Per scenario, the baseline next to ``variant`` (before → after) and the change in words.

    ``p50 change`` is the judged speedup (its 95% interval in brackets) when the run
    judged one, else the plain ratio; a change is a ratio above 1 with its direction.
    """
    rows = []
    for name, scenario in result.scenarios.items():
        before, after = scenario["variants"].get(baseline), scenario["variants"].get(variant)
        if before is None or after is None:
            continue
        row: list[Any] = [name]
        for key in ("queries", "data_queries", "n_plus_one"):
            row.append(f"{formats.count(before.get(key))} → {formats.count(after.get(key))}")
        for key in ("p50_ms", "p95_ms", "db_ms"):
            row.append(f"{formats.decimal(before.get(key))} → {formats.decimal(after.get(key))} ms")
        row.append(
            formats.speedup(after.get("speedup"), ratio(after.get("p50_ms"), before.get("p50_ms")))
        )
        row.append(formats.change(ratio(after.get("db_ms"), before.get("db_ms"))))
        rows.append(row)
    header = ["scenario", "queries", "data queries", "N+1", "p50", "p95", "db time"]
    return table(
        [*header, "p50 change", "db time change"],
        rows,
        empty=f"No scenario was measured under both {baseline} and {variant}.",
    )


def n_plus_one_frame(result: MeasureResult, variant: str = BASELINE) -> Table:
    """Every N+1 pattern a variant showed: how many queries, where from (the serializer
    field and view, for DRF), the fix, and where it goes (the view's get_queryset, or
    where the loop's queryset was evaluated)."""
    rows = [
        [
            name,
            formats.count(d["count"]),
            formats.ms(d.get("total_ms")),
            d.get("serializer_field") or formats.NOTHING,
            Code(d["call_site"]),
            d["relation"],
            Code(d["fix"]),
            Code(d.get("fix_in") or d.get("loop_site") or formats.NOTHING),
        ]
        for name, scenario in result.scenarios.items()
        for d in scenario["variants"].get(variant, {}).get("n_plus_one_details", [])
    ]
    measured = any(variant in s["variants"] for s in result.scenarios.values())
    empty = (
        f"No N+1 pattern under {variant}: every scenario reads its related rows in a fixed "
        "number of queries, whatever the page size."
        if measured
        else f"{variant} was not measured in this run."
    )
    header = ["scenario", "queries", "time", "serializer field", "call site", "relation", "fix"]
    return table([*header, "fix goes in"], rows, empty=empty)


def n_plus_one_totals(result: MeasureResult) -> dict[str, int]:
    """N+1 patterns over all scenarios, per variant."""
    return {
        variant: sum(
            s["variants"][variant]["n_plus_one"]
            for s in result.scenarios.values()
            if variant in s["variants"]
        )
        for variant in variants_of(result)
    }


def n_plus_one_line(result: MeasureResult) -> str:
    """``N+1 patterns over every scenario: baseline 16, eager 0``."""
    totals = n_plus_one_totals(result)
    if not totals:
        return "No scenario was measured: no N+1 patterns to count."
    shown = ", ".join(f"{variant} {formats.count(n)}" for variant, n in totals.items())
    return f"N+1 patterns over every scenario: {shown}"


def page_size_frame(counts: Sequence[Mapping[str, Any]]) -> Table:
    """Queries per scenario and variant at each page size, and whether the count grows."""
    sizes = sorted({c["page_size"] for c in counts})
    found: dict[tuple[str, str], dict[int, Any]] = {}
    for c in counts:
        found.setdefault((c["scenario"], c["variant"]), {})[c["page_size"]] = c["queries"]
    rows = []
    for (scenario, variant), by_size in found.items():
        first, last = by_size.get(sizes[0]), by_size.get(sizes[-1])
        grows = first is not None and last is not None and last > first
        rows.append([scenario, variant, *(formats.count(by_size.get(s)) for s in sizes), grows])
    return table(
        ["scenario", "variant", *(f"queries at page size {s}" for s in sizes)]
        + ["grows with the page"],
        rows,
        empty="No paginated scenario was measured at two page sizes in this run.",
        index=2,
    )

"""Scenario x variant tables of what was measured: queries, N+1 patterns, latency, database time;
and the page-size runs. The mixed workload's table is in ``verdicts``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from analysis.measure import MeasureResult
from workbench.report.run_folder import variants_of
from workbench.report.tables.frames import make_frame, ratio
from workbench.study.variants import BASELINE

if TYPE_CHECKING:
    import pandas as pd


FIGURE_COLUMNS = {
    "queries": "queries",
    "data_queries": "data queries",
    "count_queries": "count",
    "auth_queries": "auth",
    "n_plus_one": "N+1",
    "p50_ms": "p50 ms",
    "p95_ms": "p95 ms",
    "db_ms": "db ms",
    "db_cpu_ms": "db cpu ms",
}


def figures_frame(result: MeasureResult, variants: Sequence[str] | None = None) -> pd.DataFrame:
    """Scenario x variant: queries by kind, N+1 patterns, latency, database time and CPU.

    ``data queries`` leaves out the paginator's COUNT and the caller's lookup (``auth``),
    which is what "1 to 2 queries per endpoint" is about.
    """
    wanted = list(variants) if variants is not None else variants_of(result)
    rows = [
        {
            "scenario": name,
            "variant": variant,
            **{label: f.get(key) for key, label in FIGURE_COLUMNS.items()},
        }
        for name, scenario in result.scenarios.items()
        for variant in wanted
        if (f := scenario["variants"].get(variant)) is not None
    ]
    frame = make_frame(rows, ["scenario", "variant", *FIGURE_COLUMNS.values()])
    return frame.set_index(["scenario", "variant"])


def overview_frame(
    result: MeasureResult,
    metrics: Sequence[str] = ("queries", "n_plus_one", "p50_ms"),
    variants: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per scenario, a column per metric and variant: the whole run on one screen."""
    import pandas as pd

    wanted = list(variants) if variants is not None else variants_of(result)
    columns = pd.MultiIndex.from_product([[FIGURE_COLUMNS[m] for m in metrics], wanted])
    rows = {
        name: [scenario["variants"].get(v, {}).get(m) for m in metrics for v in wanted]
        for name, scenario in result.scenarios.items()
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns).rename_axis("scenario")


def comparison_frame(result: MeasureResult, variant: str, baseline: str = BASELINE):
    """Per scenario, the baseline next to ``variant`` ("before -> after") and the ratios."""
    rows = []
    for name, scenario in result.scenarios.items():
        before, after = scenario["variants"].get(baseline), scenario["variants"].get(variant)
        if before is None or after is None:
            continue
        row: dict[str, Any] = {"scenario": name}
        for key in ("queries", "data_queries", "n_plus_one"):
            row[FIGURE_COLUMNS[key]] = f"{before[key]} -> {after[key]}"
        for key in ("p50_ms", "p95_ms", "db_ms"):
            row[FIGURE_COLUMNS[key]] = f"{before[key]:.2f} -> {after[key]:.2f}"
        row["p50 ratio"] = ratio(after["p50_ms"], before["p50_ms"])
        row["db ratio"] = ratio(after["db_ms"], before["db_ms"])
        rows.append(row)
    columns = ["scenario", "queries", "data queries", "N+1", "p50 ms", "p95 ms", "db ms"]
    return make_frame(rows, [*columns, "p50 ratio", "db ratio"]).set_index("scenario")


def n_plus_one_frame(result: MeasureResult, variant: str = BASELINE) -> pd.DataFrame:
    """Every N+1 pattern a variant showed: how many queries, where from (the serializer
    field and view, for DRF), the fix, and where it goes (the view's get_queryset, or
    where the loop's queryset was evaluated)."""
    rows = [
        {
            "scenario": name,
            "queries": d["count"],
            "ms": d["total_ms"],
            "serializer field": d.get("serializer_field"),
            "call site": d["call_site"],
            "relation": d["relation"],
            "fix": d["fix"],
            "fix goes in": d.get("fix_in") or d.get("loop_site"),
        }
        for name, scenario in result.scenarios.items()
        for d in scenario["variants"].get(variant, {}).get("n_plus_one_details", [])
    ]
    return make_frame(
        rows,
        [
            "scenario",
            "queries",
            "ms",
            "serializer field",
            "call site",
            "relation",
            "fix",
            "fix goes in",
        ],
    ).set_index("scenario")


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


def page_size_frame(counts: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Queries per scenario and variant at each page size, and whether the count grows."""
    import pandas as pd

    frame = pd.DataFrame(list(counts), columns=["scenario", "variant", "page_size", "queries"])
    if frame.empty:
        return frame
    wide = frame.pivot_table(
        index=["scenario", "variant"], columns="page_size", values="queries", aggfunc="first"
    )
    sizes = list(wide.columns)
    wide.columns = [f"queries at page size {size}" for size in sizes]
    wide["grows with the page"] = wide.iloc[:, -1] > wide.iloc[:, 0]
    order = {name: i for i, name in enumerate(dict.fromkeys(frame["scenario"]))}
    wide = wide.reset_index()
    wide = wide.sort_values(
        ["scenario", "variant"], key=lambda col: col.map(order) if col.name == "scenario" else col
    )
    return wide.set_index(["scenario", "variant"])

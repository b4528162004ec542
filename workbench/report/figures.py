"""The report's plotly charts, built from measured results only.

Each function returns a ``plotly.graph_objects.Figure``; the notebooks call ``.show()``
after ``workbench.report.notebook.bootstrap()``, whose offline renderer embeds plotly.js once
per page, so the rendered HTML draws every chart with no network. Latencies span three
orders of magnitude between a baseline N+1 page and a cache hit, so time axes are
logarithmic; a zero (a cache hit's database time) has no place on a log axis, so it is
drawn as a short bar at a floor a decade below the smallest value, labelled ``0``
(:func:`log_floor`), instead of vanishing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis import charts
from analysis.measure import MeasureResult
from analysis.plans import Plan
from workbench.report import formats
from workbench.report.run_folder import variants_of
from workbench.report.tables import slowest_plans
from workbench.study import criteria
from workbench.study.variants import BASELINE, COLOURS

LABELS = {
    "queries": "queries per request",
    "p50_ms": "p50 (ms, log scale)",
    "p95_ms": "p95 (ms, log scale)",
    "db_ms": "db time (ms, log scale)",
    "db_cpu_ms": "db CPU (ms, log scale)",
}
LOG_METRICS = {"p50_ms", "p95_ms", "db_ms", "db_cpu_ms"}


def _color(variant: str) -> str:
    return COLOURS.get(variant, "#555555")


def log_floor(values: Sequence[Any]) -> float | None:
    """Where a zero is drawn on a log axis: a decade below the smallest positive value."""
    positive = [float(v) for v in values if v is not None and float(v) > 0]
    if not positive:
        return None
    return 10 ** (math.floor(math.log10(min(positive))) - 1)


def log_bar(name: str, x: Sequence[Any], y: Sequence[Any], floor: float | None, **kw) -> go.Bar:
    """A bar trace for a log axis: a zero drawn at ``floor`` and labelled ``0``."""
    shown = [None if v is None else (floor if (floor and float(v) <= 0) else v) for v in y]
    text = ["0" if v is not None and float(v) <= 0 else "" for v in y]
    return go.Bar(
        name=name,
        x=list(x),
        y=shown,
        text=text,
        textposition="outside",
        customdata=[formats.ms(v) for v in y],
        hovertemplate=f"%{{x}} {name}: %{{customdata}}<extra></extra>",
        **kw,
    )


def log_range(values: Sequence[Any], floor: float | None) -> list[float] | None:
    """A log axis range that shows the floor's bars (plotly's log ranges are in powers).

    None (plotly's own range) when no value is zero: there is no floor to show.
    """
    positive = [float(v) for v in values if v is not None and float(v) > 0]
    zeros = any(v is not None and float(v) <= 0 for v in values)
    if not positive or floor is None or not zeros:
        return None
    return [math.log10(floor) - 0.3, math.log10(max(positive)) + 0.3]


def before_after(
    result: MeasureResult,
    variants: Sequence[str] | None = None,
    metrics: Sequence[str] = ("queries", "p50_ms", "db_ms"),
    title: str | None = None,
) -> go.Figure:
    """One panel per metric, scenarios along x, a bar per variant (the baseline first)."""
    wanted = list(variants) if variants is not None else variants_of(result)
    names = list(result.scenarios)
    figure = make_subplots(
        rows=len(metrics),
        cols=1,
        subplot_titles=[LABELS.get(m, m) for m in metrics],
        vertical_spacing=0.3 / len(metrics),
    )
    for row, metric in enumerate(metrics, start=1):
        series = {
            v: [result.scenarios[n]["variants"].get(v, {}).get(metric) for n in names]
            for v in wanted
        }
        every = [x for values in series.values() for x in values]
        floor = log_floor(every) if metric in LOG_METRICS else None
        for variant, values in series.items():
            style = {"marker_color": _color(variant), "legendgroup": variant}
            if metric in LOG_METRICS:
                trace = log_bar(variant, names, values, floor, showlegend=row == 1, **style)
            else:
                trace = go.Bar(
                    name=variant,
                    x=names,
                    y=values,
                    showlegend=row == 1,
                    hovertemplate=f"%{{x}} {variant}: %{{y:,}}<extra></extra>",
                    **style,
                )
            figure.add_trace(trace, row=row, col=1)
        if metric in LOG_METRICS:  # a tick per power of ten, zeros drawn at the floor
            shown = log_range(every, floor)
            figure.update_yaxes(type="log", dtick=1, range=shown, row=row, col=1)
    figure.update_layout(
        title=title or f"{' vs '.join(wanted)} per scenario (a 0 is drawn at the axis floor)",
        barmode="group",
        height=260 * len(metrics) + 60,
        margin={"t": 80, "l": 10, "r": 10, "b": 10},
    )
    return figure


def latency_distribution(result: MeasureResult, variants: Sequence[str] | None = None):
    """Every timed call's wall time, per scenario and variant (log scale)."""
    wanted = list(variants) if variants is not None else variants_of(result)
    figure = go.Figure()
    for variant in wanted:
        rows = [r for r in result.rows if r["variant"] == variant]
        if not rows:
            continue
        figure.add_trace(
            go.Box(
                name=variant,
                x=[r["scenario"] for r in rows],
                y=[r["wall_ms"] for r in rows],
                marker_color=_color(variant),
                boxpoints="all",
                jitter=0.3,
                pointpos=0,
            )
        )
    figure.update_layout(
        title="Latency of every timed call (ms, log scale)",
        boxmode="group",
        yaxis={"type": "log", "dtick": 1, "title": "wall time (ms)"},
        margin={"t": 60, "l": 10, "r": 10, "b": 10},
    )
    return figure


def slowest_plan(result: MeasureResult, variant: str = BASELINE) -> go.Figure | None:
    """The slowest statement a variant ran, as an icicle coloured by each node's own time."""
    found = slowest_plans(result, variant, top=1)
    if not found:
        return None
    scenario, entry, plan = found[0]
    title = (
        f"Slowest {variant} statement ({scenario}, {formats.ms(entry['execution_ms'])}, "
        f"{entry['call_site']}): {plan.summary()}"
    )
    return plan_chart(plan, title=_wrap(title))


def plan_chart(plan: Plan | Any, title: str | None = None) -> go.Figure:
    """A plan as an icicle (``analysis.charts.plan_icicle``), its colour bar in units.

    Width is each node's time with its children, colour its own (exclusive) time; the
    colour bar says so, in ms (or in the planner's cost units for a plan without ANALYZE).
    """
    plan = getattr(plan, "plan", plan)  # an ExplainResult
    plan = plan if isinstance(plan, Plan) else Plan.from_json(plan)
    figure = charts.plan_icicle(plan, title=title)
    unit = "ms" if plan.analyzed else "cost"
    figure.update_traces(
        marker_colorbar={"title": {"text": f"own time ({unit})" if unit == "ms" else "own cost"}},
        marker_colorbar_ticksuffix=f" {unit}",
    )
    return figure


def _wrap(text: str, width: int = 110) -> str:
    """Plotly titles do not wrap by themselves."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(lines)


def page_size_bars(counts: Sequence[Mapping[str, Any]]) -> go.Figure:
    """Queries per scenario at each page size, baseline next to eager."""
    figure = go.Figure()
    pairs = sorted({(c["variant"], c["page_size"]) for c in counts}, key=lambda p: (p[1], p[0]))
    for variant, size in pairs:
        rows = [c for c in counts if c["variant"] == variant and c["page_size"] == size]
        figure.add_trace(
            go.Bar(
                name=f"{variant}, page size {size}",
                x=[r["scenario"] for r in rows],
                y=[r["queries"] for r in rows],
                marker_color=_color(variant),
                marker_pattern_shape="" if size == pairs[0][1] else "/",
            )
        )
    figure.update_layout(
        title="Queries per request at two page sizes (baseline grows, eager stays)",
        barmode="group",
        yaxis={"title": "queries"},
        margin={"t": 60, "l": 10, "r": 10, "b": 10},
    )
    return figure


def hit_rates(result: MeasureResult) -> go.Figure:
    """The mixed workload's hit rate per variant: our entry lookups and Redis's key reads."""
    variants = [v for v, m in result.mixed.items() if m.get("hit_rate") is not None]
    figure = go.Figure()
    for label, key, color in (
        ("ours (entries)", "hit_rate", charts.AFTER_COLOR),
        ("Redis INFO (every key)", "redis_hit_rate", charts.BEFORE_COLOR),
    ):
        figure.add_trace(
            go.Bar(
                name=label,
                x=variants,
                y=[result.mixed[v].get(key) for v in variants],
                marker_color=color,
                texttemplate="%{y:.1%}",
            )
        )
    target = criteria.MIN_CACHE_HIT_RATE_PCT
    figure.add_hline(y=target / 100, line_dash="dash", annotation_text=f"target {target:g}%")
    figure.update_layout(
        title="Cache hit rate under the mixed workload",
        barmode="group",
        yaxis={"range": [0, 1], "tickformat": ".0%"},
        margin={"t": 60, "l": 10, "r": 10, "b": 10},
    )
    return figure

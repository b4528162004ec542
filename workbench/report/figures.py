"""The report's plotly charts, built from measured results only.

Each function returns a ``plotly.graph_objects.Figure``; the notebooks call ``.show()``
after ``workbench.report.notebook.bootstrap()``, whose offline renderer embeds plotly.js once
per page, so the rendered HTML draws every chart with no network. Latencies span three
orders of magnitude between a baseline N+1 page and a cache hit, so time axes are
logarithmic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from analysis import charts
from analysis.measure import MeasureResult
from workbench.report.run_folder import variants_of
from workbench.report.tables import slowest_plans
from workbench.study import criteria
from workbench.study.variants import BASELINE, COLOURS

LABELS = {"queries": "queries", "p50_ms": "p50 (ms)", "p95_ms": "p95 (ms)", "db_ms": "db time (ms)"}
LOG_METRICS = {"p50_ms", "p95_ms", "db_ms", "db_cpu_ms"}


def _color(variant: str) -> str:
    return COLOURS.get(variant, "#555555")


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
        for variant in wanted:
            values = [result.scenarios[n]["variants"].get(variant, {}).get(metric) for n in names]
            figure.add_trace(
                go.Bar(
                    name=variant,
                    x=names,
                    y=values,
                    marker_color=_color(variant),
                    legendgroup=variant,
                    showlegend=row == 1,
                    hovertemplate=f"%{{x}} {variant}: %{{y:,.2f}}<extra></extra>",
                ),
                row=row,
                col=1,
            )
        if metric in LOG_METRICS:
            figure.update_yaxes(type="log", dtick=1, row=row, col=1)  # a tick per power of ten
    figure.update_layout(
        title=title or f"{' vs '.join(wanted)} per scenario",
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
        f"Slowest {variant} statement ({scenario}, {entry['execution_ms']:,.2f} ms, "
        f"{entry['call_site']}): {plan.summary()}"
    )
    return charts.plan_icicle(plan, title=_wrap(title))


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

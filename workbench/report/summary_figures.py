"""The charts of the index pages, drawn from ``summary.json`` alone.

A run's front page (``workbench.report.front``) shows three: queries per request and p50
by variant for every scenario, and the mixed workload's hit rate per variant; the index
across runs (``workbench.report.runs``) one trend chart per scenario, p50 and queries of
each variant run after run. Like the notebooks' charts they are plotly figures; the
pages reference the run folder's one copy of plotly.js.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from workbench.report import formats
from workbench.report.figures import log_bar, log_floor, log_range
from workbench.study import criteria
from workbench.study.variants import COLOURS, NAMES

MARGIN = {"t": 60, "l": 10, "r": 10, "b": 10}


def _variants(summary: Mapping[str, Any]) -> list[str]:
    seen: list[str] = []
    for scenario in summary.get("scenarios", []):
        seen.extend(v for v in scenario["variants"] if v not in seen)
    return [v for v in NAMES if v in seen] + [v for v in seen if v not in NAMES]


def _series(summary: Mapping[str, Any], key: str) -> tuple[list[str], dict[str, list[Any]]]:
    names = [s["name"] for s in summary.get("scenarios", [])]
    series = {
        v: [s["variants"].get(v, {}).get(key) for s in summary.get("scenarios", [])]
        for v in _variants(summary)
    }
    return names, series


def queries_by_variant(summary: Mapping[str, Any]) -> go.Figure | None:
    """Queries per request of each scenario, a bar per variant (a cached variant: its median call)."""
    names, series = _series(summary, "queries")
    if not names:
        return None
    figure = go.Figure(
        [
            go.Bar(
                name=v,
                x=names,
                y=values,
                marker_color=COLOURS.get(v, "#555555"),
                text=["0" if x == 0 else "" for x in values],  # a zero still shows
                textposition="outside",
                hovertemplate=f"%{{x}} {v}: %{{y:,}} queries<extra></extra>",
            )
            for v, values in series.items()
        ]
    )
    figure.update_layout(
        title="Queries per request, by variant",
        barmode="group",
        yaxis={"title": "queries per request"},
        margin=MARGIN,
        height=380,
    )
    return figure


def p50_by_variant(summary: Mapping[str, Any]) -> go.Figure | None:
    """Median latency of each scenario, a bar per variant, on a log axis that shows zeros."""
    names, series = _series(summary, "p50_ms")
    if not names:
        return None
    every = [x for values in series.values() for x in values]
    floor = log_floor(every)
    figure = go.Figure(
        [
            log_bar(v, names, values, floor, marker_color=COLOURS.get(v, "#555555"))
            for v, values in series.items()
        ]
    )
    figure.update_layout(
        title="Median response time (p50), by variant",
        barmode="group",
        yaxis={
            "type": "log",
            "dtick": 1,
            "range": log_range(every, floor),
            "title": "p50 (ms, log scale)",
        },
        margin=MARGIN,
        height=380,
    )
    return figure


def hit_rate_by_variant(summary: Mapping[str, Any]) -> go.Figure | None:
    """The mixed workload's share of read requests served from the cache, per variant."""
    mixed = summary.get("mixed") or {}
    variants = [v for v in _variants(summary) or list(mixed) if v in mixed] or list(mixed)
    if not variants:
        return None
    rates = [(mixed[v] or {}).get("hit_rate_per_request") for v in variants]
    rates = [
        r if r is not None else (mixed[v] or {}).get("hit_rate")
        for r, v in zip(rates, variants, strict=True)
    ]
    figure = go.Figure(
        go.Bar(
            x=variants,
            y=[r or 0 for r in rates],
            marker_color=[COLOURS.get(v, "#555555") for v in variants],
            text=[
                formats.percent(r, fraction=True) if r is not None else "no cache" for r in rates
            ],
            textposition="outside",
            hovertemplate="%{x}: %{text} of read requests served from the cache<extra></extra>",
            showlegend=False,
        )
    )
    target = criteria.MIN_CACHE_HIT_RATE_PCT
    figure.add_hline(y=target / 100, line_dash="dash", annotation_text=f"target {target:g}%")
    figure.update_layout(
        title="Cache hit rate under the mixed workload (read requests served from the cache)",
        yaxis={"range": [0, 1.1], "tickformat": ".0%", "title": "hit rate"},
        margin=MARGIN,
        height=380,
    )
    return figure


def front_figures(summary: Mapping[str, Any]) -> list[go.Figure]:
    found = (queries_by_variant(summary), p50_by_variant(summary), hit_rate_by_variant(summary))
    return [f for f in found if f is not None]


def trend(scenario: str, runs: Sequence[tuple[str, Mapping[str, Any]]]) -> go.Figure:
    """p50 (log) and queries of one scenario, run after run, a line per variant.

    ``runs``: ``(label, summary)`` oldest first; a run that did not measure the scenario
    leaves a gap.
    """
    labels = [label for label, _ in runs]
    variants: list[str] = []
    for _, summary in runs:
        variants.extend(v for v in _variants(summary) if v not in variants)
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        subplot_titles=["p50 (ms, log scale)", "queries per request"],
        vertical_spacing=0.12,
    )
    for v in variants:
        values = {key: [] for key in ("p50_ms", "queries")}
        for _, summary in runs:
            found = next((s for s in summary.get("scenarios", []) if s["name"] == scenario), None)
            figures = (found or {}).get("variants", {}).get(v, {})
            for key in values:
                values[key].append(figures.get(key))
        style = {"line": {"color": COLOURS.get(v, "#555555")}, "legendgroup": v, "name": v}
        figure.add_trace(
            go.Scatter(
                x=labels,
                y=[x if x else None for x in values["p50_ms"]],
                mode="lines+markers",
                customdata=[formats.ms(x) for x in values["p50_ms"]],
                hovertemplate=f"%{{x}} {v}: %{{customdata}}<extra></extra>",
                **style,
            ),
            row=1,
            col=1,
        )
        figure.add_trace(
            go.Scatter(
                x=labels,
                y=values["queries"],
                mode="lines+markers",
                showlegend=False,
                hovertemplate=f"%{{x}} {v}: %{{y:,}} queries<extra></extra>",
                **style,
            ),
            row=2,
            col=1,
        )
    figure.update_yaxes(type="log", dtick=1, row=1, col=1)
    figure.update_xaxes(type="category")
    figure.update_layout(title=scenario, height=420, margin=MARGIN)
    return figure


def to_div(figure: go.Figure) -> str:
    """The figure as a ``<div>`` drawing with the page's plotly.js (never embedded)."""
    return figure.to_html(
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        config={"displaylogo": False, "responsive": True},
        default_width="100%",
    )

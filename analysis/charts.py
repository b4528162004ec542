"""Plotly charts of plans and before/after measurements that also render offline.

Plotly's default renderer in a headless run emits only its JSON mimetype, which
nbconvert drops ("not able to be represented"): the HTML report shows empty boxes
(plotly/plotly.py#5365). The ``notebook`` renderer instead writes ``text/html`` and
inlines plotly.js once per notebook, so papermill output and nbconvert HTML carry
everything they need and open without a network. Call
:func:`use_offline_notebook_renderer` in a notebook's first cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from analysis.plans import Plan
from analysis.plotly_offline import use_offline_plotly

BEFORE_COLOR = "#9aa5b1"
AFTER_COLOR = "#2f80ed"


def use_offline_notebook_renderer(keep_mimetype: bool = False) -> str:
    """Render figures as HTML with plotly.js embedded, fetching nothing from a CDN.

    Uses :func:`analysis.plotly_offline.use_offline_plotly`, whose ``notebook`` renderer
    also drops the MathJax ``<script src>`` plotly adds before every chart.
    ``keep_mimetype`` adds the JSON mimetype too, for JupyterLab's own renderer.
    """
    use_offline_plotly()
    if keep_mimetype:
        pio.renderers.default = "plotly_mimetype+notebook"
    return pio.renderers.default


def html_config() -> dict[str, Any]:
    """Figure config for reports: no plotly logo, resize with the page."""
    return {"displaylogo": False, "responsive": True}


def to_standalone_html(figure: go.Figure) -> str:
    """A full HTML page for one figure with plotly.js inlined (works offline)."""
    return figure.to_html(include_plotlyjs=True, full_html=True, config=html_config())


def plan_icicle(plan: Plan | Any, title: str | None = None) -> go.Figure:
    """The plan as an icicle: each box is a node, its width its time, colour its own time.

    Widths are inclusive time (exclusive plus children, ``branchvalues="remainder"``);
    colour is exclusive time, so the node that really costs stands out. Without
    ANALYZE the planner's exclusive cost is used instead of time.
    """
    plan = getattr(plan, "plan", plan)  # an ExplainResult
    plan = plan if isinstance(plan, Plan) else Plan.from_json(plan)
    timed = plan.analyzed
    values = [(n.exclusive_ms or 0.0) if timed else n.exclusive_cost for n in plan.nodes]
    unit = "ms" if timed else "cost"
    hover = [
        f"{n.label}<br>exclusive {v:,.3f} {unit}"
        + (
            f"<br>inclusive {n.inclusive_ms:,.3f} ms"
            if timed and n.inclusive_ms is not None
            else ""
        )
        + f"<br>rows est {n.plan_rows:,.0f}"
        + (f" / actual {n.actual_rows:,.0f} x {n.loops:,} loops" if n.executed else "")
        for n, v in zip(plan.nodes, values, strict=True)
    ]
    figure = go.Figure(
        go.Icicle(
            ids=[str(n.id) for n in plan.nodes],
            labels=[n.label for n in plan.nodes],
            parents=["" if n.parent_id is None else str(n.parent_id) for n in plan.nodes],
            values=values,
            branchvalues="remainder",
            marker={"colors": values, "colorscale": "Reds", "showscale": True},
            hovertext=hover,
            hoverinfo="text",
            tiling={"orientation": "v"},
        )
    )
    figure.update_layout(title=title or plan.summary(), margin={"t": 50, "l": 10, "r": 10, "b": 10})
    return figure


def before_after_bars(
    metrics: Mapping[str, tuple[float | None, float | None]],
    title: str = "Before and after",
    labels: Sequence[str] = ("before", "after"),
) -> go.Figure:
    """One small bar chart per metric (each on its own scale), before next to after."""
    names = [m for m, pair in metrics.items() if None not in pair]
    figure = make_subplots(rows=1, cols=max(len(names), 1), subplot_titles=names)
    for col, name in enumerate(names, start=1):
        before, after = metrics[name]
        figure.add_trace(
            go.Bar(
                x=list(labels),
                y=[before, after],
                marker_color=[BEFORE_COLOR, AFTER_COLOR],
                text=[f"{before:,.2f}", f"{after:,.2f}"],
                textposition="auto",
                showlegend=False,
                name=name,
            ),
            row=1,
            col=col,
        )
    figure.update_layout(title=title, margin={"t": 70, "l": 10, "r": 10, "b": 10})
    return figure


def plan_diff_bars(diff: Any, title: str | None = None) -> go.Figure:
    """Execution time, planning time and buffers of a :class:`~analysis.plandiff.PlanDiff`."""
    keys = ("execution_ms", "planning_ms", "shared_hit", "shared_read", "total_cost")
    metrics = {k: diff.metrics[k] for k in keys if k in diff.metrics}
    headline = diff.changes[0] if diff.changes else "same plan shape"
    return before_after_bars(metrics, title=title or f"{diff.verdict}: {headline}")

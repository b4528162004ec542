"""The scale page (08_scale): scale curves into the run folder, then their chart and table.

:func:`run` checks the page's parameters and calls
:func:`workbench.study.scale.scale_curves` (what ``workbench scale`` runs): each scale is
seeded into a database of its own beside the workbench's, ``<database>_scale_<name>``,
reused when it already holds that scale and seed; every scenario is measured there
under the variants, and each scenario and variant's points ``(rows, p50_ms, queries)``
are fitted as flat, log, linear or superlinear (``analysis.growth``). The seeded
database and its index state are never touched. The result goes to ``scale.json``.

Shown from that file: :func:`curves_figure` (rows against p50 on log-log axes, one
panel per scenario, one line per variant) and :func:`growth_frame` (the fitted growth
of p50 and of the query count, and the plan node whose time grew most).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError
from workbench.report import formats
from workbench.report.tables.table import Code, Table, table

SCALE_FILE = "scale.json"
PANELS_PER_ROW = 4


def check(scales: Sequence[str], variants: Sequence[str]) -> list[str]:
    """The scales to run, distinct and in order; one-line refusal of anything else."""
    import fixtures
    from workbench.study.variants import NAMES

    wanted = list(dict.fromkeys(str(s) for s in scales))
    if len(wanted) < 2:
        raise WorkbenchError(f"-p scales: name at least two scales (got {wanted})")
    for scale in wanted:
        try:
            fixtures.parse_scale(scale)
        except fixtures.FixtureError as exc:
            raise WorkbenchError(f"-p scales: {exc}") from None
    unknown = [v for v in variants if v not in NAMES]
    if not variants or unknown:
        shown = repr(unknown[0]) if unknown else "none"
        raise WorkbenchError(f"-p variants: unknown variant {shown} (known: {', '.join(NAMES)})")
    return wanted


def run(
    results_dir: str | os.PathLike,
    scales: Sequence[str],
    variants: Sequence[str],
    *,
    scenarios: Sequence[str],
    seed: int,
    repeat: int,
    time_box: float | None,
    allow_external: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Seed (or reuse), measure and fit every scale; written to ``results_dir/scale.json``."""
    from marketplace import dsn
    from workbench.env import ownership, services
    from workbench.report import run_folder
    from workbench.study import steps
    from workbench.study.scale import database_name, scale_curves

    wanted = check(scales, variants)
    names = steps.scenario_names(scenarios)
    # The scale databases are created on the same server: only beside a database of ours.
    ownership.ensure_owned("create the scale databases beside", allow_external)
    lines = scale_curves(
        wanted,
        variants,
        scenarios=names,
        seed=seed,
        repeat=repeat,
        time_box=time_box,
        progress=progress,
    )
    base = dsn.database_settings(services.database_url())["NAME"]
    data = {
        "parameters": {
            "scales": wanted,
            "variants": list(variants),
            "scenarios": names,
            "seed": seed,
            "repeat": repeat,
            "time_box": time_box,
        },
        "databases": [database_name(base, _seeded_name(s)) for s in wanted],
        "lines": lines,
    }
    run_folder.write_json(results_dir, SCALE_FILE, data)
    return data


def _seeded_name(scale: str) -> str:
    """The name a scale is seeded under (``tiny``, or ``500`` for 500 users)."""
    import fixtures

    return fixtures.parse_scale(scale).name


def read(results_dir: str | os.PathLike) -> dict[str, Any] | None:
    """The run folder's ``scale.json``, or None when the scale page did not run."""
    path = Path(results_dir) / SCALE_FILE
    return json.loads(path.read_text()) if path.exists() else None


def describe(data: Mapping[str, Any]) -> str:
    """One sentence: the scales with their rows, and where they were seeded."""
    scales: dict[str, int] = {}
    for line in data.get("lines", []):
        for point in line["points"]:
            scales.setdefault(point["scale"], point["rows"])
    shown = ", ".join(f"{name} ({formats.count(rows)} rows)" for name, rows in scales.items())
    p = data.get("parameters", {})
    return (
        f"{len(scales)} scales: {shown}; {len(p.get('scenarios', []))} scenarios under "
        f"{', '.join(p.get('variants', []))}, {p.get('repeat')} timed calls each "
        f"(at most {formats.seconds(p.get('time_box'))}); seeded into "
        f"{', '.join(data.get('databases', []))} (kept, and reused by the next run)."
    )


def _points(line: Mapping[str, Any], key: str, show: Callable[[Any], str]) -> str:
    return " → ".join(show(p.get(key)) for p in line["points"]) or formats.NOTHING


def _node(node: Mapping[str, Any] | None) -> str:
    if not node:
        return formats.NOTHING
    grew = f"{formats.ms(node.get('small_ms'))} → {formats.ms(node.get('large_ms'))}"
    kind = f", {node['growth']}" if node.get("growth") else ""
    return f"{node['node']}: {grew}{kind}"


def growth_frame(lines: Sequence[Mapping[str, Any]]) -> Table:
    """Per scenario and variant: the points, the fitted growth, the plan node that grew."""
    rows = [
        [
            line["scenario"],
            line["variant"],
            line["points"][0]["on"] if line["points"] else formats.NOTHING,
            _points(line, "rows", formats.count),
            _points(line, "p50_ms", formats.ms),
            line.get("growth") or formats.NOTHING,
            _points(line, "queries", formats.count),
            line.get("queries_growth") or formats.NOTHING,
            Code(_node(line.get("growing_node"))),
        ]
        for line in lines
    ]
    header = ["scenario", "variant", "calls", "rows", "p50", "growth", "queries"]
    return table(
        [*header, "queries growth", "plan node that grew most (smallest → largest scale)"],
        rows,
        empty="The scale page did not run.",
        index=2,
    )


def curves_figure(lines: Sequence[Mapping[str, Any]]):
    """Rows against p50, log-log: one panel per scenario, one line per variant."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from workbench.study.variants import COLOURS

    scenarios = list(dict.fromkeys(line["scenario"] for line in lines))
    cols = min(PANELS_PER_ROW, max(len(scenarios), 1))
    rows = max(math.ceil(len(scenarios) / cols), 1)
    figure = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=scenarios,
        horizontal_spacing=0.06,
        vertical_spacing=0.3 / rows,
    )
    seen: set[str] = set()
    for line in lines:
        at = scenarios.index(line["scenario"])
        variant = line["variant"]
        points = [p for p in line["points"] if (p.get("p50_ms") or 0) > 0]
        figure.add_trace(
            go.Scatter(
                x=[p["rows"] for p in points],
                y=[p["p50_ms"] for p in points],
                name=variant,
                mode="lines+markers",
                legendgroup=variant,
                showlegend=variant not in seen,
                line={"color": COLOURS.get(variant, "#555555")},
                customdata=[[p["scale"], p.get("queries")] for p in points],
                hovertemplate=(
                    f"{line['scenario']}, {variant} ({line.get('growth') or '-'}): "
                    "%{customdata[0]}, %{x:,} rows, p50 %{y:,.2f} ms, "
                    "%{customdata[1]} queries<extra></extra>"
                ),
            ),
            row=at // cols + 1,
            col=at % cols + 1,
        )
        seen.add(variant)
    figure.update_xaxes(type="log")
    figure.update_yaxes(type="log")
    figure.update_layout(
        title="p50 against rows, log-log: one panel per scenario, one line per variant",
        height=230 * rows + 90,
        margin={"t": 90, "b": 10},
    )
    return figure

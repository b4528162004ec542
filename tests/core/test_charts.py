"""Charts: figure shapes, and plotly.js embedded in papermill output and nbconvert HTML."""

from __future__ import annotations

import re

import nbformat
import papermill
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from nbconvert import HTMLExporter

from analysis import charts
from analysis.explain import explain
from analysis.plandiff import diff_plans
from analysis.plotly_offline import use_offline_plotly
from tests.core.conftest import run_sql


def test_plan_icicle_has_one_box_per_node_coloured_by_exclusive_time(items):
    result = explain(
        "SELECT count(*) FROM core_items i JOIN core_groups g ON g.id = i.a",
        set_local={"max_parallel_workers_per_gather": "0"},
    )
    plan = result.plan
    figure = charts.plan_icicle(result)
    [trace] = figure.data
    assert trace.type == "icicle"
    assert len(trace.ids) == len(plan.nodes)
    assert list(trace.labels) == [n.label for n in plan.nodes]
    assert trace.parents[0] == ""
    assert all(p in trace.ids for p in trace.parents[1:])
    assert list(trace.values) == pytest.approx([n.exclusive_ms for n in plan.nodes])
    assert list(trace.marker.colors) == list(trace.values)
    assert trace.branchvalues == "remainder"

    unanalyzed = explain("SELECT * FROM core_items ORDER BY c", analyze=False).plan
    costs = charts.plan_icicle(unanalyzed).data[0]
    assert list(costs.values) == [n.exclusive_cost for n in unanalyzed.nodes]
    assert all(v > 0 for v in costs.values)  # planner cost when there is no timing


def test_before_after_bars_one_panel_per_metric(items):
    before = explain("SELECT * FROM core_items WHERE d = 5")
    run_sql("CREATE INDEX core_items_d_idx ON core_items (d)")
    after = explain("SELECT * FROM core_items WHERE d = 5")
    figure = charts.plan_diff_bars(diff_plans(before, after))
    names = [trace.name for trace in figure.data]
    assert names == ["execution_ms", "planning_ms", "shared_hit", "shared_read", "total_cost"]
    for trace in figure.data:
        assert list(trace.x) == ["before", "after"] and len(trace.y) == 2
    assert figure.layout.title.text.startswith("improved: Seq Scan on core_items")
    plain = charts.before_after_bars({"queries": (41, 2), "missing": (None, 3)})
    assert [t.name for t in plain.data] == ["queries"]


def test_renderer_setting_and_standalone_html():
    previous = pio.renderers.default
    try:
        assert charts.use_offline_notebook_renderer() == "notebook"
        assert charts.use_offline_notebook_renderer(keep_mimetype=True) == (
            "plotly_mimetype+notebook"
        )
    finally:
        pio.renderers.default = previous
    html = charts.to_standalone_html(charts.before_after_bars({"ms": (2.0, 1.0)}))
    assert not SCRIPT_FROM_NETWORK.search(html)
    assert len(html) > 3_000_000  # plotly.js inlined


def test_offline_charts_embed_nothing_from_a_cdn():
    previous = pio.renderers.default
    try:
        use_offline_plotly()
        use_offline_plotly()  # idempotent
        assert pio.renderers.default == "notebook"
        bundle = pio.renderers["notebook"].to_mimebundle(go.Figure(go.Bar(y=[1, 2])).to_dict())
    finally:
        pio.renderers.default = previous
    page = bundle["text/html"]
    assert "plotly-graph-div" in page
    assert not re.search(r"<script[^>]+src=\"https?://", page)


SCRIPT_FROM_NETWORK = re.compile(r"<script[^>]+src=[\"']https?://", re.IGNORECASE)

NOTEBOOK_CELLS = [
    "from analysis import charts\ncharts.use_offline_notebook_renderer()",
    "charts.before_after_bars({'execution_ms': (41.2, 0.6)}).show()",
]


@pytest.mark.slow
def test_nbconvert_html_of_a_papermill_run_embeds_plotly_js(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(src) for src in NOTEBOOK_CELLS]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    source, output = tmp_path / "in.ipynb", tmp_path / "out.ipynb"
    nbformat.write(notebook, source)
    papermill.execute_notebook(str(source), str(output), kernel_name="python3", progress_bar=False)
    executed = nbformat.read(output, as_version=4)
    outputs = [o.get("data", {}) for c in executed.cells for o in c.get("outputs", [])]
    charts_html = [o["text/html"] for o in outputs if "Plotly.newPlot" in o.get("text/html", "")]
    assert charts_html, "the chart has no text/html output"
    for html in charts_html:
        assert not SCRIPT_FROM_NETWORK.search(html)  # no MathJax or plotly.js from a CDN
    html, _ = HTMLExporter().from_notebook_node(executed)
    assert "Plotly.newPlot" in html
    assert "define('plotly'" in html or "window.Plotly" in html  # the bundle itself, inline
    assert len(html) > 3_000_000
    assert not re.search(r"<script[^>]+src=[\"']https?://cdn\.plot\.ly", html)
    assert "cdn.plot.ly/plotly" not in html  # no plotly-x.y.z.min.js from the CDN

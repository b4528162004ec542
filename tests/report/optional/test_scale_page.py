"""08_scale's chart and table, from recorded scale lines (no seeding, no measuring)."""

from __future__ import annotations

import pytest

from tests.report.optional import cases
from workbench.errors import WorkbenchError
from workbench.report import run_folder
from workbench.report.tables import scale as scale_page


def test_the_growth_table_has_a_row_per_scenario_and_variant():
    table = scale_page.growth_frame(cases.scale_lines())
    rows = {(r[0], r[1]): dict(zip(table.header, r, strict=True)) for r in table.rows}
    assert list(rows) == [
        ("job_list", "baseline"),
        ("job_list", "all"),
        ("applications", "baseline"),
        ("applications", "all"),
    ]
    slow = rows["applications", "all"]
    assert slow["calls"] == "miss" and slow["rows"] == "7,603 → 79,746"
    assert slow["p50"] == "10.11 ms → 16.89 ms" and slow["growth"] == "log"
    assert slow["queries"] == "3 → 3" and slow["queries growth"] == "flat"
    node = table.header[-1]
    assert slow[node] == "Seq Scan on jobs_job: 0.25 ms → 4.64 ms, linear"
    assert rows["applications", "baseline"][node] == "-"  # no node grew
    assert rows["job_list", "baseline"]["calls"] == "every call"


def test_the_curves_are_log_log_one_panel_per_scenario_one_line_per_variant():
    figure = scale_page.curves_figure(cases.scale_lines())
    assert [a.text for a in figure.layout.annotations] == ["job_list", "applications"]
    assert [(t.name, t.xaxis) for t in figure.data] == [
        ("baseline", "x"),
        ("all", "x"),
        ("baseline", "x2"),
        ("all", "x2"),
    ]
    assert [t.showlegend for t in figure.data] == [True, True, False, False]
    assert list(figure.data[3].x) == [7603, 79746] and list(figure.data[3].y) == [10.11, 16.89]
    for axis in ("xaxis", "yaxis", "xaxis2", "yaxis2"):
        assert figure.layout[axis].type == "log"


def test_a_zero_p50_has_no_place_on_a_log_axis():
    lines = cases.scale_lines()
    lines[0]["points"][0]["p50_ms"] = 0.0
    figure = scale_page.curves_figure(lines)
    assert list(figure.data[0].x) == [79746]


def test_many_scenarios_wrap_into_rows_of_panels():
    lines = []
    for n in range(10):
        line = cases.scale_lines()[0]
        line["scenario"] = f"s{n}"
        lines.append(line)
    figure = scale_page.curves_figure(lines)
    assert len(figure.layout.annotations) == 10
    assert figure.data[-1].xaxis == "x10"
    assert figure.layout.height == 230 * 3 + 90


def test_scale_json_is_read_back_and_described(tmp_path):
    assert scale_page.read(tmp_path) is None
    data = {
        "parameters": {"scenarios": ["job_list", "applications"], "variants": ["baseline", "all"],
                       "repeat": 5, "time_box": 0.2},
        "databases": ["wb_scale_tiny", "wb_scale_small"],
        "lines": cases.scale_lines(),
    }  # fmt: skip
    run_folder.write_json(tmp_path, scale_page.SCALE_FILE, data)
    assert scale_page.read(tmp_path) == data
    text = scale_page.describe(data)
    assert text.startswith("2 scales: tiny (7,603 rows), small (79,746 rows); 2 scenarios")
    assert "wb_scale_tiny, wb_scale_small" in text


@pytest.mark.parametrize(
    ("scales", "variants", "message"),
    [
        (["tiny"], ["all"], "-p scales: name at least two scales"),
        (["tiny", "tiny"], ["all"], "-p scales: name at least two scales"),
        (["tiny", "huge"], ["all"], "-p scales: unknown scale 'huge'"),
        (["5", "tiny"], ["all"], "-p scales: scale must be at least 10 users"),
        (["tiny", "small"], ["fast"], "-p variants: unknown variant 'fast'"),
        (["tiny", "small"], [], "-p variants: unknown variant none"),
    ],
)
def test_bad_parameters_are_refused_before_anything_runs(scales, variants, message):
    with pytest.raises(WorkbenchError, match="^" + message):
        scale_page.check(scales, variants)


def test_a_number_of_users_is_a_scale_too():
    assert scale_page.check(["50", "tiny", "50"], ["baseline"]) == ["50", "tiny"]

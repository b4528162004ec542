"""Readable tables: fixed formats with units, ratios above 1 with a direction, long cells
folded, no empty tables, no Python reprs, and never scientific notation in a cell."""

from __future__ import annotations

import re

import pytest

from analysis.measure import MeasureResult
from workbench.report import formats
from workbench.report import tables as report_tables
from workbench.report.tables.table import Code, Table

SCIENTIFIC = re.compile(r"\d[eE][+-]\d")


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (26.4, "26.40 ms"),
        (-0.062, "-0.062 ms"),
        (0.0041, "0.0041 ms"),
        (1234.567, "1,234.57 ms"),
        (0, "0 ms"),
        (None, "-"),
        (float("nan"), "-"),
    ],
)
def test_milliseconds_have_two_decimals_or_two_significant_digits(value, shown):
    assert formats.ms(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"), [(236.4, "236x"), (12.34, "12.3x"), (1.544, "1.54x"), (0.0172, "0.017x")]
)
def test_ratios_have_three_significant_digits(value, shown):
    assert formats.ratio(value) == shown


def test_changes_are_ratios_above_one_with_a_direction():
    assert formats.change(1 / 236) == "236x faster"  # not "0.00x"
    assert formats.change(1.14) == "1.14x slower"
    assert formats.change(0) == "down to 0"
    judged = {"speedup": 58.02, "ci": [53.8, 97.3], "verdict": "faster"}
    assert formats.speedup(judged) == "58.0x faster [53.8x, 97.3x]"
    slower = {"speedup": 0.5, "ci": [0.4, 0.8], "verdict": "slower"}
    assert formats.speedup(slower) == "2.00x slower [1.25x, 2.50x]"
    same = {"speedup": 0.95, "ci": [0.8, 1.2], "verdict": "no change"}
    assert formats.speedup(same).startswith("no change (1.05x slower")


def test_percentages_and_cells_are_never_python_reprs():
    assert formats.percent(0.6632, fraction=True) == "66.3%"
    assert formats.cell({"baseline": 16, "eager": 0}) == "baseline: 16, eager: 0"
    assert formats.cell(["job_list", "wallet"]) == "job_list, wallet"
    assert formats.cell(True) == "yes" and formats.cell(None) == "-"


@pytest.mark.parametrize("exponent", range(-9, 10))
def test_no_magnitude_is_written_in_scientific_notation(exponent):
    for value in (3.7 * 10**exponent, -3.7 * 10**exponent):
        for shown in (formats.ms(value), formats.ratio(value), formats.cell(value)):
            assert not SCIENTIFIC.search(shown), shown


def audit_records() -> list[dict]:
    """Gains of three orders of magnitude in one column: pandas wrote them as 2.64e+01."""
    base = {"table": "jobs_job", "columns": ["status"], "duplicates": None, "used_by": []}
    return [
        {**base, "index": "a_idx", "verdict": "useful", "gain_ms": 26.4, "write_cost_ratio": 1.5},
        {**base, "index": "b_idx", "verdict": "unused", "gain_ms": -0.062, "size_bytes": 8192},
        {**base, "index": "c_idx", "verdict": "unused", "gain_ms": 0.00031},
    ]


def test_the_audit_table_has_units_and_no_scientific_notation():
    table = report_tables.audit_frame(audit_records())
    html = table._repr_html_()
    assert not SCIENTIFIC.search(html)
    assert table.column("gain") == ["26.40 ms", "-0.062 ms", "0.00031 ms"]
    assert table.column("write cost")[0] == "1.50x" and table.column("size")[1] == "8 kB"
    assert table.frame.loc["a_idx", "verdict"] == "useful"


def test_a_long_cell_folds_into_details_and_a_short_one_does_not():
    fix = "select_related('client', 'industry', 'subcategory') on the Job queryset " * 2
    table = Table(["scenario", "fix"], [["job_list", Code(fix)], ["wallet", "none"]])
    html = table._repr_html_()
    assert html.count("<details") == 1
    assert f"<code>{fix.replace(chr(39), '&#x27;')}</code>" in html  # the whole text, escaped
    assert "<td" in html and "wallet" in html


def test_an_empty_table_says_why_instead_of_showing_headers():
    table = Table(["scenario", "queries"], [], empty="No N+1 pattern under eager.")
    assert table._repr_html_() == '<p class="wb-empty"><em>No N+1 pattern under eager.</em></p>'
    assert repr(table) == "No N+1 pattern under eager."


def measured(variants: dict[str, dict]) -> MeasureResult:
    """A hand-made result (for the tables only: never a report's numbers)."""
    result = MeasureResult({"repeat": 1}, {"method": "not measured"})
    base = {"queries": 82, "data_queries": 81, "n_plus_one": 4, "p50_ms": 236.0}
    base |= {"p95_ms": 250.0, "db_ms": 30.0, "db_cpu_ms": None, "n_plus_one_details": []}
    result.scenarios["job_list"] = {
        "path": "/api/jobs/",
        "variants": {name: {**base, **figures} for name, figures in variants.items()},
    }
    return result


def test_the_eager_page_prints_totals_in_words_and_explains_an_empty_table():
    result = measured({"baseline": {}, "eager": {"queries": 2, "n_plus_one": 0}})
    line = report_tables.n_plus_one_line(result)
    assert line == "N+1 patterns over every scenario: baseline 4, eager 0"
    assert "{" not in line
    table = report_tables.n_plus_one_frame(result, "eager")
    assert table.is_empty and "No N+1 pattern under eager" in table._repr_html_()


def test_a_236x_speedup_reads_236x_faster():
    result = measured({"baseline": {}, "all": {"queries": 0, "p50_ms": 1.0, "db_ms": 0.0}})
    table = report_tables.comparison_frame(result, "all")
    assert table.column("p50 change") == ["236x faster"]
    assert table.column("db time change") == ["down to 0"]
    assert table.column("p50") == ["236.00 → 1.00 ms"]


def test_zero_bars_on_log_axes_are_drawn_at_a_floor_and_labelled():
    from workbench.report import figures

    result = measured({"baseline": {}, "all": {"db_ms": 0.0, "p50_ms": 0.7}})
    figure = figures.before_after(result)
    db = [t for t in figure.data if t.yaxis == "y3"]
    all_bar = next(t for t in db if t.name == "all")
    assert all_bar.y[0] > 0 and all_bar.text[0] == "0"  # visible, and says it is zero
    low, _ = figure.layout.yaxis3.range
    assert 10**low < all_bar.y[0]  # the floor is inside the axis


def test_plan_charts_label_their_colour_bar_with_a_unit():
    from workbench.report import figures

    plan = [
        {
            "Plan": {
                "Node Type": "Seq Scan",
                "Relation Name": "jobs_job",
                "Actual Total Time": 1.5,
                "Actual Rows": 10,
                "Actual Loops": 1,
                "Plan Rows": 10,
                "Total Cost": 10.0,
                "Startup Cost": 0.0,
                "Actual Startup Time": 0.1,
            },
            "Execution Time": 1.6,
        }
    ]
    figure = figures.plan_chart(plan)
    colorbar = figure.data[0].marker.colorbar
    assert colorbar.title.text == "own time (ms)" and colorbar.ticksuffix == " ms"

"""The report's tables, as DataFrames (and small HTML blocks) built from measured results.

Notebooks display these and nothing else, so the numbers a reader sees are the ones
in the run folder, formatted the same way in every notebook. Inputs are
``analysis.measure.MeasureResult`` objects (often a merge of several stages, see
``workbench.report.run_folder``), the index audit's records and a ``summary.json`` mapping.

Every table is a ``Table`` (``table``): text in the report's number formats
(``workbench.report.formats``), long cells folded into ``<details>``, and a sentence
saying why there is nothing instead of an empty table; ``.frame`` is the same text as
a DataFrame.

The package's modules, one concept each: ``measured`` (figures per scenario and
variant, page sizes), ``plans`` (slowest statements, plan findings
and diffs, what disappeared), ``audit`` (the index audit, seeding), ``sections`` (the
per-scenario HTML of 06_report), ``advice`` (the ranked recommendations and the
index set), ``verdicts`` (the success criteria, the mixed workload
they are judged on, hit and miss latencies). This is its public API.
"""

from workbench.report.tables.advice import (
    candidates_frame,
    final_check_frame,
    index_set_frame,
    index_set_lines,
    recommendations_frame,
)
from workbench.report.tables.audit import (
    audit_counts,
    audit_frame,
    audit_notes,
    audit_summary,
    seed_rows_frame,
    seed_timings_frame,
)
from workbench.report.tables.measured import (
    FIGURE_COLUMNS,
    comparison_frame,
    figures_frame,
    n_plus_one_frame,
    n_plus_one_line,
    n_plus_one_totals,
    overview_frame,
    page_size_frame,
)
from workbench.report.tables.plans import (
    VERDICT_ORDER,
    disappeared_frame,
    plan_diffs_frame,
    plan_findings_frame,
    plan_verdicts,
    slowest_plans,
)
from workbench.report.tables.sections import scenario_html, scenario_sections
from workbench.report.tables.table import Code, Table
from workbench.report.tables.verdicts import (
    criteria_frame,
    hit_miss_frame,
    mixed_frame,
    slow_statements_frame,
)

__all__ = [
    "FIGURE_COLUMNS",
    "Code",
    "Table",
    "VERDICT_ORDER",
    "audit_counts",
    "candidates_frame",
    "final_check_frame",
    "index_set_frame",
    "index_set_lines",
    "recommendations_frame",
    "audit_frame",
    "audit_notes",
    "audit_summary",
    "comparison_frame",
    "criteria_frame",
    "disappeared_frame",
    "figures_frame",
    "hit_miss_frame",
    "mixed_frame",
    "n_plus_one_frame",
    "n_plus_one_line",
    "n_plus_one_totals",
    "overview_frame",
    "page_size_frame",
    "plan_diffs_frame",
    "plan_findings_frame",
    "plan_verdicts",
    "scenario_html",
    "scenario_sections",
    "seed_rows_frame",
    "seed_timings_frame",
    "slow_statements_frame",
    "slowest_plans",
]

"""The front page's "what to do": the ranked recommendations, or the top findings.

``summary.json`` carries ranked ``recommendations`` once the index advisor ran (each:
kind, target, action, saving with its interval, write cost, evidence) and the
``index_set`` it recommends; they are shown most useful first, the first few open and
the rest folded. A run without them (an older summary, or a run of only some notebooks)
shows its top findings instead, from the run folder: the costliest N+1 patterns under
``baseline`` with their fix, and the slowest statements with what their plans show.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from workbench.report import formats
from workbench.report.html import html_table
from workbench.study.variants import BASELINE

TOP = 5
SHOWN = 8  # recommendations shown before the rest fold away


def _e(value: Any) -> str:
    return html.escape(str(value))


def _fold(text: str, at: int = 90) -> str:
    if len(text) <= at:
        return _e(text)
    return f"<details><summary>{_e(text[: at - 30].rstrip())} ...</summary>{_e(text)}</details>"


def recommendations_html(summary: Mapping[str, Any], run_folder: Any = None) -> str:
    """The ranked recommendations, or (before the advisor) the top findings of this run."""
    found = summary.get("recommendations")
    if found is None:
        return _findings_html(summary, run_folder)
    if not found:
        return (
            "<h2>Recommendations</h2><p>None: nothing measured in this run is worth changing.</p>"
        )
    worth = [r for r in found if r.get("worth_it", True)]
    table = _advice_table(worth)
    header = table.header if table is not None else OWN_HEADER
    rows = table.rows if table is not None else _own_rows(worth)
    if "evidence" in header:  # on the summary page; here the page stays one screen wide
        keep = [i for i, name in enumerate(header) if name != "evidence"]
        header, rows = [header[i] for i in keep], [[row[i] for i in keep] for row in rows]
    parts = ["<h2>Recommendations, most useful first</h2>"]
    parts.append(_rows_html(header, rows[:SHOWN], table is not None))
    if rows[SHOWN:]:
        parts.append(
            f"<details><summary>{len(rows) - SHOWN} more recommendations</summary>"
            f"{_rows_html(header, rows[SHOWN:], table is not None)}</details>"
        )
    noise = len(found) - len(worth)
    if noise:
        parts.append(
            f'<p class="note">{noise} more measured action(s) saved no more than the noise '
            "band: see the summary page.</p>"
        )
    index_set = summary.get("index_set")
    if isinstance(index_set, Mapping):
        counts = ", ".join(
            f"{key} {len(index_set.get(key) or [])}" for key in ("keep", "add", "drop")
        )
        names = "".join(
            f"<li>{key}: {_e(', '.join(map(str, index_set[key])))}</li>"
            for key in ("keep", "add", "drop")
            if index_set.get(key)
        )
        parts.append(
            f"<p>The index set this run recommends: {_e(counts)}.</p>"
            + (
                f"<details><summary>which indexes</summary><ul>{names}</ul></details>"
                if names
                else ""
            )
        )
    return "".join(parts)


OWN_HEADER = ["#", "kind", "target", "action", "saving", "write cost", "evidence"]
# (the evidence column is left out on the front page, whichever table it comes from)


def _advice_table(found: list[Mapping[str, Any]]) -> Any:
    """The summary page's recommendations table (``tables.advice``), or None."""
    try:
        from workbench.report.tables.advice import recommendations_frame

        return recommendations_frame(found)
    except Exception:  # another shape of recommendations: shown by the rows below
        return None


def _rows_html(header: list[str], rows: list[list[Any]], from_table: bool) -> str:
    from workbench.report.tables.table import Table

    if from_table:
        return Table(header, rows, empty="None.")._repr_html_()
    return html_table(header, rows, raw=True)


def _own_rows(found: list[Mapping[str, Any]]) -> list[list[str]]:
    rows = []
    for rank, r in enumerate(found, start=1):
        saving = formats.ms(r.get("saving_ms"))
        ci = r.get("saving_ci")
        if isinstance(ci, list | tuple) and len(ci) == 2 and None not in ci:
            saving += f" [{formats.decimal(ci[0])}, {formats.decimal(ci[1])}]"
        evidence = r.get("evidence")
        evidence = formats.cell(evidence) if not isinstance(evidence, str) else evidence
        rows.append(
            [
                str(rank),
                _e(r.get("kind") or formats.NOTHING),
                f"<code>{_e(r.get('target') or formats.NOTHING)}</code>",
                _fold(str(r.get("action") or formats.NOTHING)),
                _e(saving),
                _e(formats.ratio(r.get("write_cost_ratio"))),
                _fold(evidence or formats.NOTHING, 60),
            ]
        )
    return rows


def _findings_html(summary: Mapping[str, Any], run_folder: Any) -> str:
    """Top N+1 patterns (by the time they cost) and the slowest statements, baseline."""
    from workbench.report import run_folder as folders

    try:
        baseline = folders.load_stage(run_folder, folders.BASELINE_STAGE) if run_folder else None
    except Exception:  # an unreadable stage: the findings are a summary, not a verdict
        baseline = None
    parts = ["<h2>Top findings</h2>"]
    if baseline is None:
        parts.append("<p>02_baseline did not store its measurement in this run.</p>")
        return "".join(parts)
    patterns = [
        (name, d)
        for name, scenario in baseline.scenarios.items()
        for d in scenario["variants"].get(BASELINE, {}).get("n_plus_one_details", [])
    ]
    patterns.sort(key=lambda item: -(item[1].get("total_ms") or 0))
    rows = [
        [
            _e(name),
            _e(formats.count(d.get("count"))),
            _e(formats.ms(d.get("total_ms"))),
            _e(d.get("relation") or formats.NOTHING),
            f"<code>{_e(d.get('fix') or formats.NOTHING)}</code>",
            _fold(str(d.get("fix_in") or d.get("loop_site") or formats.NOTHING), 60),
        ]
        for name, d in patterns[:TOP]
    ]
    header = ["scenario", "queries", "time", "relation", "fix", "where the fix goes"]
    parts.append(
        f"<p>The {min(TOP, len(patterns))} costliest of {len(patterns)} N+1 patterns under "
        "<code>baseline</code> (each: one query per row of a list):</p>"
        + html_table(header, rows, raw=True)
        if patterns
        else "<p>No N+1 pattern under <code>baseline</code>.</p>"
    )
    parts.append(_slowest_html(baseline))
    return "".join(parts)


def _slowest_html(baseline: Any) -> str:
    from analysis.planfindings import plan_findings
    from workbench.report.tables.plans import slowest_plans

    found = slowest_plans(baseline, BASELINE, top=3)
    if not found:
        return ""
    rows = [
        [
            _e(name),
            _e(formats.ms(entry["execution_ms"])),
            _fold(plan.summary(), 70),
            _fold("; ".join(str(f) for f in plan_findings(plan)) or "none above the thresholds"),
        ]
        for name, entry, plan in found
    ]
    return "<p>The slowest statements under <code>baseline</code>:</p>" + html_table(
        ["scenario", "execution", "plan", "findings"], rows, raw=True
    )

"""A run folder's front page (``index.html``): the verdict, what to do, three charts, the pages.

In the order a reviewer reads: the verdict (how many success criteria passed, and on
what traffic each was judged), the ranked recommendations of ``summary.json`` when the
run has them (else the top N+1 findings with their fix and the slowest statements,
from the run folder), three charts drawn from ``summary.json`` (queries and p50 by
variant, the cache hit rate), a "start here" link to the summary page, then every
scenario on one line, the index audit in three lines, and the detail pages. No path of the machine is shown: the run
folder is named by its own name, the servers as ``summary.json`` records them.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from workbench.report import formats
from workbench.report.front_findings import recommendations_html
from workbench.report.html import html_table, page
from workbench.report.plotting import PLOTLYJS_FILE
from workbench.report.result import RunResult
from workbench.study.variants import BASELINE

PAGES = {  # what each notebook's page holds, for the links
    "01_seed": "the data: rows per table, seeding times",
    "02_baseline": "every scenario as written: N+1 patterns with their fix, slowest plans",
    "03_indexes": "the index audit, and the plan's indexes measured against the baseline",
    "04_eager_loading": "eager loading: the queries that disappear, counts at two page sizes",
    "05_caching": "caching and the mixed workload under every variant",
    "06_report": "the summary: criteria, every scenario before and after, plans that changed",
    "07_load": "optional: concurrent users through a real server, throughput and latency per level",
    "08_scale": "optional: every scenario at several scales, and how its cost grows with rows",
}
TRAFFIC = {
    "mixed": "the mixed workload (Zipf-skewed reads over every endpoint, a share of writes "
    "that invalidate, from a cold cache)",
    "isolated": "each endpoint on its own, in interleaved rounds",
}


def _e(value: Any) -> str:
    return html.escape(str(value))


def verdict_html(summary: Mapping[str, Any]) -> str:
    """The banner (n of m criteria passed, the failing ones named) and the criteria table."""
    from workbench.report.tables.verdicts import interval, measured

    found = summary.get("criteria", [])
    if not found:
        return (
            '<div class="verdict failed"><h2>No verdict</h2>'
            "<p>No success criterion was judged in this run.</p></div>"
        )
    passed = [c for c in found if c["passed"]]
    failed = [c["name"] for c in found if not c["passed"]]
    head = (
        f"All {len(found)} success criteria passed"
        if not failed
        else f"{len(failed)} of {len(found)} success criteria failed: {', '.join(failed)}"
    )
    traffic = sorted({c.get("measured_on") for c in found if c.get("measured_on")})
    on = "; ".join(f"<b>{_e(t)}</b>: {_e(TRAFFIC.get(t, t))}" for t in traffic)
    mixed = _mixed_line(summary)
    rows = [
        [
            '<span class="pass">PASS</span>' if c["passed"] else '<span class="fail">FAIL</span>',
            _e(c["name"]),
            _e(measured(c["measured"], c.get("unit", ""))),
            _e(interval(c.get("ci"), c.get("unit", "")) or formats.NOTHING),
            _e(c.get("measured_on") or formats.NOTHING),
            _e(c["target"]),
        ]
        for c in found
    ]
    table = html_table(["", "criterion", "measured", "95% interval", "on", "target"], rows, True)
    return (
        f'<div class="verdict{" failed" if failed else ""}">'
        f"<h2>{'PASS' if not failed else 'FAIL'}: {_e(head)}</h2>"
        f"<p>{len(passed)} of {len(found)} passed, judged on <code>all</code> (the indexes, "
        f"eager loading and caching together) against <code>baseline</code>. Traffic: {on}."
        f"{' ' + _e(mixed) if mixed else ''}</p>{table}</div>"
    )


def _mixed_line(summary: Mapping[str, Any]) -> str:
    run = (summary.get("mixed") or {}).get("all") or {}
    if not run.get("requests"):
        return ""
    share = run.get("write_share")
    writes = f", {formats.percent(share, fraction=True)} writes" if share is not None else ""
    return f"The mixed workload ran {formats.count(run['requests'])} requests per variant{writes}."


def charts_html(summary: Mapping[str, Any]) -> str:
    from workbench.report.summary_figures import front_figures, to_div

    figures = front_figures(summary)
    if not figures:
        return "<p>No scenario was measured, so there is nothing to chart.</p>"
    return '<div class="charts">' + "".join(to_div(f) for f in figures) + "</div>"


def scenarios_html(summary: Mapping[str, Any]) -> str:
    """Every scenario on one line: queries and p50, baseline to all, and the change."""
    rows = []
    for s in summary.get("scenarios", []):
        base, best = s["variants"].get(BASELINE), s["variants"].get("all")
        if base is None:
            continue
        best = best or {}
        ratio = (best.get("vs_baseline") or {}).get("p50_ms")
        rows.append(
            [
                s["name"],
                f"{formats.count(base.get('queries'))} → {formats.count(best.get('queries'))}",
                formats.count(base.get("n_plus_one")),
                f"{formats.ms(base.get('p50_ms'))} → {formats.ms(best.get('p50_ms'))}",
                formats.speedup(best.get("speedup"), ratio) if best else formats.NOTHING,
            ]
        )
    if not rows:
        return "<p>No scenario was measured under <code>baseline</code>.</p>"
    header = [
        "scenario",
        "queries, baseline → all",
        "N+1",
        "p50, baseline → all",
        "all vs baseline",
    ]
    return html_table(header, rows)


def audit_html(summary: Mapping[str, Any]) -> str:
    """The index audit in one line per verdict, the indexes named (detail: 03_indexes)."""
    records = summary.get("index_audit") or []
    if not records:
        return "<p>The index audit did not run in this run.</p>"
    parts = []
    for verdict in ("useful", "redundant", "unused"):
        names = [r["index"] for r in records if r.get("verdict") == verdict]
        if names:
            listed = ", ".join(f"<code>{_e(n)}</code>" for n in names)
            parts.append(
                f"<li><b>{len(names)} {verdict}</b>: <details><summary>which</summary>"
                f"{listed}</details></li>"
            )
    return f"<p>{len(records)} indexes of the plan audited:</p><ul>{''.join(parts)}</ul>"


def pages_html(result: RunResult, start: str | None) -> str:
    rows = []
    for n in result.notebooks:
        link = f'<a href="{_e(n.html.name)}">{_e(n.name)}</a>' if n.html else _e(n.name)
        if n.html and n.html.name == start:
            link += " (start here)"
        nb_link = f'<a href="{_e(n.output.name)}">.ipynb</a>' if n.html else ""
        seconds = f"{n.seconds:.1f} s" if n.status != "skipped" else ""
        about = _e(PAGES.get(n.name, ""))
        rows.append([link, about, _e(n.status), seconds, nb_link])
    table = html_table(["page", "what it holds", "status", "time", "executed notebook"], rows, True)
    extra = (
        '<p class="note"><a href="summary.json">summary.json</a> is the same result for '
        "machines (its schema: docs/summary.schema.json); <code>workbench compare</code> "
        "compares two runs.</p>"
        if result.summary
        else ""
    )
    return "<h2>Detail pages</h2>" + table + extra


def start_page(result: RunResult) -> str | None:
    pages = [n for n in result.notebooks if n.html is not None]
    summary = [n for n in pages if n.name.endswith("report")]
    chosen = (summary or pages or [None])[-1]
    return chosen.html.name if chosen is not None else None


def _meta(result: RunResult, summary: Mapping[str, Any] | None) -> str:
    plan = result.plan
    params = ", ".join(
        f"{k} {formats.cell(v)}" for k, v in plan.values.items() if k not in ("results_dir",)
    )
    facts = [f"run {plan.out_dir.name}", f"{result.seconds:.0f} s"]
    if params:
        facts.insert(1, params)
    env = (summary or {}).get("environment", {})
    for key in ("database", "cache_server"):
        if env.get(key):
            facts.append(str(env[key]))
    if env.get("git_commit"):
        facts.append(
            f"commit {str(env['git_commit'])[:10]}"
            + (" (uncommitted changes)" if env.get("git_dirty") else "")
        )
    return f'<p class="meta">{_e(" · ".join(facts))}</p>'


def index_html(result: RunResult) -> str:
    summary = result.summary
    start = start_page(result)
    parts = ["<h1>Optimization report</h1>", _meta(result, summary)]
    if result.problem:
        parts.append(f'<p class="problem">{_e(result.problem)}</p>')
    link = (
        f'<p class="start">Start here: <a href="{_e(start)}">the summary page</a> '
        "(the criteria with their evidence, every scenario before and after, the plans "
        "that changed), then the detail pages below.</p>"
        if start
        else ""
    )
    if summary:
        parts.append(verdict_html(summary))
        parts.append(recommendations_html(summary, result.plan.out_dir))
        parts.append("<h2>At a glance</h2>" + charts_html(summary))
        parts.append(link)
        parts.append("<h2>Every scenario</h2>" + scenarios_html(summary))
        parts.append("<h2>Index audit</h2>" + audit_html(summary))
    else:
        parts.append("<p>No summary.json in this run: no verdict (see the pages below).</p>")
        # Only the summary page is "the summary page" (`--only load` has none).
        parts.append(link if start and start.removesuffix(".html").endswith("report") else "")
    parts.append(pages_html(result, start))
    charts = bool(summary and summary.get("scenarios"))
    return page("Optimization report", "".join(parts), PLOTLYJS_FILE if charts else None)

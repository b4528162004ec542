"""Turning a report run into pages people read: one HTML per notebook, an index, a summary.

Reviewers read the result without running anything, often on a machine with no
network (an artifact downloaded from CI): pages hide the code (outputs only), draw
their charts from the plotly.js the notebook embedded, and load nothing from a CDN.
nbconvert's ``lab`` template would fetch require.js and MathJax from cdnjs, so
those blocks are emptied by a small template extending it.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench.report.result import RunResult

_OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


def notebook_to_html(ipynb: Path, html_path: Path | None = None) -> Path:
    """Render an executed notebook with its code hidden and its outputs kept."""
    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({"workbench_offline.html.j2": _OFFLINE_TEMPLATE})],
        template_file="workbench_offline.html.j2",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    nb = nbformat.read(ipynb, as_version=4)
    nb.metadata["title"] = ipynb.stem
    body, _ = exporter.from_notebook_node(nb)
    html_path = html_path or ipynb.with_suffix(".html")
    html_path.write_text(body, encoding="utf-8")
    return html_path


# --------------------------------------------------------------------------- formatting


def fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "not measured"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        text = f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        text = str(value)
    return f"{text}{' ' if unit and unit != '%' else ''}{unit}"


def _scenario_rows(summary: Mapping[str, Any]) -> list[list[str]]:
    rows = []
    for scenario in summary.get("scenarios", []):
        for variant, f in scenario["variants"].items():
            ratio = (f.get("vs_baseline") or {}).get("p95_ms")
            rows.append(
                [
                    scenario["name"],
                    variant,
                    fmt(f["queries"]),
                    fmt(f["n_plus_one"]),
                    fmt(float(f["p50_ms"]), "ms"),
                    fmt(float(f["p95_ms"]), "ms"),
                    fmt(float(f["db_ms"]), "ms"),
                    "" if ratio is None else f"{ratio:.2f}x",
                ]
            )
    return rows


SCENARIO_HEADER = ["scenario", "variant", "queries", "N+1", "p50", "p95", "db time", "p95 vs base"]


def _text_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    head = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    return "\n".join([head, "  ".join("-" * w for w in widths), *lines])


def summary_text(summary: Mapping[str, Any]) -> str:
    """The few lines a person at the terminal (or reading a cron mail) wants first."""
    out = []
    criteria = summary.get("criteria", [])
    if criteria:
        rows = [
            [
                "PASS" if c["passed"] else "FAIL",
                c["name"],
                fmt(c["measured"], c.get("unit", "")),
                c["target"],
            ]
            for c in criteria
        ]
        out.append(_text_table(["", "criterion", "measured", "target"], rows))
    rows = _scenario_rows(summary)
    if rows:
        out.append(_text_table(SCENARIO_HEADER, rows))
    else:
        out.append("no scenarios measured in this run")
    rate = summary.get("cache", {}).get("hit_rate")
    out.append(f"cache hit rate: {fmt(None if rate is None else 100 * rate, '%')}")
    return "\n\n".join(out)


def timings_text(result: RunResult) -> str:
    rows = [
        [
            n.name,
            n.status,
            f"{n.cells_done}/{n.cells_total}" if n.status != "skipped" else "",
            f"{n.seconds:.1f}s" if n.status != "skipped" else "",
        ]
        for n in result.notebooks
    ]
    return _text_table(["notebook", "status", "cells", "time"], rows)


# --------------------------------------------------------------------------- index.html

_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
th,td{border-bottom:1px solid #ddd;padding:.3rem .7rem;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#0a7d28;font-weight:600}.fail{color:#b3261e;font-weight:600}
.problem{background:#fdecea;border-left:4px solid #b3261e;padding:.6rem 1rem}
code{background:#f3f3f3;padding:0 .25rem}
"""


def _html_table(header: list[str], rows: list[list[str]], raw: bool = False) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)

    def cell(value: str) -> str:
        text = value if raw else html.escape(value)
        numeric = value[:1].isdigit() or value[:1] == "-"
        return f'<td class="num">{text}</td>' if numeric and not raw else f"<td>{text}</td>"

    body = "".join("<tr>" + "".join(cell(c) for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _criteria_html(summary: Mapping[str, Any]) -> str:
    rows = []
    for c in summary.get("criteria", []):
        verdict = (
            '<span class="pass">PASS</span>' if c["passed"] else '<span class="fail">FAIL</span>'
        )
        rows.append(
            [
                verdict,
                html.escape(c["name"]),
                html.escape(fmt(c["measured"], c.get("unit", ""))),
                html.escape(c["target"]),
            ]
        )
    return _html_table(["", "criterion", "measured", "target"], rows, raw=True)


def _audit_html(summary: Mapping[str, Any]) -> str:
    rows = [
        [r["index"], r["table"], ", ".join(r["columns"]), r["verdict"], r.get("duplicates") or ""]
        for r in summary.get("index_audit", [])
    ]
    if not rows:
        return "<p>No index audit in this run.</p>"
    return _html_table(["index", "table", "columns", "verdict", "duplicates"], rows)


def _notebooks_html(result: RunResult) -> str:
    rows = []
    for n in result.notebooks:
        name = html.escape(n.name)
        link = f'<a href="{html.escape(n.html.name)}">{name}</a>' if n.html else name
        nb_link = f'<a href="{html.escape(n.output.name)}">.ipynb</a>' if n.html else ""
        seconds = f"{n.seconds:.1f} s" if n.status != "skipped" else ""
        rows.append([link, html.escape(n.status), seconds, nb_link])
    return _html_table(["notebook", "status", "time", "executed notebook"], rows, raw=True)


def index_html(result: RunResult) -> str:
    plan, summary = result.plan, result.summary
    parts = [
        f"<h1>Optimization report</h1><p>Run folder <code>{html.escape(str(plan.out_dir))}</code>"
    ]
    params = ", ".join(f"{k} = {v!r}" for k, v in plan.values.items())
    parts.append(f" &middot; {html.escape(params)}" if params else "")
    parts.append(f" &middot; {result.seconds:.0f} s</p>")
    if result.problem:
        parts.append(f'<p class="problem">{html.escape(result.problem)}</p>')
    if summary:
        env = summary.get("environment", {})
        facts = [
            f"PostgreSQL {env.get('postgresql', '?')}",
            f"Redis {env.get('redis', '?')}",
            f"commit {str(env.get('git_commit') or '?')[:10]}",
        ]
        parts.append(f"<p>{html.escape(' · '.join(facts))}</p>")
        parts.append("<h2>Success criteria</h2>" + _criteria_html(summary))
        rows = _scenario_rows(summary)
        parts.append(
            "<h2>Scenarios</h2>"
            + (_html_table(SCENARIO_HEADER, rows) if rows else "<p>No scenarios measured.</p>")
        )
        rate = summary.get("cache", {}).get("hit_rate")
        hit = fmt(None if rate is None else 100 * rate, "%")
        parts.append(f"<h2>Cache</h2><p>Hit rate: {html.escape(hit)}</p>")
        parts.append("<h2>Index audit</h2>" + _audit_html(summary))
        parts.append('<p><a href="summary.json">summary.json</a></p>')
    parts.append("<h2>Notebooks</h2>" + _notebooks_html(result))
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Optimization report</title><style>{_CSS}</style></head><body>"
        + "".join(parts)
        + "</body></html>\n"
    )


def write_index(result: RunResult) -> Path:
    path = result.plan.out_dir / "index.html"
    path.write_text(index_html(result), encoding="utf-8")
    return path

"""Turning a report run into pages people read: one HTML per notebook, an index, a summary.

The front page itself is built in ``workbench.report.front``, the index across runs in
``workbench.report.runs``; this module holds what every page shares (the notebook
export, the page chrome, the terminal's summary).

Reviewers read the result without running anything, often on a machine with no
network (an artifact downloaded from CI): pages hide the code (outputs only), draw
their charts with the run folder's one copy of plotly.js (``workbench.report.plotting``),
and load nothing from a CDN.
nbconvert's ``lab`` template would fetch require.js and MathJax from cdnjs, so
those blocks are emptied by a small template extending it.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench.report import formats
from workbench.report.result import RunResult
from workbench.study.variants import BASELINE

_OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}
<style>.jp-OutputArea-output pre{white-space:pre-wrap;word-break:break-word}</style>
{%- endblock extra_css -%}
"""


_HEAD_STYLE = re.compile(r"<style[^>]*>.*?</style>\s*", re.S | re.I)


def share_css(page: str, folder: Path) -> str:
    """The page with the styles of its ``<head>`` moved to a CSS file shared in ``folder``.

    nbconvert inlines JupyterLab's stylesheet (about 250 kB) into every page; the run's
    pages share one copy, named by its content, so each page links the same file.
    """
    head_end = page.find("</head>")
    if head_end < 0:
        return page
    head, rest = page[:head_end], page[head_end:]
    styles = _HEAD_STYLE.findall(head)
    if not styles:
        return page
    css = "\n".join(
        re.sub(r"^<style[^>]*>|</style>\s*$", "", s.strip(), flags=re.I) for s in styles
    )
    name = f"notebook-{hashlib.sha256(css.encode()).hexdigest()[:10]}.css"
    target = folder / name
    if not target.exists():
        target.write_text(css, encoding="utf-8")
    first = head.find(styles[0])
    head = _HEAD_STYLE.sub("", head)
    link = f'<link rel="stylesheet" href="{name}">\n'
    return head[:first] + link + head[first:] + rest


def notebook_to_html(ipynb: Path, html_path: Path | None = None, shared_css: bool = False) -> Path:
    """Render an executed notebook with its code hidden and its outputs kept.

    ``shared_css`` moves the page's stylesheet to a file beside it, shared by every page
    of the folder (:func:`share_css`), as ``workbench report`` does for a run folder.
    """
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
    if shared_css:
        body = share_css(body, html_path.parent)
    html_path.write_text(body, encoding="utf-8")
    return html_path


# --------------------------------------------------------------------------- formatting


def fmt(value: Any, unit: str = "") -> str:
    """A figure with its unit in the report's formats (``workbench.report.formats``)."""
    if value is None:
        return "not measured"
    if unit == "ms":
        return formats.ms(value)
    if unit == "%":
        return formats.percent(value)
    text = formats.cell(value)
    return f"{text} {unit}" if unit else text


def _scenario_rows(summary: Mapping[str, Any]) -> list[list[str]]:
    rows = []
    for scenario in summary.get("scenarios", []):
        for variant, f in scenario["variants"].items():
            ratio = (f.get("vs_baseline") or {}).get("p50_ms")
            rows.append(
                [
                    scenario["name"],
                    variant,
                    formats.count(f["queries"]),
                    formats.count(f["n_plus_one"]),
                    formats.ms(f["p50_ms"]),
                    formats.ms(f["p95_ms"]),
                    formats.ms(f["db_ms"]),
                    "" if variant == BASELINE else formats.speedup(f.get("speedup"), ratio),
                ]
            )
    return rows


SCENARIO_HEADER = ["scenario", "variant", "queries", "N+1", "p50", "p95", "db time", "p50 vs base"]


def text_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    head = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()
    return "\n".join([head, "  ".join("-" * w for w in widths), *lines])


_text_table = text_table


def summary_text(summary: Mapping[str, Any]) -> str:
    """The few lines a person at the terminal (or reading a cron mail) wants first."""
    from workbench.report.tables.verdicts import measured

    out = []
    criteria = summary.get("criteria", [])
    if criteria:
        rows = [
            [
                "PASS" if c["passed"] else "FAIL",
                c["name"],
                measured(c["measured"], c.get("unit", "")),
                c.get("measured_on") or "",
                c["target"],
            ]
            for c in criteria
        ]
        out.append(text_table(["", "criterion", "measured", "on", "target"], rows))
    rows = _scenario_rows(summary)
    if rows:
        out.append(text_table(SCENARIO_HEADER, rows))
    else:
        out.append("no scenarios measured in this run")
    rate = summary.get("cache", {}).get("hit_rate")
    out.append(
        f"cache hit rate: {formats.percent(rate, fraction=True) if rate is not None else 'not measured'}"
    )
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
    return text_table(["notebook", "status", "cells", "time"], rows)


# --------------------------------------------------------------------------- pages

CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}
th,td{border-bottom:1px solid #ddd;padding:.3rem .7rem;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#0a7d28;font-weight:600}.fail{color:#b3261e;font-weight:600}
.problem{background:#fdecea;border-left:4px solid #b3261e;padding:.6rem 1rem}
.verdict{padding:.8rem 1.2rem;border-left:6px solid #0a7d28;background:#eef7f0;margin:1rem 0}
.verdict.failed{border-color:#b3261e;background:#fdecea}
.verdict h2{margin:.2rem 0 .4rem}
.start{font-size:1.15rem;margin:1.2rem 0}.start a{font-weight:600}
.meta{color:#555}.note{color:#555;font-size:.92rem}
.charts{display:grid;grid-template-columns:1fr;gap:.5rem}
details summary{cursor:pointer}
code{background:#f3f3f3;padding:0 .25rem}
"""


def html_table(header: list[str], rows: list[list[str]], raw: bool = False) -> str:
    """A table of text cells (escaped unless ``raw``); numbers right-aligned."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)

    def cell(value: str) -> str:
        text = value if raw else html.escape(value)
        numeric = value[:1].isdigit() or (value[:1] == "-" and value[1:2].isdigit())
        return f'<td class="num">{text}</td>' if numeric and not raw else f"<td>{text}</td>"

    body = "".join("<tr>" + "".join(cell(c) for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_html_table = html_table


def page(title: str, body: str, plotlyjs: str | None = None) -> str:
    """A whole page: ``plotlyjs`` is the relative URL of plotly.js when it has charts."""
    script = f'<script charset="utf-8" src="{html.escape(plotlyjs)}"></script>' if plotlyjs else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{CSS}</style>{script}</head><body>"
        + body
        + "</body></html>\n"
    )


def index_html(result: RunResult) -> str:
    """The run folder's front page (``workbench.report.front``)."""
    from workbench.report import front

    return front.index_html(result)


def write_index(result: RunResult) -> Path:
    path = result.plan.out_dir / "index.html"
    path.write_text(index_html(result), encoding="utf-8")
    return path

"""The 06_report page's blocks: one HTML section per scenario (its figures per variant,
what disappeared, what plans changed). The criteria table is in ``verdicts``.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from analysis.measure import MeasureResult
from workbench.report import formats
from workbench.report.tables.plans import VERDICT_ORDER
from workbench.report.tables.table import Table
from workbench.study.variants import BASELINE

FOLD_AT = 110  # a statement longer than this opens on click


def _variant_rows(variants: Mapping[str, Mapping[str, Any]]) -> list[list[Any]]:
    rows = []
    for variant, f in variants.items():
        ratio = (f.get("vs_baseline") or {}).get("p50_ms")
        rows.append(
            [
                variant,
                f"{formats.count(f['queries'])} ({formats.count(f.get('data_queries'))})",
                formats.count(f["n_plus_one"]),
                formats.ms(f["p50_ms"]),
                formats.ms(f["p95_ms"]),
                formats.ms(f["db_ms"]),
                formats.ms(f.get("db_cpu_ms")),
                "" if variant == BASELINE else formats.speedup(f.get("speedup"), ratio),
            ]
        )
    return rows


def _count(value: float | None) -> str:
    """1.0 -> "1", 0.5 -> "0.5": per-call counts are whole numbers but for odd repeats."""
    return "?" if value is None else formats.count(value)


def _statement(sql: str) -> str:
    """A statement in code; a long one shows its start and opens to the whole text."""
    code = f"<code>{html.escape(sql)}</code>"
    if len(sql) <= FOLD_AT:
        return code
    start = html.escape(sql[: FOLD_AT - 30].rstrip())
    return f"<details><summary><code>{start} ...</code></summary>{code}</details>"


def _statement_list(items: Sequence[str], limit: int) -> str:
    shown = "".join(f"<li>{item}</li>" for item in items[:limit])
    if len(items) <= limit:
        return f"<ul>{shown}</ul>"
    rest = "".join(f"<li>{item}</li>" for item in items[limit:])
    return (
        f"<ul>{shown}</ul><details><summary>... and {len(items) - limit} more</summary>"
        f"<ul>{rest}</ul></details>"
    )


def _disappeared_html(
    variant: str, gone: Sequence[Mapping[str, Any]], listed: set[str], limit: int
) -> list[str]:
    """What a variant no longer runs; statements an earlier variant's list showed are counted."""
    if not gone:
        return []
    gone = sorted(gone, key=lambda d: -(d.get("per_call") or 0))
    per_call = sum(d.get("per_call") or 0 for d in gone)
    new = [d for d in gone if d["fingerprint"] not in listed]
    listed.update(d["fingerprint"] for d in gone)
    seen = len(gone) - len(new)
    head = (
        f"<p><b>{html.escape(variant)}</b>: {len(gone)} baseline statement(s), "
        f"{_count(per_call)} queries per call, no longer run"
        + (f" ({seen} listed above)" if seen else "")
        + (":" if new else ".")
        + "</p>"
    )
    items = [
        f"{_count(d.get('per_call'))} per call: {_statement(d['sql'])} "
        f"at <code>{html.escape(d['call_site'])}</code>"
        for d in new
    ]
    return [head + (_statement_list(items, limit) if items else "")]


def _plan_diffs_html(variant: str, diffs: Sequence[Mapping[str, Any]], limit: int) -> list[str]:
    changed = sorted(
        (d for d in diffs if d["verdict"] != "unchanged"),
        key=lambda d: VERDICT_ORDER.get(d["verdict"], 3),
    )
    if not changed:
        return []
    items = [
        f"{html.escape(d['verdict'])}: {html.escape(d['summary'])} ({_statement(d['sql'])})"
        for d in changed
    ]
    return [
        f"<p><b>{html.escape(variant)}</b>: plans changed against the baseline:</p>"
        + _statement_list(items, limit)
    ]


def scenario_html(
    name: str,
    summary_variants: Mapping[str, Mapping[str, Any]],
    result: MeasureResult | None,
    limit: int = 3,
) -> str:
    """One scenario's section: its figures per variant, what disappeared, what plans changed."""
    parts = [f"<h3>{html.escape(name)}</h3>"]
    info = result.scenarios.get(name, {}) if result is not None else {}
    if info.get("path"):
        who = f" as user {info['caller']} ({info['persona']})" if info.get("caller") else ""
        parts.append(
            f"<p>{html.escape(info.get('description') or '')}: "
            f"<code>GET {html.escape(info['path'])}</code>{html.escape(who)}</p>"
        )
    header = ["variant", "queries (data)", "N+1", "p50", "p95", "db time", "db CPU"]
    figures = Table(
        [*header, "p50 against the baseline"],
        _variant_rows(summary_variants),
        empty=f"{name} was not measured under any variant.",
    )
    parts.append(figures._repr_html_())
    measured = info.get("variants", {})
    listed: set[str] = set()
    for variant, figures_of in measured.items():
        if variant == BASELINE:
            continue
        parts.extend(_disappeared_html(variant, figures_of.get("disappeared", []), listed, limit))
        parts.extend(_plan_diffs_html(variant, figures_of.get("plan_diffs", []), limit))
    return "\n".join(parts)


def scenario_sections(summary: Mapping[str, Any], result: MeasureResult | None) -> list[str]:
    """Every scenario's section, in the summary's order."""
    return [scenario_html(s["name"], s["variants"], result) for s in summary.get("scenarios", [])]

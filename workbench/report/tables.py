"""The report's tables, as DataFrames (and small HTML blocks) built from measured results.

Notebooks display these and nothing else, so the numbers a reader sees are the ones
in the run folder, formatted the same way in every notebook. Inputs are
``analysis.measure.MeasureResult`` objects (often a merge of several stages, see
``workbench.report.run_folder``), the index audit's records and a ``summary.json`` mapping.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from analysis.measure import MeasureResult
from analysis.plans import Plan
from workbench.report.html import fmt
from workbench.report.run_folder import BASELINE, variants_of

if TYPE_CHECKING:
    import pandas as pd

VERDICT_ORDER = {"regressed": 0, "improved": 1, "unchanged": 2}


def _frame(rows: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(rows, columns=list(columns))


def _ratio(after: float | None, before: float | None) -> float | None:
    if after is None or before is None or before == 0:
        return None
    return round(after / before, 3)


# --------------------------------------------------------------------------- figures


FIGURE_COLUMNS = {
    "queries": "queries",
    "data_queries": "data queries",
    "count_queries": "count",
    "auth_queries": "auth",
    "n_plus_one": "N+1",
    "p50_ms": "p50 ms",
    "p95_ms": "p95 ms",
    "db_ms": "db ms",
    "db_cpu_ms": "db cpu ms",
}


def figures_frame(result: MeasureResult, variants: Sequence[str] | None = None) -> pd.DataFrame:
    """Scenario x variant: queries by kind, N+1 patterns, latency, database time and CPU.

    ``data queries`` leaves out the paginator's COUNT and the caller's lookup (``auth``),
    which is what "1 to 2 queries per endpoint" is about.
    """
    wanted = list(variants) if variants is not None else variants_of(result)
    rows = [
        {
            "scenario": name,
            "variant": variant,
            **{label: f.get(key) for key, label in FIGURE_COLUMNS.items()},
        }
        for name, scenario in result.scenarios.items()
        for variant in wanted
        if (f := scenario["variants"].get(variant)) is not None
    ]
    frame = _frame(rows, ["scenario", "variant", *FIGURE_COLUMNS.values()])
    return frame.set_index(["scenario", "variant"])


def overview_frame(
    result: MeasureResult,
    metrics: Sequence[str] = ("queries", "n_plus_one", "p50_ms"),
    variants: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per scenario, a column per metric and variant: the whole run on one screen."""
    import pandas as pd

    wanted = list(variants) if variants is not None else variants_of(result)
    columns = pd.MultiIndex.from_product([[FIGURE_COLUMNS[m] for m in metrics], wanted])
    rows = {
        name: [scenario["variants"].get(v, {}).get(m) for m in metrics for v in wanted]
        for name, scenario in result.scenarios.items()
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=columns).rename_axis("scenario")


def comparison_frame(result: MeasureResult, variant: str, baseline: str = BASELINE):
    """Per scenario, the baseline next to ``variant`` ("before -> after") and the ratios."""
    rows = []
    for name, scenario in result.scenarios.items():
        before, after = scenario["variants"].get(baseline), scenario["variants"].get(variant)
        if before is None or after is None:
            continue
        row: dict[str, Any] = {"scenario": name}
        for key in ("queries", "data_queries", "n_plus_one"):
            row[FIGURE_COLUMNS[key]] = f"{before[key]} -> {after[key]}"
        for key in ("p50_ms", "p95_ms", "db_ms"):
            row[FIGURE_COLUMNS[key]] = f"{before[key]:.2f} -> {after[key]:.2f}"
        row["p50 ratio"] = _ratio(after["p50_ms"], before["p50_ms"])
        row["db ratio"] = _ratio(after["db_ms"], before["db_ms"])
        rows.append(row)
    columns = ["scenario", "queries", "data queries", "N+1", "p50 ms", "p95 ms", "db ms"]
    return _frame(rows, [*columns, "p50 ratio", "db ratio"]).set_index("scenario")


def n_plus_one_frame(result: MeasureResult, variant: str = BASELINE) -> pd.DataFrame:
    """Every N+1 pattern a variant showed: how many queries, where from, and the fix."""
    rows = [
        {
            "scenario": name,
            "queries": d["count"],
            "ms": d["total_ms"],
            "call site": d["call_site"],
            "relation": d["relation"],
            "fix": d["fix"],
        }
        for name, scenario in result.scenarios.items()
        for d in scenario["variants"].get(variant, {}).get("n_plus_one_details", [])
    ]
    return _frame(rows, ["scenario", "queries", "ms", "call site", "relation", "fix"]).set_index(
        "scenario"
    )


def n_plus_one_totals(result: MeasureResult) -> dict[str, int]:
    """N+1 patterns over all scenarios, per variant."""
    return {
        variant: sum(
            s["variants"][variant]["n_plus_one"]
            for s in result.scenarios.values()
            if variant in s["variants"]
        )
        for variant in variants_of(result)
    }


# --------------------------------------------------------------------------- plans


def slowest_plans(
    result: MeasureResult, variant: str = BASELINE, top: int = 5
) -> list[tuple[str, dict[str, Any], Plan]]:
    """The ``top`` slowest distinct statements a variant ran: (scenario, entry, plan)."""
    timed = [
        (name, entry)
        for name, scenario in result.scenarios.items()
        for entry in scenario["variants"].get(variant, {}).get("plans", [])
        if entry.get("execution_ms") is not None
    ]
    timed.sort(key=lambda item: -item[1]["execution_ms"])
    out = []
    for name, entry in timed:
        document = result.plan_documents.get((name, variant, entry["fingerprint"]))
        if document is not None:
            out.append((name, entry, Plan.from_json(document["plan"])))
        if len(out) == top:
            break
    return out


def plan_findings_frame(result: MeasureResult, variant: str = BASELINE, top: int = 5):
    """The slowest statements with what their plans show (seq scans, misestimates...)."""
    rows = [
        {
            "scenario": name,
            "execution ms": entry["execution_ms"],
            "statement": entry["sql"],
            "call site": entry["call_site"],
            "plan": plan.summary(),
            "findings": "; ".join(str(f) for f in plan.findings()) or "none above the thresholds",
        }
        for name, entry, plan in slowest_plans(result, variant, top)
    ]
    columns = ["scenario", "execution ms", "statement", "call site", "plan", "findings"]
    return _frame(rows, columns).set_index("scenario")


def plan_diffs_frame(result: MeasureResult, variant: str, changed_only: bool = True):
    """A variant's plans against the baseline's, in words; regressions, then improvements."""
    rows = [
        {"scenario": name, "verdict": d["verdict"], "statement": d["sql"], "change": d["summary"]}
        for name, scenario in result.scenarios.items()
        for d in scenario["variants"].get(variant, {}).get("plan_diffs", [])
        if not changed_only or d["verdict"] != "unchanged"
    ]
    rows.sort(key=lambda r: VERDICT_ORDER.get(r["verdict"], 3))
    return _frame(rows, ["scenario", "verdict", "statement", "change"]).set_index("scenario")


def plan_verdicts(result: MeasureResult, variant: str) -> str:
    """How many of a variant's statements improved, stayed or regressed against the baseline."""
    counts = dict.fromkeys(VERDICT_ORDER, 0)
    for scenario in result.scenarios.values():
        for d in scenario["variants"].get(variant, {}).get("plan_diffs", []):
            counts[d["verdict"]] = counts.get(d["verdict"], 0) + 1
    return (
        f"{variant}: {sum(counts.values())} statement plans compared with the baseline's: "
        f"{counts['improved']} improved, {counts['regressed']} regressed, "
        f"{counts['unchanged']} unchanged"
    )


def disappeared_frame(result: MeasureResult, variant: str) -> pd.DataFrame:
    """Per scenario, the baseline statements ``variant`` no longer runs, most frequent first."""
    rows = [
        {
            "scenario": name,
            "per call": d.get("per_call"),
            "statement": d["sql"],
            "call site": d["call_site"],
        }
        for name, scenario in result.scenarios.items()
        for d in sorted(
            scenario["variants"].get(variant, {}).get("disappeared", []),
            key=lambda d: -(d.get("per_call") or 0),
        )
    ]
    return _frame(rows, ["scenario", "per call", "statement", "call site"]).set_index("scenario")


# --------------------------------------------------------------------------- cache, pages, audit


def mixed_frame(result: MeasureResult) -> pd.DataFrame:
    """The mixed workload under each variant that ran it: hit rates, cost per request, latency.

    Our hit rate counts entry lookups; Redis's ``INFO`` counts every key read, the
    generation keys each lookup also reads included, so it runs higher.
    """
    rows = []
    for variant, m in result.mixed.items():
        latency = m.get("read_latency") or {}
        rows.append(
            {
                "variant": variant,
                "hit rate (ours)": m.get("hit_rate"),
                "hit rate (Redis INFO)": m.get("redis_hit_rate"),
                "requests": m.get("requests"),
                "writes": m.get("writes"),
                "queries / request": m.get("queries_per_request"),
                "db ms / request": m.get("db_ms_per_request"),
                "read p50 ms": latency.get("p50_ms"),
                "read p95 ms": latency.get("p95_ms"),
            }
        )
    columns = ["variant", "hit rate (ours)", "hit rate (Redis INFO)", "requests", "writes"]
    more = ["queries / request", "db ms / request", "read p50 ms", "read p95 ms"]
    return _frame(rows, [*columns, *more]).set_index("variant")


def page_size_frame(counts: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Queries per scenario and variant at each page size, and whether the count grows."""
    import pandas as pd

    frame = pd.DataFrame(list(counts), columns=["scenario", "variant", "page_size", "queries"])
    if frame.empty:
        return frame
    wide = frame.pivot_table(
        index=["scenario", "variant"], columns="page_size", values="queries", aggfunc="first"
    )
    sizes = list(wide.columns)
    wide.columns = [f"queries at page size {size}" for size in sizes]
    wide["grows with the page"] = wide.iloc[:, -1] > wide.iloc[:, 0]
    order = {name: i for i, name in enumerate(dict.fromkeys(frame["scenario"]))}
    wide = wide.reset_index()
    wide = wide.sort_values(
        ["scenario", "variant"], key=lambda col: col.map(order) if col.name == "scenario" else col
    )
    return wide.set_index(["scenario", "variant"])


def audit_frame(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The index audit: verdict, what it duplicates, size, write cost, who uses it, the gain."""
    rows = [
        {
            "index": r["index"],
            "on": f"{r['table']} ({', '.join(r['columns'])})",
            "verdict": r["verdict"] + (" *" if r.get("note") else ""),
            "duplicates": r.get("duplicates") or "",
            "size kB": None if r.get("size_bytes") is None else round(r["size_bytes"] / 1024),
            "write x": r.get("write_cost_ratio"),
            "used by": ", ".join(r.get("used_by") or []),
            "gain ms": r.get("gain_ms"),
        }
        for r in records
    ]
    columns = ["index", "on", "verdict", "duplicates", "size kB", "write x", "used by", "gain ms"]
    return _frame(rows, columns).set_index("index")


def audit_notes(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """The notes behind the table's asterisks ("picked by the planner, but no measurable gain")."""
    return [f"* {r['index']}: {r['note']}" for r in records if r.get("note")]


def audit_summary(records: Sequence[Mapping[str, Any]]) -> str:
    counts = audit_counts(records)
    return (
        f"{len(records)} indexes: {counts['useful']} useful, {counts['redundant']} redundant, "
        f"{counts['unused']} unused by these scenarios"
    )


def audit_counts(records: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    return {v: sum(r["verdict"] == v for r in records) for v in ("useful", "redundant", "unused")}


# --------------------------------------------------------------------------- summary


def criteria_frame(summary: Mapping[str, Any]) -> pd.DataFrame:
    """The success criteria with their verdict first: what a reader wants at a glance."""
    rows = [
        {
            "verdict": "PASS" if c["passed"] else "FAIL",
            "criterion": c["name"],
            "measured": fmt(c["measured"], c.get("unit", "")),
            "target": c["target"],
        }
        for c in summary.get("criteria", [])
    ]
    return _frame(rows, ["criterion", "verdict", "measured", "target"]).set_index("criterion")


def _table(header: Sequence[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _variant_rows(variants: Mapping[str, Mapping[str, Any]]) -> list[list[Any]]:
    rows = []
    for variant, f in variants.items():
        ratio = (f.get("vs_baseline") or {}).get("p50_ms")
        rows.append(
            [
                variant,
                f"{f['queries']} ({f.get('data_queries', '?')})",
                f["n_plus_one"],
                fmt(float(f["p50_ms"]), "ms"),
                fmt(float(f["p95_ms"]), "ms"),
                fmt(float(f["db_ms"]), "ms"),
                fmt(f.get("db_cpu_ms"), "ms") if f.get("db_cpu_ms") is not None else "-",
                "" if ratio is None else f"{ratio:.2f}x",
            ]
        )
    return rows


def _count(value: float | None) -> str:
    """1.0 -> "1", 0.5 -> "0.5": per-call counts are whole numbers but for odd repeats."""
    if value is None:
        return "?"
    return f"{round(value, 2):g}"


def _statement_list(items: Sequence[Mapping[str, Any]], limit: int) -> str:
    shown = "".join(f"<li>{item}</li>" for item in items[:limit])
    more = f"<li>... and {len(items) - limit} more</li>" if len(items) > limit else ""
    return f"<ul>{shown}{more}</ul>"


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
        f"{_count(d.get('per_call'))} per call: <code>{html.escape(d['sql'])}</code> "
        f"at {html.escape(d['call_site'])}"
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
        f"{html.escape(d['verdict'])}: {html.escape(d['summary'])} "
        f"(<code>{html.escape(d['sql'])}</code>)"
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
    header = ["variant", "queries (data)", "N+1", "p50", "p95", "db time", "db CPU", "p50 vs base"]
    parts.append(_table(header, _variant_rows(summary_variants)))
    measured = info.get("variants", {})
    listed: set[str] = set()
    for variant, figures in measured.items():
        if variant == BASELINE:
            continue
        parts.extend(_disappeared_html(variant, figures.get("disappeared", []), listed, limit))
        parts.extend(_plan_diffs_html(variant, figures.get("plan_diffs", []), limit))
    return "\n".join(parts)


def scenario_sections(summary: Mapping[str, Any], result: MeasureResult | None) -> list[str]:
    """Every scenario's section, in the summary's order."""
    return [scenario_html(s["name"], s["variants"], result) for s in summary.get("scenarios", [])]


# --------------------------------------------------------------------------- seeding


def seed_rows_frame(seeded: Mapping[str, Any]) -> pd.DataFrame:
    """Rows per table, largest first, with the total (``seed.json`` or SeedResult.as_dict())."""
    import pandas as pd

    rows = pd.Series(seeded["rows"], name="rows").sort_values(ascending=False).to_frame()
    rows.loc["total"] = sum(seeded["rows"].values())
    return rows


def seed_timings_frame(seeded: Mapping[str, Any]) -> pd.DataFrame:
    import pandas as pd

    timings = {
        "generate (s)": seeded["generate_s"],
        "load (s)": seeded["load_s"],
        "keys and indexes (s)": seeded["index_s"],
        "analyze (s)": seeded["analyze_s"],
        "total (s)": seeded["seconds"],
        "rows per second": round(seeded["rows_per_s"]),
    }
    return pd.Series(timings).to_frame("value")

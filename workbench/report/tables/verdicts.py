"""The success criteria and the mixed workload they are judged on, as tables.

``criteria_frame`` shows each criterion with the traffic it was judged on, its figure's
95% interval and the samples behind it; ``mixed_frame`` the mixed workload under each
variant (latency with intervals, hit rate per request beside per lookup, cost per
request); ``hit_miss_frame`` the isolated hit-path and miss-path latencies of the
cached variants, reported beside the criteria; ``slow_statements_frame`` the statements
over the per-query limit, with their call site and plan finding.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workbench.report import formats
from workbench.report.tables.table import Code, Table, table


def measured(value: Any, unit: str = "") -> str:
    """A criterion's figure with its unit: ``17.10 ms``, ``94.3%``, ``2``."""
    if value is None:
        return "not measured"
    if unit == "%":
        return formats.percent(value)
    if unit == "ms":
        return formats.ms(value)
    text = formats.cell(value)
    return f"{text} {unit}".strip() if unit else text


def interval(ci: Any, unit: str = "") -> str:
    """``[low, high]`` in words: ``1.20 to 3.40 ms``; empty without an interval."""
    if not isinstance(ci, list | tuple) or len(ci) != 2 or None in ci:
        return ""
    low, high = (float(v) for v in ci)
    if unit == "%":
        return f"{formats.percent(low)} to {formats.percent(high)}"
    return f"{formats.decimal(low)} to {formats.decimal(high)}{' ' + unit if unit else ''}"


def _samples(value: Any) -> str:
    if isinstance(value, list):
        return " / ".join("?" if v is None else formats.count(v) for v in value)
    return "" if value is None else formats.count(value)


def criteria_frame(summary: Mapping[str, Any]) -> Table:
    """The success criteria with their verdict first, then what they were judged on."""
    rows = [
        [
            c["name"],
            "PASS" if c["passed"] else "FAIL",
            measured(c["measured"], c.get("unit", "")),
            interval(c.get("ci"), c.get("unit", "")) or formats.NOTHING,
            _samples(c.get("samples")) or formats.NOTHING,
            c.get("measured_on") or formats.NOTHING,
            c["target"],
            c.get("detail") or "",
        ]
        for c in summary.get("criteria", [])
    ]
    header = ["criterion", "verdict", "measured", "95% interval", "samples", "measured on"]
    return table(
        [*header, "target", "detail"],
        rows,
        empty="No success criterion was judged in this run (06_report judges them).",
    )


def _latency(figures: Mapping[str, Any], q: int) -> str:
    value = figures.get(f"p{q}_ms")
    if value is None:
        return formats.NOTHING
    ci = interval(figures.get(f"p{q}_ci"))
    return f"{formats.ms(value)} ({ci})" if ci else formats.ms(value)


def mixed_frame(mixed: Mapping[str, Mapping[str, Any]] | Any) -> Table:
    """The mixed workload under each variant: latency, hit rates, cost per request.

    Takes the summary's ``mixed`` section or a ``MeasureResult`` (its ``mixed``). Our
    per-lookup hit rate counts entry lookups; Redis's ``INFO`` counts every key read,
    generation keys included, so it runs higher; the per-request rate is the criterion's.
    """
    runs = getattr(mixed, "mixed", mixed) or {}
    rows = [
        [
            variant,
            formats.count(m.get("samples", m.get("requests"))),
            formats.count(m.get("writes")),
            _latency(m, 50),
            _latency(m, 95),
            _latency(m, 99),
            formats.percent(m.get("hit_rate_per_request"), fraction=True),
            formats.percent(m.get("hit_rate"), fraction=True),
            formats.percent(m.get("redis_hit_rate"), fraction=True),
            formats.decimal(m.get("queries_per_request")),
            formats.ms(m.get("db_ms_per_request")),
            formats.ms(m.get("db_cpu_ms_per_request")),
            formats.ms(m.get("max_statement_ms")),
        ]
        for variant, m in runs.items()
    ]
    header = ["variant", "requests", "writes", "p50 (95% interval)", "p95 (95% interval)"]
    header += ["p99 (95% interval)", "hit rate per request", "hit rate per lookup"]
    header += ["hit rate (Redis INFO)", "queries / request", "db time / request"]
    header += ["db CPU / request", "longest statement"]
    return table(header, rows, empty="The mixed workload did not run in this run.")


def hit_miss_frame(summary: Mapping[str, Any]) -> Table:
    """Per scenario and cached variant, the isolated calls that hit and those that missed."""
    rows = []
    for scenario in summary.get("scenarios", []):
        for variant, f in scenario["variants"].items():
            hit, miss = f.get("hit"), f.get("miss")
            if hit is None and miss is None:
                continue
            rows.append(
                [
                    scenario["name"],
                    variant,
                    formats.count((hit or {}).get("samples", 0)),
                    _latency(hit or {}, 50),
                    _latency(hit or {}, 95),
                    formats.count((miss or {}).get("samples", 0)),
                    _latency(miss or {}, 50),
                    _latency(miss or {}, 95),
                ]
            )
    header = ["scenario", "variant", "hits", "hit p50", "hit p95", "misses", "miss p50"]
    return table(
        [*header, "miss p95"],
        rows,
        empty="No cached variant was measured on its own in this run, so there are no hit "
        "and miss latencies.",
        index=2,
    )


def slow_statements_frame(mixed: Mapping[str, Mapping[str, Any]], variant: str) -> Table:
    """The statements of ``variant``'s mixed traffic over the per-query limit, slowest first."""
    run = mixed.get(variant) or {}
    rows = [
        [
            formats.ms(s.get("max_ms")),
            formats.count(s.get("over_limit")),
            formats.count(s.get("calls")),
            Code(s.get("call_site") or formats.NOTHING),
            s.get("plan_finding") or formats.NOTHING,
            Code(" ".join(str(s.get("sql", "")).split())),
        ]
        for s in run.get("slowest_statements") or []
    ]
    if not run:
        empty = f"The mixed workload did not run under {variant}."
    else:
        limit = run.get("slow_ms")
        over = f"over {formats.ms(limit)}" if limit is not None else "over the limit"
        empty = f"No statement of {variant}'s mixed traffic ran {over}."
    return table(
        ["longest", "runs over the limit", "runs", "call site", "plan finding", "statement"],
        rows,
        empty=empty,
        index=0,
    )

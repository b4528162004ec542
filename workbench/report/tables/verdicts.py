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
from typing import TYPE_CHECKING, Any

from workbench.report.html import fmt
from workbench.report.tables.frames import make_frame

if TYPE_CHECKING:
    import pandas as pd


def interval(ci: Any, unit: str = "") -> str:
    """``[low, high]`` in words: ``1.2 to 3.4 ms``; empty without an interval."""
    if not isinstance(ci, list | tuple) or len(ci) != 2:
        return ""
    low, high = (float(v) for v in ci)
    return f"{fmt(low)} to {fmt(high, unit)}"


def _samples(value: Any) -> str:
    if isinstance(value, list):
        return " / ".join("?" if v is None else f"{v:,}" for v in value)
    return "" if value is None else f"{value:,}"


def criteria_frame(summary: Mapping[str, Any]) -> pd.DataFrame:
    """The success criteria with their verdict first, then what they were judged on."""
    rows = [
        {
            "verdict": "PASS" if c["passed"] else "FAIL",
            "criterion": c["name"],
            "measured": fmt(c["measured"], c.get("unit", "")),
            "95% interval": interval(c.get("ci"), c.get("unit", "")),
            "samples": _samples(c.get("samples")),
            "measured on": c.get("measured_on", ""),
            "target": c["target"],
            "detail": c.get("detail") or "",
        }
        for c in summary.get("criteria", [])
    ]
    columns = ["criterion", "verdict", "measured", "95% interval", "samples", "measured on"]
    return make_frame(rows, [*columns, "target", "detail"]).set_index("criterion")


def _latency(figures: Mapping[str, Any], q: int) -> str:
    value = figures.get(f"p{q}_ms")
    if value is None:
        return ""
    shown = fmt(float(value))
    ci = interval(figures.get(f"p{q}_ci"))
    return f"{shown} ({ci})" if ci else shown


def mixed_frame(mixed: Mapping[str, Mapping[str, Any]] | Any) -> pd.DataFrame:
    """The mixed workload under each variant: latency, hit rates, cost per request.

    Takes the summary's ``mixed`` section or a ``MeasureResult`` (its ``mixed``). Our
    per-lookup hit rate counts entry lookups; Redis's ``INFO`` counts every key read,
    generation keys included, so it runs higher; the per-request rate is the criterion's.
    """
    runs = getattr(mixed, "mixed", mixed) or {}
    rows = []
    for variant, m in runs.items():
        rate, lookups = m.get("hit_rate_per_request"), m.get("hit_rate")
        rows.append(
            {
                "variant": variant,
                "requests": m.get("samples", m.get("requests")),
                "writes": m.get("writes"),
                "p50 ms (95% interval)": _latency(m, 50),
                "p95 ms (95% interval)": _latency(m, 95),
                "p99 ms (95% interval)": _latency(m, 99),
                "hit rate per request": rate,
                "hit rate per lookup": lookups,
                "hit rate (Redis INFO)": m.get("redis_hit_rate"),
                "queries / request": m.get("queries_per_request"),
                "db ms / request": m.get("db_ms_per_request"),
                "db cpu ms / request": m.get("db_cpu_ms_per_request"),
                "longest statement ms": m.get("max_statement_ms"),
            }
        )
    columns = list(rows[0]) if rows else ["variant"]
    return make_frame(rows, columns).set_index("variant")


def hit_miss_frame(summary: Mapping[str, Any]) -> pd.DataFrame:
    """Per scenario and cached variant, the isolated calls that hit and those that missed."""
    rows = []
    for scenario in summary.get("scenarios", []):
        for variant, f in scenario["variants"].items():
            hit, miss = f.get("hit"), f.get("miss")
            if hit is None and miss is None:
                continue
            rows.append(
                {
                    "scenario": scenario["name"],
                    "variant": variant,
                    "hits": (hit or {}).get("samples", 0),
                    "hit p50 ms": _latency(hit or {}, 50),
                    "hit p95 ms": _latency(hit or {}, 95),
                    "misses": (miss or {}).get("samples", 0),
                    "miss p50 ms": _latency(miss or {}, 50),
                    "miss p95 ms": _latency(miss or {}, 95),
                }
            )
    columns = ["scenario", "variant", "hits", "hit p50 ms", "hit p95 ms", "misses"]
    return make_frame(rows, [*columns, "miss p50 ms", "miss p95 ms"])


def slow_statements_frame(mixed: Mapping[str, Mapping[str, Any]], variant: str) -> pd.DataFrame:
    """The statements of ``variant``'s mixed traffic over the per-query limit, slowest first."""
    rows = [
        {
            "max ms": s.get("max_ms"),
            "runs over the limit": s.get("over_limit"),
            "runs": s.get("calls"),
            "call site": s.get("call_site"),
            "plan finding": s.get("plan_finding") or "",
            "sql": " ".join(str(s.get("sql", "")).split())[:160],
        }
        for s in (mixed.get(variant) or {}).get("slowest_statements") or []
    ]
    columns = ["max ms", "runs over the limit", "runs", "call site", "plan finding", "sql"]
    return make_frame(rows, columns)

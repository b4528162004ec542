"""The plans of what a scenario ran, and how they differ from the baseline's.

Each distinct statement shape (fingerprint) of the timed calls, and of the first
warm-up call (what a cold cache costs), is run once more under ``EXPLAIN (ANALYZE,
BUFFERS)`` (``analysis.explain``). The baseline variant's plans are kept; every other
variant's plan is diffed against the baseline's plan of the same fingerprint
(``analysis.plandiff``), and the baseline's statements a variant no longer issues are
listed as *disappeared*.

A diff calls a plan improved or regressed only when the interval of its execution time
says so, which takes several runs: ``EXPLAIN_RUNS`` (5, after one discarded warm-up run)
is the default a caller should pass as ``explain_runs``. The stored document keeps every
run's execution time under ``analysis.plandiff.RUNS_KEY``, so a later process diffing
against a stored baseline (``reference``) still knows the baseline's spread.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from analysis.explain import ExplainError
from analysis.explain import explain as run_explain
from analysis.fingerprint import brief
from analysis.measure.classify import CONTROL_KINDS
from analysis.measure.result import MeasureResult
from analysis.plandiff import RUNS_KEY, diff_plans
from analysis.records import QueryRecord
from analysis.stats import rounded

EXPLAINED_KINDS = ("SELECT", "WITH")
# Runs of EXPLAIN ANALYZE per statement for an interval of its execution time (see above).
EXPLAIN_RUNS = 5


def _explainable(records: Iterable[QueryRecord]) -> dict[str, tuple[QueryRecord, int]]:
    """First record and count of every fingerprint a plan can be asked for, in order."""
    out: dict[str, tuple[QueryRecord, int]] = {}
    for record in records:
        if record.many or record.error or record.kind not in EXPLAINED_KINDS:
            continue
        fp = record.fingerprint
        first, count = out.get(fp, (record, 0))
        out[fp] = (first, count + 1)
    return out


def _fingerprints(records: Iterable[QueryRecord]) -> dict[str, tuple[QueryRecord, int]]:
    out: dict[str, tuple[QueryRecord, int]] = {}
    for record in records:
        if record.kind in CONTROL_KINDS:
            continue
        first, count = out.get(record.fingerprint, (record, 0))
        out[record.fingerprint] = (first, count + 1)
    return out


def _json_params(params: Any) -> Any:
    try:
        json.dumps(params)
        return params
    except TypeError:
        return json.loads(json.dumps(params, default=str))


def record_plans(
    result: MeasureResult,
    figures: dict[str, Any],
    scenario: str,
    variant: str,
    records: list[QueryRecord],
    warm: list[QueryRecord],
    *,
    calls: int,
    explain: bool,
    explain_runs: int,
    is_baseline: bool,
    baseline_plans: dict[tuple[str, str], Any],
    baseline_fps: dict[str, dict[str, dict[str, Any]]],
) -> None:
    seen = {
        fp: {
            "fingerprint": fp,
            "sql": brief(r.sql),
            "call_site": r.call_site.short,
            "per_call": round(n / calls, 2),
        }
        for fp, (r, n) in _fingerprints(records).items()
    }
    plans, diffs = [], []
    timed = _explainable(records)
    # Statements only the first warm-up call issued: what a cache miss costs.
    cold = {fp: (r, 0) for fp, (r, _) in _explainable(warm).items() if fp not in timed}
    if explain:
        for fp, (record, count) in {**timed, **cold}.items():
            entry: dict[str, Any] = {
                "fingerprint": fp,
                "sql": brief(record.sql),
                "call_site": record.call_site.short,
                "per_call": round(count / calls, 2),
                "seen_in": "timed" if fp in timed else "warmup",
            }
            try:
                explained = run_explain(record, runs=explain_runs, warmup=min(explain_runs - 1, 1))
            except ExplainError as exc:
                entry["error"] = str(exc)
                plans.append(entry)
                continue
            file = f"plans/{scenario}/{variant}/{fp}.json"
            entry.update(
                execution_ms=rounded(explained.execution_ms),
                planning_ms=rounded(explained.planning_ms),
                summary=explained.plan.summary(),
                file=file,
            )
            plans.append(entry)
            result.plan_documents[(scenario, variant, fp)] = {
                "scenario": scenario,
                "variant": variant,
                "fingerprint": fp,
                "sql": record.sql,
                "params": _json_params(record.params),
                "call_site": record.call_site.short,
                "plan": {**explained.document, RUNS_KEY: explained.execution_runs_ms},
            }
            if is_baseline:
                baseline_plans[(scenario, fp)] = explained
            elif (scenario, fp) in baseline_plans:
                diff = diff_plans(baseline_plans[(scenario, fp)], explained)
                diffs.append(
                    {
                        "fingerprint": fp,
                        "sql": entry["sql"],
                        "verdict": diff.verdict,
                        "flip": diff.flip,
                        "rule": diff.rule,
                        "speedup": diff.speedup,
                        "summary": diff.summary,
                    }
                )
    figures["plans"] = plans
    figures["plan_diffs"] = diffs
    figures["statements"] = list(seen.values())
    if is_baseline:
        baseline_fps[scenario] = seen
        figures["disappeared"] = []
    elif scenario in baseline_fps:
        figures["disappeared"] = [
            {k: statement.get(k) for k in ("fingerprint", "sql", "call_site", "per_call")}
            for fp, statement in baseline_fps[scenario].items()
            if fp not in seen
        ]
    else:
        figures["disappeared"] = []

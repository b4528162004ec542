"""The statements' plans in tables: the slowest, what their plans show, how they changed,
and which baseline statements a variant no longer runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from analysis.measure import MeasureResult
from analysis.planfindings import plan_findings
from analysis.plans import Plan
from workbench.report.tables.frames import make_frame
from workbench.study.variants import BASELINE

if TYPE_CHECKING:
    import pandas as pd

VERDICT_ORDER = {"regressed": 0, "improved": 1, "unchanged": 2}


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
            "findings": "; ".join(str(f) for f in plan_findings(plan))
            or "none above the thresholds",
        }
        for name, entry, plan in slowest_plans(result, variant, top)
    ]
    columns = ["scenario", "execution ms", "statement", "call site", "plan", "findings"]
    return make_frame(rows, columns).set_index("scenario")


def plan_diffs_frame(result: MeasureResult, variant: str, changed_only: bool = True):
    """A variant's plans against the baseline's, in words; regressions, then improvements."""
    rows = [
        {"scenario": name, "verdict": d["verdict"], "statement": d["sql"], "change": d["summary"]}
        for name, scenario in result.scenarios.items()
        for d in scenario["variants"].get(variant, {}).get("plan_diffs", [])
        if not changed_only or d["verdict"] != "unchanged"
    ]
    rows.sort(key=lambda r: VERDICT_ORDER.get(r["verdict"], 3))
    return make_frame(rows, ["scenario", "verdict", "statement", "change"]).set_index("scenario")


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
    return make_frame(rows, ["scenario", "per call", "statement", "call site"]).set_index(
        "scenario"
    )

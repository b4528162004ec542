"""The statements' plans in tables: the slowest, what their plans show, how they changed,
and which baseline statements a variant no longer runs.
"""

from __future__ import annotations

from typing import Any

from analysis.measure import MeasureResult
from analysis.planfindings import plan_findings
from analysis.plans import Plan
from workbench.report import formats
from workbench.report.tables.table import Code, Table, table
from workbench.study.variants import BASELINE

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


def plan_findings_frame(result: MeasureResult, variant: str = BASELINE, top: int = 5) -> Table:
    """The slowest statements with what their plans show (seq scans, misestimates...)."""
    rows = [
        [
            name,
            formats.ms(entry["execution_ms"]),
            Code(entry["sql"]),
            Code(entry["call_site"]),
            plan.summary(),
            "; ".join(str(f) for f in plan_findings(plan)) or "none above the thresholds",
        ]
        for name, entry, plan in slowest_plans(result, variant, top)
    ]
    return table(
        ["scenario", "execution", "statement", "call site", "plan", "findings"],
        rows,
        empty=f"No statement of {variant} was explained in this run (plans are taken with "
        "explain on).",
    )


def plan_diffs_frame(result: MeasureResult, variant: str, changed_only: bool = True) -> Table:
    """A variant's plans against the baseline's, in words; regressions, then improvements."""
    diffs = [
        (name, d)
        for name, scenario in result.scenarios.items()
        for d in scenario["variants"].get(variant, {}).get("plan_diffs", [])
    ]
    shown = [(n, d) for n, d in diffs if not changed_only or d["verdict"] != "unchanged"]
    shown.sort(key=lambda item: VERDICT_ORDER.get(item[1]["verdict"], 3))
    rows = [[name, d["verdict"], Code(d["sql"]), d["summary"]] for name, d in shown]
    if diffs:
        empty = (
            f"All {len(diffs)} statement plans of {variant} compared with the baseline's are "
            "unchanged (within noise): none improved or regressed."
        )
    else:
        empty = f"No statement of {variant} ran in the baseline too, so no plan to compare."
    return table(["scenario", "verdict", "statement", "change"], rows, empty=empty)


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


def disappeared_frame(result: MeasureResult, variant: str) -> Table:
    """Per scenario, the baseline statements ``variant`` no longer runs, most frequent first."""
    rows = [
        [name, formats.count(d.get("per_call")), Code(d["sql"]), Code(d["call_site"])]
        for name, scenario in result.scenarios.items()
        for d in sorted(
            scenario["variants"].get(variant, {}).get("disappeared", []),
            key=lambda d: -(d.get("per_call") or 0),
        )
    ]
    return table(
        ["scenario", "per call", "statement", "call site"],
        rows,
        empty=f"{variant} still runs every statement the baseline ran.",
    )

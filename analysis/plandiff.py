"""Before and after plans of one statement: what changed, in words and numbers, and a verdict.

Plan viewers' most requested missing feature (dalibo/pev2#377, pgMustard#33) is this
comparison. Structural changes come first (a sequential scan became an index scan, a
hash join became a nested loop, a sort disappeared) because they explain the numbers.
The verdict weighs buffers (deterministic for a given plan and data) and execution
time (what users feel): a change counts when it moves by at least ``min_change``
(20%) and an absolute floor, so sub-millisecond jitter does not read as a win. When
they disagree, time decides and the summary says so. Plans without ANALYZE are
compared on the planner's total cost.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from analysis.fingerprint import fingerprint
from analysis.plans import Plan

if TYPE_CHECKING:
    import pandas as pd

VERDICTS = ("improved", "unchanged", "regressed")


def _as_plan(value: Any) -> tuple[Plan, str | None, list[float]]:
    """The plan, its SQL when known, and its measured execution times (ExplainResult runs)."""
    if isinstance(value, Plan):
        return value, None, [value.execution_ms] if value.execution_ms is not None else []
    plan = getattr(value, "plan", None)
    if isinstance(plan, Plan):  # an ExplainResult
        return plan, getattr(value, "sql", None), list(value.execution_runs_ms)
    plan = Plan.from_json(value)
    return plan, None, [plan.execution_ms] if plan.execution_ms is not None else []


def _paths(plan: Plan) -> dict[str, list[str]]:
    """Access paths per relation, in plan order (``Seq Scan on t``, ``Index Scan using i on t``)."""
    paths: dict[str, list[str]] = {}
    for node in plan.nodes:
        if node.relation:
            paths.setdefault(node.relation, []).append(node.label)
    for node in plan.nodes:  # a Bitmap Index Scan names only its index
        if node.index and not node.relation:
            parent = plan.nodes[node.parent_id] if node.parent_id is not None else None
            while parent is not None and not parent.relation and parent.parent_id is not None:
                parent = plan.nodes[parent.parent_id]
            if parent is not None and parent.relation:
                paths.setdefault(parent.relation, []).append(node.label)
    return paths


def _structural(before: Plan, after: Plan) -> list[str]:
    changes = []
    b_paths, a_paths = _paths(before), _paths(after)
    for relation in dict.fromkeys([*b_paths, *a_paths]):
        old, new = b_paths.get(relation, []), a_paths.get(relation, [])
        if old != new:
            changes.append(
                f"{' + '.join(old) or f'no scan of {relation}'} -> {' + '.join(new) or 'not scanned'}"
            )
    kinds = ("Hash Join", "Merge Join", "Nested Loop", "Sort", "Incremental Sort", "Hash",
             "Gather", "Gather Merge", "Materialize", "Memoize")  # fmt: skip
    old = Counter(n.node_type for n in before.nodes if n.node_type in kinds)
    new = Counter(n.node_type for n in after.nodes if n.node_type in kinds)
    for kind in kinds:
        if old[kind] != new[kind]:
            word = "removed" if new[kind] < old[kind] else "added"
            changes.append(f"{kind} {word} ({old[kind]} -> {new[kind]})")
    return changes


def _direction(before: float, after: float, min_change: float, floor: float) -> int:
    """-1 better (smaller), +1 worse, 0 within noise (under ``floor`` or ``min_change``)."""
    delta = after - before
    if abs(delta) < floor or abs(delta) < min_change * max(before, 0.0):
        return 0
    return -1 if delta < 0 else 1


def _ms(value: float) -> str:
    """Milliseconds with enough digits to tell small values apart (41.2, 0.61, 0.012)."""
    if value >= 10:
        return f"{value:,.1f}"
    return f"{value:.2f}" if value >= 0.1 else f"{value:.3f}"


def _ratio(before: float, after: float) -> str:
    if before <= 0 or after <= 0:
        return ""
    factor = max(before, after) / min(before, after)
    if factor < 1.05:
        return ""
    text = f"{factor:,.0f}x" if factor >= 10 else f"{factor:.1f}x"
    return f" ({text})" if after < before else f" ({text} slower)"


@dataclass
class PlanDiff:
    """The comparison; ``verdict`` is one of improved, unchanged, regressed."""

    before: Plan
    after: Plan
    verdict: str
    changes: list[str]
    metrics: dict[str, tuple[float | None, float | None]]
    notes: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        parts = ["; ".join(self.changes) if self.changes else "same plan shape"]
        ms = self.metrics.get("execution_ms")
        if ms and ms[0] is not None and ms[1] is not None:
            parts.append(f"execution {_ms(ms[0])} ms -> {_ms(ms[1])} ms{_ratio(*ms)}")
        hit, read = self.metrics.get("shared_hit"), self.metrics.get("shared_read")
        if hit and read and self.before.analyzed and self.after.analyzed:
            parts.append(
                f"shared buffers read {read[0]:,.0f} -> {read[1]:,.0f}, "
                f"hit {hit[0]:,.0f} -> {hit[1]:,.0f}"
            )
        cost = self.metrics["total_cost"]
        if not (self.before.analyzed and self.after.analyzed):
            parts.append(f"cost {cost[0]:,.2f} -> {cost[1]:,.2f}{_ratio(*cost)}")
        return "; ".join(parts + self.notes)

    def __str__(self) -> str:
        return f"{self.verdict}: {self.summary}"

    def frame(self) -> pd.DataFrame:
        """Metrics side by side: metric, before, after, change factor."""
        import pandas as pd

        rows = []
        for name, (b, a) in self.metrics.items():
            factor = (a / b) if (a is not None and b) else None
            rows.append({"metric": name, "before": b, "after": a, "after_over_before": factor})
        return pd.DataFrame(rows, columns=["metric", "before", "after", "after_over_before"])


def _metrics(before: Plan, after: Plan) -> dict[str, tuple[float | None, float | None]]:
    return {
        "execution_ms": (before.execution_ms, after.execution_ms),
        "planning_ms": (before.planning_ms, after.planning_ms),
        "total_cost": (before.total_cost, after.total_cost),
        "shared_hit": (float(before.shared_hit), float(after.shared_hit)),
        "shared_read": (float(before.shared_read), float(after.shared_read)),
        "temp_written": (float(before.temp_written), float(after.temp_written)),
        "rows": (before.root.rows_total, after.root.rows_total),
    }


def _time_direction(
    before: list[float], after: list[float], min_change: float, min_ms: float
) -> int:
    """Median against median, and with several runs each, ranges that do not overlap."""
    if not before or not after:
        return 0
    direction = _direction(statistics.median(before), statistics.median(after), min_change, min_ms)
    if len(before) > 1 and len(after) > 1:
        if direction < 0 and max(after) >= min(before):
            return 0
        if direction > 0 and min(after) <= max(before):
            return 0
    return direction


def _verdict(
    before: Plan,
    after: Plan,
    runs: tuple[list[float], list[float]],
    min_change: float,
    min_ms: float,
    notes: list[str],
) -> str:
    if not (before.analyzed and after.analyzed):
        direction = _direction(before.total_cost, after.total_cost, min_change, 0.01)
        return VERDICTS[direction + 1]
    time = _time_direction(*runs, min_change, min_ms)
    buffers = _direction(
        float(before.shared_hit + before.shared_read + before.temp_written),
        float(after.shared_hit + after.shared_read + after.temp_written),
        min_change,
        2.0,
    )
    if time and buffers and time != buffers:
        notes.append("buffers moved the other way than time; time decides")
    direction = time or buffers
    return VERDICTS[direction + 1]


def diff_plans(
    before: Any, after: Any, *, min_change: float = 0.2, min_ms: float = 0.05
) -> PlanDiff:
    """Compare two plans (Plan, ExplainResult or EXPLAIN JSON) of the same statement.

    With ExplainResults of several runs, time counts as changed only when the medians
    differ by ``min_change`` and the two ranges of runs do not overlap.
    """
    before_plan, before_sql, before_runs = _as_plan(before)
    after_plan, after_sql, after_runs = _as_plan(after)
    notes: list[str] = []
    if before_sql and after_sql and fingerprint(before_sql) != fingerprint(after_sql):
        notes.append("note: the two plans are of different statements")
    verdict = _verdict(
        before_plan, after_plan, (before_runs, after_runs), min_change, min_ms, notes
    )
    metrics = _metrics(before_plan, after_plan)
    if before_runs and after_runs:
        metrics["execution_ms"] = (statistics.median(before_runs), statistics.median(after_runs))
    return PlanDiff(
        before=before_plan,
        after=after_plan,
        verdict=verdict,
        changes=_structural(before_plan, after_plan),
        metrics=metrics,
        notes=notes,
    )

"""Before and after plans of one statement: what changed, in words and numbers, and a verdict.

Plan viewers' most requested missing feature (dalibo/pev2#377, pgMustard#33) is this
comparison. Structural changes come first (a sequential scan became an index scan, a
hash join became a nested loop, a sort disappeared) because they explain the numbers.

The verdict follows the instrument's one rule for "faster" (``analysis.stats``): with
several EXPLAIN ANALYZE runs of each plan, the speedup of the median execution time has
a bootstrap interval, and a plan is "improved" or "regressed" only when that interval
excludes 1 *and* the change reaches ``min_change`` (``stats.MIN_EFFECT``, 10%) and an
absolute floor (``min_ms``); anything else is "unchanged". Buffers (deterministic for a
plan and its data) never decide; when they move against time, or without it, the
summary says so. A structural change judged "unchanged" with the same rows is a *plan
flip*: the planner picked an equivalent plan, and the summary starts with that word.

With a single run of either plan there is no interval: the fallback (marked in the
summary) needs time and buffers to agree, each moving by twice ``min_change``. Plans
without ANALYZE are compared on the planner's total cost. A stored plan document keeps
its runs' execution times under ``RUNS_KEY`` (``analysis.measure.plancapture`` writes
it), so a plan read back from a results folder keeps its spread.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from analysis import stats
from analysis.fingerprint import fingerprint
from analysis.plans import Plan

if TYPE_CHECKING:
    import pandas as pd

VERDICTS = ("improved", "unchanged", "regressed")
# Where a stored EXPLAIN document keeps the execution times (ms) of every run it stands for.
RUNS_KEY = "Execution Runs"


def _runs(plan: Plan) -> list[float]:
    stored = plan.document.get(RUNS_KEY)
    if stored:
        return [float(v) for v in stored]
    return [plan.execution_ms] if plan.execution_ms is not None else []


def _as_plan(value: Any) -> tuple[Plan, str | None, list[float]]:
    """The plan, its SQL when known, and its measured execution times (ExplainResult runs)."""
    if isinstance(value, Plan):
        return value, None, _runs(value)
    plan = getattr(value, "plan", None)
    if isinstance(plan, Plan):  # an ExplainResult
        return plan, getattr(value, "sql", None), list(value.execution_runs_ms)
    plan = Plan.from_json(value)
    return plan, None, _runs(plan)


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
    """The comparison; ``verdict`` is one of improved, unchanged, regressed.

    ``rule`` is how it was decided: ``interval`` (several runs each), ``fallback`` (a
    single run of either plan) or ``cost`` (no ANALYZE); ``speedup`` is
    ``analysis.stats.judge``'s dict of the median execution time under ``interval``.
    """

    before: Plan
    after: Plan
    verdict: str
    changes: list[str]
    metrics: dict[str, tuple[float | None, float | None]]
    notes: list[str] = field(default_factory=list)
    rule: str = "interval"
    speedup: dict[str, Any] | None = None

    @property
    def flip(self) -> bool:
        """A different plan shape that is not better or worse, with the same rows."""
        rows = self.metrics.get("rows", (None, None))
        return bool(self.changes) and self.verdict == "unchanged" and rows[0] == rows[1]

    @property
    def summary(self) -> str:
        shape = "; ".join(self.changes) if self.changes else "same plan shape"
        parts = [f"plan flip: {shape}" if self.flip else shape]
        ms = self.metrics.get("execution_ms")
        if ms and ms[0] is not None and ms[1] is not None:
            text = f"execution {_ms(ms[0])} ms -> {_ms(ms[1])} ms{_ratio(*ms)}"
            judged = self.speedup
            if judged and judged.get("ci"):
                low, high = judged["ci"]
                runs = judged["samples"]
                text += f" (speedup {judged['speedup']:.2f}x, 95% CI {low:.2f}-{high:.2f}, "
                text += f"{runs[0]} and {runs[1]} runs)"
            parts.append(text)
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


def _buffers(plan: Plan) -> float:
    return float(plan.shared_hit + plan.shared_read + plan.temp_written)


def _verdict(
    before: Plan,
    after: Plan,
    runs: tuple[list[float], list[float]],
    min_change: float,
    min_ms: float,
    notes: list[str],
) -> tuple[str, str, dict[str, Any] | None]:
    """The verdict, the rule that decided it, and the judged speedup (interval rule only)."""
    if not (before.analyzed and after.analyzed):
        direction = _direction(before.total_cost, after.total_cost, min_change, 0.01)
        return VERDICTS[direction + 1], "cost", None
    b_runs, a_runs = runs
    if len(b_runs) >= 2 and len(a_runs) >= 2:
        buffers = _direction(_buffers(before), _buffers(after), min_change, 2.0)
        judged = stats.judge(b_runs, a_runs, 50, min_effect=min_change)
        time = {"faster": -1, "slower": 1}.get(str(judged["verdict"]), 0)
        if abs(statistics.median(a_runs) - statistics.median(b_runs)) < min_ms:
            time = 0
        if time and buffers and time != buffers:
            notes.append("buffers moved the other way than time; time decides")
        elif buffers and not time:
            notes.append("buffers moved, but time stayed within its spread")
        return VERDICTS[time + 1], "interval", judged
    # One run of either plan: no interval. Time and buffers must agree, by twice the effect.
    buffers = _direction(_buffers(before), _buffers(after), 2 * min_change, 2.0)
    time = 0
    if b_runs and a_runs:
        time = _direction(b_runs[0], a_runs[0], 2 * min_change, min_ms)
    direction = time if time == buffers else 0
    if time or buffers:
        notes.append("one run of a plan, no interval: time and buffers must agree (fallback)")
    return VERDICTS[direction + 1], "fallback", None


def diff_plans(
    before: Any, after: Any, *, min_change: float = stats.MIN_EFFECT, min_ms: float = 0.05
) -> PlanDiff:
    """Compare two plans (Plan, ExplainResult or EXPLAIN JSON) of the same statement.

    With several runs of each (an ExplainResult, or a stored document carrying
    ``RUNS_KEY``), time counts as changed only when the interval of the speedup of the
    median excludes 1 and the change is at least ``min_change`` and ``min_ms``.
    """
    before_plan, before_sql, before_runs = _as_plan(before)
    after_plan, after_sql, after_runs = _as_plan(after)
    notes: list[str] = []
    if before_sql and after_sql and fingerprint(before_sql) != fingerprint(after_sql):
        notes.append("note: the two plans are of different statements")
    verdict, rule, judged = _verdict(
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
        rule=rule,
        speedup=judged,
    )

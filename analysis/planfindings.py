"""The things in a plan a reviewer should look at first, each with its evidence.

Five rules, the ones depesz's hinter, PEV2's badges and pgMustard's tips agree on:
a sequential scan that reads a large table to return few rows (an index candidate),
a row estimate off by 10x or more, or unbounded when 0 rows came back for an estimate of
10 or more (stale or missing statistics, correlated columns),
a sort or hash that spilled to disk (``work_mem``), a nested loop whose inner side runs
many times, and an index-only scan that still visits the heap (the visibility map is
stale: VACUUM). Thresholds are arguments so a report can state the ones it used.

    plan_findings(plan)                         # a Plan (``explain(...).plan``)
    plan_findings(plan, seq_scan_min_rows=100_000)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analysis.plannode import PlanNode

if TYPE_CHECKING:
    from analysis.plans import Plan


@dataclass(frozen=True)
class PlanFinding:
    """Something in a plan worth a look, with the numbers that show it."""

    kind: str  # seq_scan, misestimate, spill, nested_loop, heap_fetches
    node_id: int
    node: str
    message: str
    evidence: dict[str, Any]
    exclusive_ms: float | None = None

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


def _seq_scan(node: PlanNode, min_rows: int, max_fraction: float) -> PlanFinding | None:
    if node.node_type != "Seq Scan" or not node.executed:
        return None
    returned = node.rows_total or 0.0
    scanned = returned + node.rows_removed_by_filter
    if scanned < min_rows or returned > scanned * max_fraction:
        return None
    share = returned / scanned if scanned else 0.0
    return PlanFinding(
        "seq_scan",
        node.id,
        node.label,
        f"{node.label} read {scanned:,.0f} rows to return {returned:,.0f} ({share:.2%}); "
        f"an index on the filtered columns may avoid it (filter: {node.get('Filter', '-')})",
        {
            "rows_scanned": scanned,
            "rows_returned": returned,
            "rows_removed_by_filter": node.rows_removed_by_filter,
            "filter": node.get("Filter"),
            "shared_blocks": node.buffers("shared_hit") + node.buffers("shared_read"),
        },
        node.exclusive_ms,
    )


def _misestimate(node: PlanNode, factor: float) -> PlanFinding | None:
    value = node.misestimate
    if value is None or value < factor:
        return None
    unbounded = math.isinf(value)
    # 0 rows for an estimate of 1 is no news: unbounded counts from `factor` rows
    if unbounded and max(node.plan_rows, node.actual_rows or 0) < factor:
        return None
    # report where the error starts, not every parent it propagates to
    if any((c.misestimate or 0) >= factor for c in node.children):
        return None
    direction = "under" if node.misestimate_direction == "under" else "over"
    size = "unbounded" if unbounded else f"{value:,.0f}x"
    per_loop = " per loop" if node.loops > 1 else ""
    return PlanFinding(
        "misestimate",
        node.id,
        node.label,
        f"{node.label}: planner expected {node.plan_rows:,.0f} rows{per_loop}, got "
        f"{node.actual_rows:,.0f} rows ({size} {direction}estimate); "
        "ANALYZE the table or add extended statistics for correlated columns",
        {
            "plan_rows": node.plan_rows,
            "actual_rows": node.actual_rows,
            "factor": value,
            "unbounded": unbounded,
            "direction": direction,
        },
        node.exclusive_ms,
    )


def _spill(node: PlanNode, work_mem: str) -> PlanFinding | None:
    if not node.spilled:
        return None
    raw = node.raw
    parts = [raw.get("Sort Method"), raw.get("Sort Space Type")]
    detail = " ".join(str(p) for p in parts if p)
    if raw.get("Hash Batches"):
        detail = (
            f"{raw.get('Hash Batches')} hash batches (planned {raw.get('Original Hash Batches')})"
        )
    if raw.get("HashAgg Batches"):
        detail = (
            f"{raw.get('HashAgg Batches')} aggregate batches, {raw.get('Disk Usage')} kB on disk"
        )
    temp = node.exclusive_buffers.get("temp_written", 0)
    return PlanFinding(
        "spill",
        node.id,
        node.label,
        f"{node.label} spilled to disk ({detail or 'workers'}; {temp:,} temp blocks written) "
        f"with work_mem={work_mem}; raise work_mem for this query or sort less",
        {
            "sort_method": raw.get("Sort Method"),
            "sort_space_kb": raw.get("Sort Space Used"),
            "sort_space_type": raw.get("Sort Space Type"),
            "hash_batches": raw.get("Hash Batches"),
            "temp_written_blocks": temp,
            "work_mem": work_mem,
        },
        node.exclusive_ms,
    )


def _nested_loop(node: PlanNode, min_loops: int) -> PlanFinding | None:
    if node.node_type != "Nested Loop" or len(node.children) < 2:
        return None
    inner = node.children[1]
    if inner.loops < min_loops:
        return None
    return PlanFinding(
        "nested_loop",
        node.id,
        node.label,
        f"{node.label} ran its inner side ({inner.label}) {inner.loops:,} times "
        f"({inner.inclusive_ms or 0:,.3f} ms in all); a hash or merge join, or fewer outer rows, "
        "may be cheaper",
        {"inner": inner.label, "loops": inner.loops, "inner_ms": inner.inclusive_ms},
        node.exclusive_ms,
    )


def _heap_fetches(node: PlanNode, min_fetches: int, min_fraction: float) -> PlanFinding | None:
    if node.node_type != "Index Only Scan" or not node.executed:
        return None
    fetches, rows = node.heap_fetches, node.rows_total or 0.0
    if fetches < min_fetches or fetches < rows * min_fraction:
        return None
    return PlanFinding(
        "heap_fetches",
        node.id,
        node.label,
        f"{node.label} fetched {fetches:,.0f} heap rows for {rows:,.0f} returned: the visibility "
        "map is stale, VACUUM the table so the scan can stay in the index",
        {"heap_fetches": fetches, "rows": rows},
        node.exclusive_ms,
    )


def plan_findings(
    plan: Plan,
    *,
    seq_scan_min_rows: int = 10_000,
    seq_scan_max_fraction: float = 0.1,
    misestimate_factor: float = 10.0,
    nested_loop_min_loops: int = 1_000,
    heap_fetches_min: int = 100,
    heap_fetches_min_fraction: float = 0.1,
) -> list[PlanFinding]:
    """Findings ordered by the exclusive time of their node, slowest first."""
    work_mem = plan.settings.get("work_mem", "default")
    found: list[PlanFinding] = []
    for node in plan.nodes:
        for finding in (
            _seq_scan(node, seq_scan_min_rows, seq_scan_max_fraction),
            _misestimate(node, misestimate_factor),
            _spill(node, work_mem),
            _nested_loop(node, nested_loop_min_loops),
            _heap_fetches(node, heap_fetches_min, heap_fetches_min_fraction),
        ):
            if finding is not None:
                found.append(finding)
    return sorted(found, key=lambda f: -(f.exclusive_ms or 0.0))

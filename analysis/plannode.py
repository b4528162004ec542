"""One node of a PostgreSQL plan, and the numbers derived from it.

The derived times and buffers are computed by ``analysis.planmath`` (which says where a
CTE's or an InitPlan's time belongs). The misestimate factor is ``max(actual, plan) /
min(actual, plan)`` on per-loop rows, unbounded (``inf``) when exactly one of them is 0;
"Rows Removed by Filter" is per loop and is scaled back to a total.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

_AGGREGATE_NAMES = {
    "Hashed": "HashAggregate",
    "Sorted": "GroupAggregate",
    "Mixed": "MixedAggregate",
    "Plain": "Aggregate",
}
BUFFER_KEYS = {
    "shared_hit": "Shared Hit Blocks",
    "shared_read": "Shared Read Blocks",
    "shared_dirtied": "Shared Dirtied Blocks",
    "shared_written": "Shared Written Blocks",
    "local_hit": "Local Hit Blocks",
    "local_read": "Local Read Blocks",
    "temp_read": "Temp Read Blocks",
    "temp_written": "Temp Written Blocks",
}


def label(raw: dict[str, Any]) -> str:
    """The node as EXPLAIN's text format names it (``Hash Left Join``, ``Insert on t``)."""
    node_type = raw["Node Type"]
    if node_type == "ModifyTable" and raw.get("Operation"):
        node_type = raw["Operation"]
    if node_type == "SetOp":
        prefix = "HashSetOp" if raw.get("Strategy") == "Hashed" else "SetOp"
        node_type = f"{prefix} {raw.get('Command', '')}".strip()
    if node_type == "Aggregate":
        node_type = _AGGREGATE_NAMES.get(raw.get("Strategy", "Plain"), "Aggregate")
    if raw.get("Partial Mode") in ("Partial", "Finalize"):
        node_type = f"{raw['Partial Mode']} {node_type}"
    if raw.get("Parallel Aware"):
        node_type = f"Parallel {node_type}"
    join = raw.get("Join Type")
    if join and join != "Inner":
        base = node_type[:-5] if node_type.endswith(" Join") else node_type
        node_type = f"{base} {join} Join"
    if raw.get("Scan Direction") == "Backward":
        node_type += " Backward"
    if raw.get("Index Name") and raw.get("Relation Name"):
        return f"{node_type} using {raw['Index Name']} on {raw['Relation Name']}"
    if raw.get("Index Name"):
        return f"{node_type} on {raw['Index Name']}"
    target = raw.get("Relation Name") or raw.get("CTE Name") or raw.get("Function Name")
    return f"{node_type} on {target}" if target else node_type


@dataclass
class PlanNode:
    """One plan node with PEV2's derived metrics; ``raw`` keeps every field PostgreSQL sent."""

    id: int
    parent_id: int | None
    depth: int
    node_type: str
    label: str
    raw: dict[str, Any] = field(repr=False)
    children: list[PlanNode] = field(default_factory=list, repr=False)
    workers_divisor: int = 1
    inclusive_ms: float | None = None
    exclusive_ms: float | None = None
    exclusive_cost: float = 0.0
    exclusive_buffers: dict[str, int] = field(default_factory=dict, repr=False)

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)

    @property
    def relation(self) -> str | None:
        return self.raw.get("Relation Name")

    @property
    def index(self) -> str | None:
        return self.raw.get("Index Name")

    @property
    def loops(self) -> int:
        return int(self.raw.get("Actual Loops", 0) or 0)

    @property
    def executed(self) -> bool:
        return "Actual Loops" in self.raw and self.loops > 0

    @property
    def plan_rows(self) -> float:
        return float(self.raw.get("Plan Rows", 0) or 0)

    @property
    def actual_rows(self) -> float | None:
        return self.raw.get("Actual Rows") if self.executed else None

    @property
    def rows_total(self) -> float | None:
        """Rows produced over all loops."""
        rows = self.actual_rows
        return rows * self.loops if rows is not None else None

    def _per_loop_total(self, key: str) -> float:
        value = self.raw.get(key)
        return float(value) * max(self.loops, 1) if value is not None else 0.0

    @property
    def rows_removed_by_filter(self) -> float:
        return self._per_loop_total("Rows Removed by Filter")

    @property
    def rows_removed_by_join_filter(self) -> float:
        return self._per_loop_total("Rows Removed by Join Filter")

    @property
    def rows_removed_by_recheck(self) -> float:
        return self._per_loop_total("Rows Removed by Index Recheck")

    @property
    def heap_fetches(self) -> float:
        return float(self.raw.get("Heap Fetches", 0) or 0)

    @property
    def misestimate(self) -> float | None:
        """How far off the planner's row estimate was (>= 1), or None without ANALYZE."""
        actual = self.actual_rows
        if actual is None:
            return None
        high, low = max(actual, self.plan_rows), min(actual, self.plan_rows)
        if low <= 0:
            return 1.0 if high <= 0 else math.inf
        return high / low

    @property
    def misestimate_direction(self) -> str | None:
        actual = self.actual_rows
        if actual is None or actual == self.plan_rows:
            return None
        return "under" if actual > self.plan_rows else "over"

    def buffers(self, key: str) -> int:
        return int(self.raw.get(BUFFER_KEYS[key], 0) or 0)

    @property
    def spilled(self) -> bool:
        """A sort, hash or aggregate that ran out of ``work_mem`` and used temp files."""
        return any(_spilled(part) for part in [self.raw, *self.raw.get("Workers", [])])

    def walk(self) -> Iterator[PlanNode]:
        yield self
        for child in self.children:
            yield from child.walk()


def _spilled(raw: dict[str, Any]) -> bool:
    """Per node or per parallel worker (a worker's sort is reported under "Workers")."""
    return (
        raw.get("Sort Space Type") == "Disk"
        or int(raw.get("Hash Batches", 1) or 1) > 1
        or int(raw.get("HashAgg Batches", 0) or 0) > 1
        or bool(raw.get("Disk Usage", 0))
    )

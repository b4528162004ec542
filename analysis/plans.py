"""PostgreSQL's JSON plan as a tree, a flat table and a list of findings with evidence.

The derived numbers follow PEV2 (dalibo/pev2 ``plan-service.ts``), the most careful open
plan viewer: a node's time is reported per loop and per process, so its inclusive time
is ``actual total time x loops / (workers + 1)`` and its exclusive time is that minus its
children's; the misestimate factor is ``max(actual, plan) / min(actual, plan)`` on
per-loop rows; "Rows Removed by Filter" is per loop and is scaled back to a total.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

_AGGREGATE_NAMES = {
    "Hashed": "HashAggregate",
    "Sorted": "GroupAggregate",
    "Mixed": "MixedAggregate",
    "Plain": "Aggregate",
}
_BUFFER_KEYS = {
    "shared_hit": "Shared Hit Blocks",
    "shared_read": "Shared Read Blocks",
    "shared_dirtied": "Shared Dirtied Blocks",
    "shared_written": "Shared Written Blocks",
    "local_hit": "Local Hit Blocks",
    "local_read": "Local Read Blocks",
    "temp_read": "Temp Read Blocks",
    "temp_written": "Temp Written Blocks",
}


def _label(raw: dict[str, Any]) -> str:
    node_type = raw["Node Type"]
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
        return high / max(low, 1.0)

    @property
    def misestimate_direction(self) -> str | None:
        actual = self.actual_rows
        if actual is None or actual == self.plan_rows:
            return None
        return "under" if actual > self.plan_rows else "over"

    def buffers(self, key: str) -> int:
        return int(self.raw.get(_BUFFER_KEYS[key], 0) or 0)

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


def _build(raw: dict, nodes: list[PlanNode], parent: PlanNode | None, divisor: int) -> PlanNode:
    if raw["Node Type"] in ("Gather", "Gather Merge"):
        child_divisor = int(raw.get("Workers Launched", raw.get("Workers Planned", 0)) or 0) + 1
    else:
        child_divisor = divisor
    node = PlanNode(
        id=len(nodes),
        parent_id=parent.id if parent else None,
        depth=parent.depth + 1 if parent else 0,
        node_type=raw["Node Type"],
        label=_label(raw),
        raw=raw,
        workers_divisor=divisor,
    )
    nodes.append(node)
    node.children = [_build(child, nodes, node, child_divisor) for child in raw.get("Plans", [])]
    return node


def _derive(node: PlanNode) -> None:
    for child in node.children:
        _derive(child)
    if "Actual Total Time" in node.raw:
        total = float(node.raw["Actual Total Time"]) * node.loops / node.workers_divisor
        node.inclusive_ms = total
        below = sum(c.inclusive_ms or 0.0 for c in node.children)
        node.exclusive_ms = max(total - below, 0.0)
    below_cost = sum(float(c.raw.get("Total Cost", 0)) for c in node.children)
    node.exclusive_cost = max(float(node.raw.get("Total Cost", 0)) - below_cost, 0.0)
    node.exclusive_buffers = {
        key: max(node.buffers(key) - sum(c.buffers(key) for c in node.children), 0)
        for key in _BUFFER_KEYS
    }


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


class Plan:
    """A parsed ``EXPLAIN (FORMAT JSON)`` result."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.nodes: list[PlanNode] = []
        self.root = _build(document["Plan"], self.nodes, None, 1)
        _derive(self.root)

    @classmethod
    def from_json(cls, data: Any) -> Plan:
        """Accepts the JSON text, the list PostgreSQL returns, or its single element."""
        if isinstance(data, (str, bytes)):
            data = json.loads(data)
        if isinstance(data, list):
            data = data[0]
        if isinstance(data, cls):
            return data
        if not isinstance(data, dict) or "Plan" not in data:
            raise ValueError("not an EXPLAIN (FORMAT JSON) plan: no 'Plan' key")
        return cls(data)

    @property
    def analyzed(self) -> bool:
        return "Actual Total Time" in self.root.raw

    @property
    def execution_ms(self) -> float | None:
        return self.document.get("Execution Time")

    @property
    def planning_ms(self) -> float | None:
        return self.document.get("Planning Time")

    @property
    def settings(self) -> dict[str, str]:
        return dict(self.document.get("Settings", {}))

    @property
    def total_cost(self) -> float:
        return float(self.root.raw.get("Total Cost", 0))

    @property
    def shared_hit(self) -> int:
        return self.root.buffers("shared_hit")

    @property
    def shared_read(self) -> int:
        return self.root.buffers("shared_read")

    @property
    def temp_written(self) -> int:
        return self.root.buffers("temp_written")

    @property
    def node_types(self) -> set[str]:
        return {n.node_type for n in self.nodes}

    def find(self, node_type: str) -> list[PlanNode]:
        """Nodes of one type (``"Seq Scan"``, ``"Hash Join"``...), in plan order."""
        return [n for n in self.nodes if n.node_type == node_type]

    def scans(self) -> list[PlanNode]:
        """Nodes that read a relation or an index: the access paths."""
        return [n for n in self.nodes if n.relation or n.index]

    def nodes_frame(self) -> pd.DataFrame:
        """One row a node: what it is, estimates vs actuals, time, buffers, spills, workers."""
        import pandas as pd

        return pd.DataFrame([_row(n) for n in self.nodes], columns=NODE_COLUMNS)

    def findings(self, **thresholds: Any) -> list[PlanFinding]:
        from analysis.planfindings import plan_findings

        return plan_findings(self, **thresholds)

    def summary(self) -> str:
        """One line: the access paths, time and buffers."""
        paths = ", ".join(n.label for n in self.scans()) or self.root.label
        parts = [paths]
        if self.execution_ms is not None:
            parts.append(f"execution {self.execution_ms:,.3f} ms")
        if self.planning_ms is not None:
            parts.append(f"planning {self.planning_ms:,.3f} ms")
        if self.analyzed:
            parts.append(f"shared buffers hit {self.shared_hit:,} read {self.shared_read:,}")
        else:
            parts.append(f"cost {self.total_cost:,.2f}")
        return "; ".join(parts)

    def text(self) -> str:
        """An indented outline like EXPLAIN's text format, for logs and docstrings."""
        lines = []
        for n in self.nodes:
            est = f"rows={n.plan_rows:,.0f} cost={n.raw.get('Total Cost', 0):,.2f}"
            if n.executed:
                est += f" | actual rows={n.actual_rows:,.0f} loops={n.loops:,} {n.inclusive_ms:,.3f} ms"
            elif self.analyzed:
                est += " | never executed"
            lines.append(f"{'  ' * n.depth}-> {n.label}  ({est})")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Plan {self.summary()}>"

    def _repr_html_(self) -> str:
        return f"<pre>{self.text()}</pre>"


NODE_COLUMNS = [
    "id",
    "parent_id",
    "depth",
    "node_type",
    "label",
    "relation",
    "index",
    "join_type",
    "parent_relationship",
    "startup_cost",
    "total_cost",
    "exclusive_cost",
    "plan_rows",
    "actual_rows",
    "loops",
    "rows_total",
    "misestimate",
    "misestimate_direction",
    "actual_startup_ms",
    "actual_total_ms",
    "inclusive_ms",
    "exclusive_ms",
    "shared_hit",
    "shared_read",
    "shared_dirtied",
    "shared_written",
    "local_hit",
    "local_read",
    "temp_read",
    "temp_written",
    "exclusive_shared_hit",
    "exclusive_shared_read",
    "rows_removed_by_filter",
    "rows_removed_by_join_filter",
    "rows_removed_by_recheck",
    "heap_fetches",
    "sort_method",
    "sort_space_kb",
    "sort_space_type",
    "hash_batches",
    "spilled",
    "workers_planned",
    "workers_launched",
    "filter",
    "index_cond",
]


def _row(n: PlanNode) -> dict[str, Any]:
    raw = n.raw
    row = {
        "id": n.id,
        "parent_id": n.parent_id,
        "depth": n.depth,
        "node_type": n.node_type,
        "label": n.label,
        "relation": n.relation,
        "index": n.index,
        "join_type": raw.get("Join Type"),
        "parent_relationship": raw.get("Parent Relationship"),
        "startup_cost": raw.get("Startup Cost"),
        "total_cost": raw.get("Total Cost"),
        "exclusive_cost": n.exclusive_cost,
        "plan_rows": n.plan_rows,
        "actual_rows": n.actual_rows,
        "loops": raw.get("Actual Loops"),
        "rows_total": n.rows_total,
        "misestimate": n.misestimate,
        "misestimate_direction": n.misestimate_direction,
        "actual_startup_ms": raw.get("Actual Startup Time"),
        "actual_total_ms": raw.get("Actual Total Time"),
        "inclusive_ms": n.inclusive_ms,
        "exclusive_ms": n.exclusive_ms,
        "exclusive_shared_hit": n.exclusive_buffers.get("shared_hit", 0),
        "exclusive_shared_read": n.exclusive_buffers.get("shared_read", 0),
        "rows_removed_by_filter": n.rows_removed_by_filter,
        "rows_removed_by_join_filter": n.rows_removed_by_join_filter,
        "rows_removed_by_recheck": n.rows_removed_by_recheck,
        "heap_fetches": raw.get("Heap Fetches"),
        "sort_method": raw.get("Sort Method"),
        "sort_space_kb": raw.get("Sort Space Used"),
        "sort_space_type": raw.get("Sort Space Type"),
        "hash_batches": raw.get("Hash Batches"),
        "spilled": n.spilled,
        "workers_planned": raw.get("Workers Planned"),
        "workers_launched": raw.get("Workers Launched"),
        "filter": raw.get("Filter"),
        "index_cond": raw.get("Index Cond") or raw.get("Recheck Cond"),
    }
    row.update({key: n.buffers(key) for key in _BUFFER_KEYS})
    return row

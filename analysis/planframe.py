"""A plan's nodes as a table: one row a node, every figure a reviewer compares."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from analysis.plannode import BUFFER_KEYS, PlanNode

if TYPE_CHECKING:
    import pandas as pd

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
    row.update({key: n.buffers(key) for key in BUFFER_KEYS})
    return row


def nodes_frame(nodes: Sequence[PlanNode]) -> pd.DataFrame:
    """One row a node, in plan order, with the columns of :data:`NODE_COLUMNS`."""
    import pandas as pd

    return pd.DataFrame([_row(n) for n in nodes], columns=NODE_COLUMNS)

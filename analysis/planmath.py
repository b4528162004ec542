"""Exclusive time and buffers of every plan node, and the invariant that checks them.

PostgreSQL reports a node's time and buffers *inclusive* of everything it ran, per loop
and per process (EXPLAIN's documentation; ``InstrStopNode``). A node's inclusive time
is therefore ``actual total time x loops / (workers + 1)`` (PEV2's formula, with the
workers of the Gather above it) and its exclusive time is that minus what ran inside
it. What ran inside it is not always what hangs from it:

- **Outer, Inner, Member, Subquery and SubPlan children** run inside the node they hang
  from (a SubPlan is evaluated by that node's expressions, once per row when
  correlated): subtracted there.
- **InitPlans** hang from the top node of their query level but run once, lazily, in
  the node that first evaluates their parameter (``$0`` in a filter, an index condition,
  a ``One-Time Filter``); that node's time includes the InitPlan's, and so do the
  nodes between it and the one the InitPlan hangs from. So the InitPlan is subtracted
  at its consumer only. Under a Gather the leader evaluates it when starting the
  workers: the Gather is the consumer. Without VERBOSE the consumer may not be shown
  (a target list): then it is the node the InitPlan hangs from.
- **A materialized CTE** hangs from the top node too (``Subplan Name: CTE x``) and
  runs when a ``CTE Scan`` of it asks for rows: its time and buffers are subtracted at
  the CTE Scans, the one that read the most rows first, each up to its own time.

The sum of exclusive times then equals the root's inclusive time; :func:`time_balance`
checks it within the rounding of the figures PostgreSQL prints (3 decimals per loop).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from analysis.plannode import BUFFER_KEYS, PlanNode

if TYPE_CHECKING:
    from analysis.plans import Plan

_GATHERS = ("Gather", "Gather Merge")
_SKIP_FIELDS = {"Plans", "Subplan Name", "Parent Relationship", "Workers"}


def _is_initplan(node: PlanNode) -> bool:
    return node.raw.get("Parent Relationship") == "InitPlan"


def _cte_name(node: PlanNode) -> str | None:
    name = node.raw.get("Subplan Name") or ""
    return name[4:] if name.startswith("CTE ") else None


def _subtree(node: PlanNode, skip: PlanNode | None = None) -> Iterator[PlanNode]:
    """Post-order (children before their parent): the deepest consumer comes first."""
    if node is skip:
        return
    for child in node.children:
        yield from _subtree(child, skip)
    yield node


def _texts(node: PlanNode) -> Iterator[str]:
    for key, value in node.raw.items():
        if key in _SKIP_FIELDS:
            continue
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            yield from (v for v in value if isinstance(v, str))


def _param_pattern(initplan: PlanNode) -> re.Pattern[str] | None:
    name = initplan.raw.get("Subplan Name") or ""
    params = re.findall(r"\$\d+", name)
    if params:  # PostgreSQL <= 16: "InitPlan 1 (returns $0,$1)", used as $0
        return re.compile("|".join(re.escape(p) + r"(?!\d)" for p in params))
    match = re.match(r"(InitPlan \d+)", name)  # 17+: used as (InitPlan 1).col1
    return re.compile(re.escape(f"({match.group(1)})")) if match else None


def _initplan_consumer(owner: PlanNode, initplan: PlanNode, by_id: dict[int, PlanNode]) -> PlanNode:
    if owner.node_type in _GATHERS:
        return owner
    pattern = _param_pattern(initplan)
    if pattern is None:
        return owner
    needed = (initplan.inclusive_ms or 0.0) - 0.001
    for node in _subtree(owner, skip=initplan):
        if not any(pattern.search(text) for text in _texts(node)):
            continue
        consumer = _leader_side(node, owner, by_id)
        # a consumer that took less time than the InitPlan did not run it
        if consumer.inclusive_ms is None or consumer.inclusive_ms >= needed:
            return consumer
    return owner


def _leader_side(node: PlanNode, owner: PlanNode, by_id: dict[int, PlanNode]) -> PlanNode:
    """Below a Gather, workers get the value: the Gather evaluated it, in the leader."""
    found, current = node, node
    while current is not owner and current.parent_id is not None:
        current = by_id[current.parent_id]
        if current.node_type in _GATHERS:
            found = current
    return found


def _cte_scans(owner: PlanNode, cte: PlanNode, name: str) -> list[PlanNode]:
    scans = [
        n
        for n in _subtree(owner, skip=cte)
        if n.node_type == "CTE Scan" and n.raw.get("CTE Name") == name
    ]

    # PostgreSQL does not say which scan ran the CTE: the one that read the most rows
    # (its filter's removed rows included), then the longest, is charged first
    def read(n: PlanNode) -> float:
        return (n.actual_rows or 0) + float(n.raw.get("Rows Removed by Filter", 0) or 0)

    return sorted(scans, key=lambda n: (-read(n), -(n.inclusive_ms or 0.0), n.id))


@dataclass
class _Below:
    """What ran inside a node: time and buffers to subtract from its inclusive figures."""

    ms: float = 0.0
    buffers: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUFFER_KEYS, 0))

    def add(self, ms: float, buffers: dict[str, int]) -> None:
        self.ms += ms
        for key in BUFFER_KEYS:
            self.buffers[key] += buffers.get(key, 0)


def _inclusive_buffers(node: PlanNode) -> dict[str, int]:
    return {key: node.buffers(key) for key in BUFFER_KEYS}


def derive(nodes: list[PlanNode]) -> None:
    """Fill in inclusive and exclusive time, exclusive cost and exclusive buffers."""
    for node in nodes:
        if "Actual Total Time" in node.raw:
            node.inclusive_ms = (
                float(node.raw["Actual Total Time"]) * node.loops / node.workers_divisor
            )
        below_cost = sum(float(c.raw.get("Total Cost", 0)) for c in node.children)
        node.exclusive_cost = max(float(node.raw.get("Total Cost", 0)) - below_cost, 0.0)
    below = {node.id: _Below() for node in nodes}
    by_id = {node.id: node for node in nodes}
    for node in nodes:
        for child in node.children:
            if not _is_initplan(child):
                below[node.id].add(child.inclusive_ms or 0.0, _inclusive_buffers(child))
    for node in nodes:  # plan order: an InitPlan's own InitPlans are placed first
        for child in (c for c in node.children if _is_initplan(c)):
            name = _cte_name(child)
            scans = _cte_scans(node, child, name) if name is not None else []
            if name is None or not scans:
                consumer = _initplan_consumer(node, child, by_id) if name is None else node
                below[consumer.id].add(child.inclusive_ms or 0.0, _inclusive_buffers(child))
            else:
                _share_cte(child, scans, below)
    for node in nodes:
        done = below[node.id]
        if node.inclusive_ms is not None:
            node.exclusive_ms = max(node.inclusive_ms - done.ms, 0.0)
        node.exclusive_buffers = {
            key: max(node.buffers(key) - done.buffers[key], 0) for key in BUFFER_KEYS
        }


def _share_cte(cte: PlanNode, scans: list[PlanNode], below: dict[int, _Below]) -> None:
    """The CTE's time and buffers to its scans, each up to its own inclusive figure."""
    left_ms = cte.inclusive_ms or 0.0
    left = _inclusive_buffers(cte)
    for i, scan in enumerate(scans):
        last = i == len(scans) - 1
        room = (scan.inclusive_ms or 0.0) - below[scan.id].ms
        ms = left_ms if last else min(left_ms, max(room, 0.0))
        taken = {}
        for key in BUFFER_KEYS:
            space = scan.buffers(key) - below[scan.id].buffers[key]
            taken[key] = left[key] if last else min(left[key], max(space, 0))
            left[key] -= taken[key]
        left_ms -= ms
        below[scan.id].add(ms, taken)


@dataclass(frozen=True)
class TimeBalance:
    """The sum of exclusive times against the root's inclusive time."""

    exclusive_sum_ms: float
    root_ms: float
    tolerance_ms: float

    @property
    def holds(self) -> bool:
        return abs(self.exclusive_sum_ms - self.root_ms) <= self.tolerance_ms

    def __str__(self) -> str:
        return (
            f"sum of exclusive times {self.exclusive_sum_ms:,.3f} ms, root "
            f"{self.root_ms:,.3f} ms (tolerance {self.tolerance_ms:,.3f} ms)"
        )


def time_balance(plan: Plan) -> TimeBalance | None:
    """The invariant, or None for a plan without timing (no ANALYZE, or TIMING OFF).

    The tolerance is the rounding of the printed figures: each node's per-loop time has
    3 decimals, so its inclusive time is known to ``0.0005 x loops / processes`` ms.
    """
    if plan.root.inclusive_ms is None:
        return None
    total = sum(n.exclusive_ms or 0.0 for n in plan.nodes)
    tolerance = 0.001 + sum(0.0005 * max(n.loops, 1) / n.workers_divisor for n in plan.nodes)
    return TimeBalance(total, plan.root.inclusive_ms, tolerance)

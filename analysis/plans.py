"""PostgreSQL's JSON plan as a tree of :class:`~analysis.plannode.PlanNode`.

``Plan.from_json`` accepts what ``EXPLAIN (FORMAT JSON)`` returns; the nodes carry
PEV2's derived times and buffers (``analysis.plannode``), ``nodes_frame()`` lays them
out one row a node (``analysis.planframe``), and ``analysis.planfindings.plan_findings``
lists what a reviewer should look at first.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

from analysis import planmath, plantext
from analysis.planframe import nodes_frame
from analysis.plannode import PlanNode, label

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)


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
        label=label(raw),
        raw=raw,
        workers_divisor=divisor,
    )
    nodes.append(node)
    node.children = [
        # an InitPlan under a Gather runs in the leader alone
        _build(child, nodes, node, divisor if _initplan(child) else child_divisor)
        for child in raw.get("Plans", [])
    ]
    return node


def _initplan(raw: dict) -> bool:
    return raw.get("Parent Relationship") == "InitPlan"


class Plan:
    """A parsed ``EXPLAIN (FORMAT JSON)`` result."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.nodes: list[PlanNode] = []
        self.root = _build(document["Plan"], self.nodes, None, 1)
        planmath.derive(self.nodes)
        balance = self.time_balance()
        if balance is not None and not balance.holds:
            log.warning("plan times do not add up: %s (%s)", balance, self.root.label)

    def time_balance(self) -> planmath.TimeBalance | None:
        """Sum of exclusive times against the root's time (None without timing)."""
        return planmath.time_balance(self)

    @classmethod
    def from_text(cls, text: str) -> Plan:
        """EXPLAIN's TEXT format as psql prints it (see ``analysis.plantext``)."""
        return cls(plantext.parse_text(text))

    @classmethod
    def from_json(cls, data: Any) -> Plan:
        """Accepts the JSON text, the list PostgreSQL returns, or its single element.

        A string that is not JSON is read as EXPLAIN's TEXT format, so a plan pasted
        from production works wherever a JSON plan does.
        """
        if isinstance(data, bytes):
            data = data.decode()
        if isinstance(data, str):
            cleaned = plantext.strip_psql(data)
            if not cleaned.lstrip().startswith(("[", "{")):
                return cls.from_text(data)
            data = json.loads(cleaned)
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
        return nodes_frame(self.nodes)

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

"""`workbench plan FILE|-`: read an EXPLAIN plan (JSON or TEXT) and print its nodes and findings.

It needs no database: it starts no server and does not set Django up. A plan it cannot
read gets one line naming where parsing stopped, and exit 1.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError


def _read(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    if not path.is_file():
        raise WorkbenchError(f"no such plan file: {source}")
    try:
        return path.read_text()
    except UnicodeDecodeError:
        raise WorkbenchError(f"not a text file: {source}") from None


def _number(value: float | None) -> float | str | None:
    """JSON has no infinity: an unbounded misestimate is the string ``"inf"``."""
    if value is not None and math.isinf(value):
        return "inf"
    return round(value, 6) if isinstance(value, float) else value


def plan_json(plan, findings) -> dict[str, Any]:
    nodes = [
        {
            "id": n.id,
            "parent": n.parent_id,
            "node_type": n.node_type,
            "relation": n.relation,
            "inclusive_ms": _number(n.inclusive_ms),
            "exclusive_ms": _number(n.exclusive_ms),
            "rows": n.actual_rows,
            "plan_rows": n.plan_rows,
            "loops": n.loops if n.executed or "Actual Loops" in n.raw else None,
            "misestimate": _number(n.misestimate),
            "exclusive_shared_hit": n.exclusive_buffers["shared_hit"],
            "exclusive_shared_read": n.exclusive_buffers["shared_read"],
        }
        for n in plan.nodes
    ]
    found = [
        {"kind": f.kind, "node_id": f.node_id, "node": f.node, "message": f.message,
         "exclusive_ms": f.exclusive_ms,
         "evidence": {k: _number(v) if isinstance(v, float) else v for k, v in f.evidence.items()}}
        for f in findings
    ]  # fmt: skip
    return {"execution_ms": plan.execution_ms, "planning_ms": plan.planning_ms,
            "nodes": nodes, "findings": found}  # fmt: skip


def _cell(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return "inf" if math.isinf(value) else f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def render(plan, findings) -> str:
    header = ["id", "node", "incl ms", "excl ms", "rows", "plan rows", "loops", "misest",
              "excl hit", "excl read"]  # fmt: skip
    rows = [
        [str(n.id), "  " * n.depth + n.label, _cell(n.inclusive_ms), _cell(n.exclusive_ms),
         _cell(n.actual_rows), _cell(n.plan_rows, 0), _cell(n.loops), _cell(n.misestimate, 1),
         _cell(n.exclusive_buffers["shared_hit"]), _cell(n.exclusive_buffers["shared_read"])]
        for n in plan.nodes
    ]  # fmt: skip
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 1 else c.rjust(w) for i, (c, w) in
                       enumerate(zip(r, widths, strict=True))) for r in [header, *rows]]  # fmt: skip
    times = [f"{k} {_cell(v)} ms" for k, v in (("planning", plan.planning_ms),
             ("execution", plan.execution_ms)) if v is not None]  # fmt: skip
    if times:
        lines.append("; ".join(times))
    balance = plan.time_balance()
    if balance is not None and not balance.holds:
        lines.append(f"warning: times do not add up: {balance}")
    lines.append(f"findings: {len(findings)}" if findings else "findings: none")
    lines += [f"  - {f}" for f in findings]
    return "\n".join(lines)


def cmd_plan(args) -> int:
    from analysis.planfindings import plan_findings
    from analysis.plans import Plan

    text = _read(args.file)
    if not text.strip():
        raise WorkbenchError("the plan is empty")
    try:
        plan = Plan.from_json(text)
    except (KeyError, TypeError, json.JSONDecodeError) as exc:
        raise WorkbenchError(f"not an EXPLAIN plan: {type(exc).__name__}: {exc}") from None
    findings = plan_findings(plan)
    if args.json:
        print(json.dumps(plan_json(plan, findings)))
    else:
        print(render(plan, findings))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "plan",
        help="read an EXPLAIN plan (JSON or TEXT, a file or - for stdin): nodes and findings",
    )
    p.add_argument("file", metavar="FILE|-")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_plan, offline=True)

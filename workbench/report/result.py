"""What a report run produced: per notebook and for the whole run (plain records)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.report.run_plan import RunPlan


@dataclass
class NotebookResult:
    name: str
    status: str = "pending"  # ok, failed, skipped
    seconds: float = 0.0
    cells_done: int = 0
    cells_total: int = 0
    output: Path | None = None
    html: Path | None = None
    error: str | None = None


@dataclass
class RunResult:
    plan: RunPlan
    notebooks: list[NotebookResult] = field(default_factory=list)
    summary: dict[str, Any] | None = None
    problem: str | None = None  # the first thing that went wrong, one line
    seconds: float = 0.0
    pruned: list[Path] = field(default_factory=list)  # run folders --keep removed

    @property
    def ok(self) -> bool:
        return self.problem is None

"""The workbench's panel for Django Debug Toolbar: our instrument on the current request.

The toolbar's SQL panel lists similar and duplicate queries but never says what to do.
This panel captures the request's queries with ``analysis.capture`` and shows:

* each N+1 finding (``analysis.nplusone``): how many queries, the relation or the DRF
  serializer field behind them, the view, the line, and the fix with where it goes;
* duplicate queries (the same statement and parameters again);
* the slowest statement, planned with ``EXPLAIN (ANALYZE, BUFFERS)`` in a rolled-back
  read-only transaction (``analysis.explain``), and its plan findings
  (``analysis.planfindings``: sequential scans that filter most rows away, misestimates,
  spills, nested loops, stale visibility maps).

Its stats are plain JSON (the toolbar stores them between the page and the panel's
later rendering). The side bar shows "N+1: 3 · duplicates: 0". It also adds
``Server-Timing: WorkbenchPanel_nplusone`` so JSON clients see the count.
"""

from __future__ import annotations

from typing import Any

import psycopg2
from debug_toolbar.panels import Panel
from django.db import DatabaseError

from analysis.capture import capture
from analysis.errors import AnalysisError
from analysis.fingerprint import brief
from analysis.nplusone import detect_duplicates, detect_n_plus_one
from analysis.records import CaptureRun, QueryRecord

# Statements the slowest-statement search skips: they have no plan worth reading.
_NOT_PLANNED = {"SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "SET", "RESET", "SHOW"}
EXPLAIN_TIMEOUT_MS = 2_000


def _finding(f) -> dict[str, Any]:
    return {
        "count": f.count,
        "total_ms": round(f.total_ms, 2),
        "relation": f.relation.description,
        "serializer_field": f.serializer_field,
        "view": f.view,
        "call_site": f.call_site.short,
        "fix": f.fix,
        "fix_in": f.fix_in,
        "sql": brief(f.sql),
        "message": f.message,
    }


def _duplicate(d) -> dict[str, Any]:
    return {
        "count": d.count,
        "total_ms": round(d.total_ms, 2),
        "call_sites": [s.short for s in d.call_sites],
        "sql": brief(d.sql),
        "params": repr(d.params)[:200],
    }


def slowest(run: CaptureRun) -> QueryRecord | None:
    """The longest statement that has a plan (no transaction control, no error)."""
    candidates = [q for q in run.queries if q.kind not in _NOT_PLANNED and not q.error]
    return max(candidates, key=lambda q: q.duration_ms, default=None)


def plan_of(record: QueryRecord) -> dict[str, Any]:
    """The record's plan findings, or why there are none."""
    from analysis.explain import explain
    from analysis.planfindings import plan_findings

    out: dict[str, Any] = {
        "sql": brief(record.sql),
        "duration_ms": round(record.duration_ms, 2),
        "call_site": record.call_site.short,
        "findings": [],
        "plan": None,
        "note": None,
    }
    try:
        result = explain(record, runs=1, timeout_ms=EXPLAIN_TIMEOUT_MS)
    except (AnalysisError, DatabaseError, psycopg2.Error) as exc:  # a write, a timeout
        out["note"] = f"not planned: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        return out
    out["plan"] = result.plan.summary()
    out["findings"] = [str(f) for f in plan_findings(result.plan)]
    return out


def stats_of(run: CaptureRun) -> dict[str, Any]:
    """Everything the panel shows, JSON-safe."""
    findings = detect_n_plus_one(run)
    duplicates = detect_duplicates(run)
    statement = slowest(run)
    return {
        "queries": len(run.queries),
        "db_ms": round(run.total_ms, 2),
        "n_plus_one": [_finding(f) for f in findings],
        "duplicates": [_duplicate(d) for d in duplicates],
        "slowest": plan_of(statement) if statement is not None else None,
    }


class WorkbenchPanel(Panel):
    title = "Workbench: N+1, duplicates, plan"
    nav_title = "Workbench"
    template = "workbench/panel.html"

    @property
    def nav_subtitle(self) -> str:
        stats = self.get_stats()
        if "n_plus_one" not in stats:
            return ""
        return f"N+1: {len(stats['n_plus_one'])} · duplicates: {len(stats['duplicates'])}"

    def process_request(self, request):
        with capture(label=f"{request.method} {request.path}") as run:
            response = super().process_request(request)
        self._run = run
        return response

    def generate_stats(self, request, response) -> None:
        run = getattr(self, "_run", None)
        if run is None:
            return
        stats = stats_of(run)
        self.record_stats(stats)
        self.record_server_timing("nplusone", "N+1 patterns", len(stats["n_plus_one"]))

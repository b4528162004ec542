"""What changed between two report runs, and whether any of it is a regression.

A nightly run alerts through its exit code, so a regression has to mean something
that is not noise:

* query counts and N+1 counts are exact: any increase is a regression;
* a latency change counts only when the two runs' intervals say so and the change is
  material: run B's p50 interval wholly above run A's, by at least 50% and 1 ms, as
  measured and net of its variant's shift (the machine's load on that variant's block)
  (``workbench.report.compare_latency``, which also holds the conservative rule for
  runs without intervals, marked ``fallback``). The p95 alone moving is a change;
* a plan-shape change with the same query count and a latency that did not move is a
  *plan flip* (the planner chose an equivalent plan), reported as a change, never a
  regression; with a latency regression it is shown as its likely cause;
* a success criterion that passed and now fails is a regression;
* index-audit verdicts and scenarios present in one run only are reported as changes,
  and so is a variant whose every p50 moved (the machine's load, or a change everywhere).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workbench.report import compare_latency as latency

HIT_RATE_STEP = 0.05


@dataclass(frozen=True)
class Change:
    scope: str  # "job_list / eager", "criterion", "index jobs_job_status_idx", ...
    text: str
    kind: str  # regression, improvement, change

    def line(self) -> str:
        mark = {"regression": "REGRESSION", "improvement": "better"}.get(self.kind, "changed")
        return f"{mark:<10}  {self.scope}: {self.text}"


def _count(scope: str, what: str, a: Any, b: Any) -> Change | None:
    if a == b:
        return None
    return Change(scope, f"{what} {a} -> {b}", "regression" if b > a else "improvement")


def _shape(value: Any) -> str | None:
    if value is None:
        return None
    return " | ".join(value) if isinstance(value, list) else str(value)


def _latency(
    scope: str, fa: Mapping[str, Any], fb: Mapping[str, Any], **rule: Any
) -> tuple[list[Change], str]:
    """The latency changes of one cell, and the deciding verdict (slower, faster, ...)."""
    measured = fa.get("measured_on"), fb.get("measured_on")
    if None not in measured and measured[0] != measured[1]:
        text = f"measured on {measured[0]} -> {measured[1]}: latency not compared"
        return [Change(scope, text, "change")], latency.SAME
    decided, tail = latency.judge_cell(fa, fb, **rule)
    if decided.verdict == latency.MOVED:
        return [Change(scope, decided.text, "change")], decided.verdict
    if decided.verdict != latency.SAME:
        kind = "regression" if decided.verdict == latency.SLOWER else "improvement"
        return [Change(scope, decided.text, kind)], decided.verdict
    if tail is not None:
        return [Change(scope, f"tail only, the p50 decides: {tail.text}", "change")], latency.SAME
    return [], latency.SAME


def _plan(scope: str, fa: Mapping[str, Any], fb: Mapping[str, Any], verdict: str) -> Change | None:
    shape_a, shape_b = _shape(fa.get("plan_shape")), _shape(fb.get("plan_shape"))
    if shape_a is None or shape_b is None or shape_a == shape_b:
        return None
    if verdict == latency.SAME and fa["queries"] == fb["queries"]:
        return Change(
            scope, f"plan flip (same latency, equivalent plans): {shape_a} -> {shape_b}", "change"
        )
    why = {
        latency.SLOWER: " (with the slowdown)",
        latency.FASTER: " (with the speedup)",
        latency.MOVED: " (the latency moved, not judged: no intervals)",
    }
    return Change(scope, f"plan {shape_a} -> {shape_b}{why.get(verdict, '')}", "change")


def _shifts(cells: list[tuple[str, str, Any, Any]], changes: list[Change]) -> dict[str, float]:
    """Per variant, the shift its cells are also judged net of: the variant's own (the
    median over its scenarios), else the whole run's; a shift over 10% is noted."""
    by_variant: dict[str, list[tuple[Any, Any]]] = {}
    for _, variant, fa, fb in cells:
        by_variant.setdefault(variant, []).append((fa, fb))
    run = latency.run_shift([(fa, fb) for _, _, fa, fb in cells])
    shifts = {}
    for variant, pairs in by_variant.items():
        own = latency.run_shift(pairs)
        shifts[variant] = own or run or 1.0
        if own is not None and abs(own - 1) > latency.SHIFT_NOTE:
            text = f"p50 x{own:.2f} (median over {len(pairs)} scenarios): {latency.SHIFT_WHY}"
            changes.append(Change(f"every {variant} cell", text, "change"))
    if (
        run is not None
        and abs(run - 1) > latency.SHIFT_NOTE
        and None in map(latency.run_shift, by_variant.values())
    ):
        text = f"p50 x{run:.2f} (median over {len(cells)} cells): {latency.SHIFT_WHY}"
        changes.append(Change("every cell", text, "change"))
    return shifts


def _variants(a: Mapping[str, Any], b: Mapping[str, Any], **rule: Any) -> list[Change]:
    changes: list[Change] = []
    scen_a = {s["name"]: s["variants"] for s in a["scenarios"]}
    scen_b = {s["name"]: s["variants"] for s in b["scenarios"]}
    cells = []
    for name in sorted(set(scen_a) | set(scen_b)):
        if name not in scen_b or name not in scen_a:
            where = "B" if name not in scen_b else "A"
            changes.append(Change(name, f"not measured in run {where}", "change"))
            continue
        for variant in sorted(set(scen_a[name]) | set(scen_b[name])):
            scope = f"{name} / {variant}"
            fa, fb = scen_a[name].get(variant), scen_b[name].get(variant)
            if fa is None or fb is None:
                where = "B" if fb is None else "A"
                changes.append(Change(scope, f"not measured in run {where}", "change"))
            else:
                cells.append((scope, variant, fa, fb))
    shifts = _shifts(cells, changes)
    for scope, variant, fa, fb in cells:
        found = [
            _count(scope, "queries", fa["queries"], fb["queries"]),
            _count(scope, "N+1 patterns", fa["n_plus_one"], fb["n_plus_one"]),
        ]
        timing, verdict = _latency(scope, fa, fb, shift=shifts[variant], **rule)
        found.extend(timing)
        found.append(_plan(scope, fa, fb, verdict))
        changes.extend(c for c in found if c is not None)
    return changes


def _criteria(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[Change]:
    before = {c["name"]: c["passed"] for c in a["criteria"]}
    changes = []
    for c in b["criteria"]:
        was = before.get(c["name"])
        if was is None or was == c["passed"]:
            continue
        verdict = "pass -> FAIL" if was else "fail -> pass"
        kind = "regression" if was else "improvement"
        changes.append(Change(f"criterion {c['name']!r}", verdict, kind))
    return changes


def _audit(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[Change]:
    before = {r["index"]: r["verdict"] for r in a["index_audit"]}
    return [
        Change(f"index {r['index']}", f"verdict {before[r['index']]} -> {r['verdict']}", "change")
        for r in b["index_audit"]
        if r["index"] in before and before[r["index"]] != r["verdict"]
    ]


def _cache(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[Change]:
    ra, rb = a["cache"].get("hit_rate"), b["cache"].get("hit_rate")
    if ra is None or rb is None or abs(rb - ra) < HIT_RATE_STEP:
        return []
    return [Change("cache", f"hit rate {ra:.0%} -> {rb:.0%}", "change")]


def parameter_differences(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[str]:
    """Parameters that differ: the comparison is then not like for like, which the reader must know."""
    pa, pb = a["parameters"], b["parameters"]
    keys = sorted((set(pa) | set(pb)) - {"results_dir"})
    return [f"{k} {pa.get(k)!r} -> {pb.get(k)!r}" for k in keys if pa.get(k) != pb.get(k)]


def compare(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    *,
    min_effect: float = latency.MIN_EFFECT,
    floor_ms: float = latency.FLOOR_MS,
) -> list[Change]:
    """Every change from run A to run B, regressions first.

    ``min_effect`` (a fraction, 0.5: 50%) and ``floor_ms`` (1 ms) are how far a p50 must
    move, beyond separated intervals, to be a regression or an improvement."""
    changes = (
        _variants(a, b, min_effect=min_effect, floor_ms=floor_ms)
        + _criteria(a, b)
        + _audit(a, b)
        + _cache(a, b)
    )
    order = {"regression": 0, "improvement": 1, "change": 2}
    return sorted(changes, key=lambda c: order[c.kind])

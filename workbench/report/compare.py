"""What changed between two report runs, and whether any of it is a regression.

A nightly run alerts through its exit code, so a regression has to mean something
that is not noise:

* query counts and N+1 counts are exact: any increase is a regression;
* a p95 change counts only beyond the noise of the repeats. A run's own noise is
  estimated per scenario and variant as the spread of its repeats, ``(p95 - p50) / p50``;
  a p95 change is real when its relative size exceeds the larger of 20% and either
  run's spread, and it is more than 1 ms (sub-millisecond timings jitter);
* a success criterion that passed and now fails is a regression;
* plan-shape changes, index-audit verdicts and scenarios present in one run only are
  reported as changes: a different plan is not worse by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

RELATIVE_FLOOR = 0.20
ABSOLUTE_FLOOR_MS = 1.0
HIT_RATE_STEP = 0.05


@dataclass(frozen=True)
class Change:
    scope: str  # "job_list / eager", "criterion", "index jobs_job_status_idx", ...
    text: str
    kind: str  # regression, improvement, change

    def line(self) -> str:
        mark = {"regression": "REGRESSION", "improvement": "better"}.get(self.kind, "changed")
        return f"{mark:<10}  {self.scope}: {self.text}"


def noise(figures: Mapping[str, Any]) -> float:
    """The run's own spread for one scenario and variant, relative to its median."""
    p50 = float(figures["p50_ms"])
    return max(0.0, (float(figures["p95_ms"]) - p50) / p50) if p50 > 0 else 0.0


def _count(scope: str, what: str, a: Any, b: Any) -> Change | None:
    if a == b:
        return None
    return Change(scope, f"{what} {a} -> {b}", "regression" if b > a else "improvement")


def _p95(scope: str, a: Mapping[str, Any], b: Mapping[str, Any]) -> Change | None:
    before, after = float(a["p95_ms"]), float(b["p95_ms"])
    threshold = max(RELATIVE_FLOOR, noise(a), noise(b))
    if before <= 0 or abs(after - before) <= ABSOLUTE_FLOOR_MS:
        return None
    rel = (after - before) / before
    if abs(rel) <= threshold:
        return None
    text = f"p95 {before:.1f} ms -> {after:.1f} ms ({rel:+.0%}, noise {threshold:.0%})"
    return Change(scope, text, "regression" if rel > 0 else "improvement")


def _shape(value: Any) -> str | None:
    if value is None:
        return None
    return " | ".join(value) if isinstance(value, list) else str(value)


def _variants(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[Change]:
    changes: list[Change] = []
    scen_a = {s["name"]: s["variants"] for s in a["scenarios"]}
    scen_b = {s["name"]: s["variants"] for s in b["scenarios"]}
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
                continue
            found = [
                _count(scope, "queries", fa["queries"], fb["queries"]),
                _count(scope, "N+1 patterns", fa["n_plus_one"], fb["n_plus_one"]),
                _p95(scope, fa, fb),
            ]
            shape_a, shape_b = _shape(fa.get("plan_shape")), _shape(fb.get("plan_shape"))
            if shape_a is not None and shape_b is not None and shape_a != shape_b:
                found.append(Change(scope, f"plan {shape_a} -> {shape_b}", "change"))
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


def compare(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[Change]:
    """Every change from run A to run B, regressions first."""
    changes = _variants(a, b) + _criteria(a, b) + _audit(a, b) + _cache(a, b)
    order = {"regression": 0, "improvement": 1, "change": 2}
    return sorted(changes, key=lambda c: order[c.kind])

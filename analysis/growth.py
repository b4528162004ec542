"""How a cost grows with the data: flat, logarithmic, linear or superlinear.

From ``(rows, value)`` points (one per scale), :func:`fit` names the growth:

- **flat** when the value changes by less than ``min_change`` (relative, 0.25) from the
  smallest to the largest scale, so noise on a flat curve stays flat;
- otherwise, with three or more points, the least-squares fits of
  ``value ~ a + b·f(rows)`` for ``f`` in ``log n``, ``n``, ``n log n`` and ``n²``
  (``b >= 0``) are compared and the one with the smallest squared error wins, a more
  complex one only when it beats the simpler by more than ``PREFER_SIMPLER`` (10%);
  ``n log n`` and ``n²`` are "superlinear";
- with two points no fit can tell the models apart (each goes through both), so the
  log-log slope ``k = Δlog value / Δlog rows`` decides: below 0.5 "log" (sublinear),
  below 1.25 "linear", above that "superlinear". With two scales "log" therefore
  means "grows, but clearly slower than the rows": a linear cost under a large fixed
  overhead reads the same.

:func:`growing_node` names the plan node whose exclusive time grew most between two
sets of EXPLAIN ANALYZE plans (the smallest and the largest scale), by its label
(``Seq Scan on job``); nodes with the same label are summed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from analysis.plans import Plan

MIN_CHANGE = 0.25
PREFER_SIMPLER = 0.10
LOG_BELOW, LINEAR_BELOW = 0.5, 1.25
KINDS = ("flat", "log", "linear", "superlinear")

# name -> (f, kind), simplest first
MODELS: dict[str, tuple[Any, str]] = {
    "log": (math.log, "log"),
    "linear": (float, "linear"),
    "nlogn": (lambda n: n * math.log(n), "superlinear"),
    "quadratic": (lambda n: float(n) ** 2, "superlinear"),
}


@dataclass
class Growth:
    """The fitted growth of one cost: its kind, the log-log slope and each model's error."""

    kind: str
    exponent: float | None
    change: float | None  # (last - first) / first, by rows
    model: str
    sse: dict[str, float] = field(default_factory=dict)
    points: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _least_squares(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float, float]:
    """``(a, b, sse)`` of ``y ~ a + b·x`` with ``b >= 0`` (a flat line when b would be < 0)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else 0.0
    b = max(b, 0.0)
    a = my - b * mx
    sse = sum((y - a - b * x) ** 2 for x, y in zip(xs, ys, strict=True))
    return a, b, sse


def _exponent(points: Sequence[tuple[float, float]]) -> float | None:
    """The least-squares slope of log value on log rows (None with a value <= 0)."""
    if any(v <= 0 for _, v in points):
        return None
    xs = [math.log(n) for n, _ in points]
    ys = [math.log(v) for _, v in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx if sxx else None


def _check(points: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    clean = sorted((float(n), float(v)) for n, v in points if n is not None and v is not None)
    if len({n for n, _ in clean}) < 2:
        raise ValueError("growth needs points at two or more different row counts")
    if any(n <= 0 for n, _ in clean):
        raise ValueError("row counts must be positive")
    return clean


def fit(points: Iterable[tuple[float, float]], min_change: float = MIN_CHANGE) -> Growth:
    """The growth of ``value`` with ``rows`` from ``(rows, value)`` points (see module doc)."""
    clean = _check(points)
    first, last = clean[0][1], clean[-1][1]
    change = (last - first) / abs(first) if first else (0.0 if last == first else math.inf)
    exponent = _exponent(clean)
    ys = [v for _, v in clean]
    mean = sum(ys) / len(ys)
    sse = {"flat": sum((y - mean) ** 2 for y in ys)}
    for name, (f, _) in MODELS.items():
        sse[name] = _least_squares([f(n) for n, _ in clean], ys)[2]
    sse = {k: round(v, 6) for k, v in sse.items()}

    def growth(kind: str, model: str) -> Growth:
        rounded = None if exponent is None else round(exponent, 3)
        return Growth(kind, rounded, round(change, 4), model, sse, len(clean))

    spread = max(ys) - min(ys)
    if abs(change) < min_change and spread <= min_change * max(abs(first), 1e-12):
        return growth("flat", "flat")
    if last < first:  # shrinking costs are not growth
        return growth("flat", "flat")
    if len(clean) == 2:
        if exponent is None or exponent < LOG_BELOW:
            return growth("log", "slope")
        return growth("linear" if exponent < LINEAR_BELOW else "superlinear", "slope")
    best = "log"
    for name in list(MODELS)[1:]:
        if sse[name] < sse[best] * (1 - PREFER_SIMPLER):
            best = name
    return growth(MODELS[best][1], best)


def _node_times(plans: Iterable[Mapping[str, Any] | Plan]) -> dict[str, float]:
    times: dict[str, float] = {}
    for document in plans:
        plan = document if isinstance(document, Plan) else Plan.from_json(dict(document))
        for node in plan.nodes:
            if node.exclusive_ms is not None:
                times[node.label] = times.get(node.label, 0.0) + node.exclusive_ms
    return times


def growing_node(
    small: Iterable[Mapping[str, Any] | Plan], large: Iterable[Mapping[str, Any] | Plan]
) -> dict[str, Any] | None:
    """``{"node", "small_ms", "large_ms"}`` for the node whose exclusive time grew most.

    ``small``/``large``: the EXPLAIN ANALYZE plans (JSON documents or :class:`Plan`) of
    one subject at the smallest and the largest scale. None when no node grew.
    """
    before, after = _node_times(small), _node_times(large)
    grown = {label: ms - before.get(label, 0.0) for label, ms in after.items()}
    if not grown:
        return None
    label = max(grown, key=lambda k: grown[k])
    if grown[label] <= 0:
        return None
    return {
        "node": label,
        "small_ms": round(before.get(label, 0.0), 3),
        "large_ms": round(after[label], 3),
    }

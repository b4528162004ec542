"""How `workbench compare` decides that a latency changed between two runs.

Two identical runs on a shared machine differ (by a median 1.43x per cell with five
repeats), so a difference of medians is not a verdict. A cell (scenario and variant)
regressed only when all of these hold:

* **separated intervals**: run B's bootstrap 95% interval of the p50 (``p50_ci`` in
  ``summary.json``) lies wholly above run A's (below it for an improvement);
* **a material change**: the p50 moved by at least ``min_effect`` (``MIN_EFFECT``, 50%)
  *and* by ``floor_ms`` (``FLOOR_MS``, 1 ms: sub-millisecond timings jitter);
* **the same, net of the shift**: :func:`run_shift` is the median over cells of B's
  p50 / A's p50, what the machine's load did while they ran. The variants run one after
  another, so load lands on one variant's block: each cell is also judged with B's
  figures divided by its variant's shift (the median over its scenarios; the whole run's
  when a variant has fewer than ``SHIFT_MIN_CELLS`` cells). Shifts over 10% are shown.
  Measured here, three identical 200-call runs of 25 cells shifted by 1.20x, 1.23x and
  1.58x as a whole, and two identical report runs moved one variant by 2.9x.

Why these defaults: an interval describes one run's calls, not the difference between
two runs minutes apart. With 200 calls a p50 interval is a few percent wide, yet the
same three runs (variants not interleaved) gave 25 cell "regressions" at 25% as
measured, 18 at 50%, and 4 / 3 / 1 at 25% / 40% / 50% net of the run-wide shift (of 75
cell comparisons). 50% net of the shift is the smallest effect that kept them nearly
quiet; both are parameters (``compare(..., min_effect=, floor_ms=)``) and
``bench/compare_noise.py`` measures what they leave on real report pairs. A change that
slows every scenario of a variant alike moves the shift, not the cells: it is shown
("every <variant> cell"), not judged, because two runs cannot tell it from load.

The p50 decides, not the p95: with a few hundred calls the p95 rests on the slowest
handful, its interval was 3 to 60 times wider than the p50's in those runs (job_list
under cache: 1.6 to 64 ms), and one hiccup of the machine moves it. The p95 is judged
by the same rule and, when it alone moved, shown as a change ("tail"), never a failure.

Runs whose figures carry no interval (summaries written before intervals existed, or a
cell with fewer than two samples), or fewer than ``MIN_SAMPLES`` (20) timed calls behind
one (the report's five repeats), fall back to a conservative rule, and every line it
produces says ``fallback``: a p50 that at least doubled (``FALLBACK_FACTOR``), by more
than the floor, and beyond the other run's p95 is *shown*, as a change, but never
judged a regression or an improvement. Five repeats cannot carry a verdict here: two
identical five-repeat runs on this machine had nine cells that more than doubled with
B's p50 above A's p95 (up to 4.7x), and their five-call intervals came apart by 2x in
identical runs, so any factor low enough to catch a real slowdown cried wolf. Without
intervals only the exact figures (query and N+1 counts, criteria)
can fail a comparison.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MIN_EFFECT = 0.50
FLOOR_MS = 1.0
FALLBACK_FACTOR = 2.0
# Fewer timed calls than this and a bootstrap interval of the p50 is too coarse to trust
# (it can only move between a handful of order statistics): the fallback decides.
MIN_SAMPLES = 20
DECIDING = "p50"
# A run-wide shift of the p50s larger than this is worth a note (machine load, or a
# change everywhere): it is reported, not judged.
SHIFT_NOTE = 0.10
# A median over fewer cells is one cell's noise: no shift is taken out.
SHIFT_MIN_CELLS = 5
SHIFT_WHY = "the machine's load while they ran, or a change to all of them; judged net of it"

SLOWER, FASTER, SAME = "slower", "faster", "no change"
MOVED = "moved"  # the fallback's verdict: shown as a change, not judged


@dataclass(frozen=True)
class Latency:
    """The verdict on one figure of one cell: slower, faster, no change (or moved: fallback)."""

    verdict: str
    rule: str  # "intervals" or "fallback"
    text: str


def interval(figures: Mapping[str, Any], q: str) -> tuple[float, float] | None:
    """The figure's ``[low, high]`` (``p50_ci``), or None when absent or incomplete."""
    ci = figures.get(f"{q}_ci")
    if not isinstance(ci, Sequence) or len(ci) != 2 or any(v is None for v in ci):
        return None
    return float(ci[0]), float(ci[1])


def _ms(value: float) -> str:
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _samples(figures: Mapping[str, Any]) -> float:
    """The timed calls behind a figure; unknown counts as enough (the interval decides)."""
    samples = figures.get("samples")
    return float(samples) if isinstance(samples, int | float) else math.inf


def _material(before: float, after: float, min_effect: float, floor_ms: float) -> bool:
    low, high = sorted((before, after))
    return high - low >= floor_ms and low > 0 and high / low >= 1 + min_effect


def _change(before: float, after: float) -> str:
    return f"{after / before - 1:+.0%}" if before > 0 else "new"


def judge_figure(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    q: str = DECIDING,
    *,
    min_effect: float = MIN_EFFECT,
    floor_ms: float = FLOOR_MS,
    fallback_factor: float = FALLBACK_FACTOR,
) -> Latency:
    """Run A's and run B's figures of one cell (``p50_ms``, ``p50_ci``, ``p95_ms``, ...)."""
    before, after = float(a[f"{q}_ms"]), float(b[f"{q}_ms"])
    ia, ib = interval(a, q), interval(b, q)
    material = _material(before, after, min_effect, floor_ms)
    few = min(_samples(a), _samples(b))
    if ia is not None and ib is not None and few >= MIN_SAMPLES:
        verdict = SAME
        if material and ib[0] > ia[1] and after > before:
            verdict = SLOWER
        elif material and ib[1] < ia[0] and after < before:
            verdict = FASTER
        text = (
            f"{q} {_ms(before)} ms [{_ms(ia[0])}, {_ms(ia[1])}] -> {_ms(after)} ms "
            f"[{_ms(ib[0])}, {_ms(ib[1])}] ({_change(before, after)}, "
            f"{'intervals apart' if ib[0] > ia[1] or ib[1] < ia[0] else 'intervals overlap'})"
        )
        return Latency(verdict, "intervals", text)
    beyond = (after > before and after > float(a.get("p95_ms", before))) or (
        after < before and before > float(b.get("p95_ms", after))
    )
    moved = beyond and _material(before, after, fallback_factor - 1, floor_ms)
    why = "no intervals" if ia is None or ib is None else f"{few:g} samples"
    text = (
        f"{q} {_ms(before)} ms -> {_ms(after)} ms ({_change(before, after)}; fallback, "
        f"{why}: shown, not judged)"
    )
    return Latency(MOVED if moved else SAME, "fallback", text)


def scaled(figures: Mapping[str, Any], factor: float) -> dict[str, Any]:
    """The figures with every latency and interval divided by ``factor``."""
    out = dict(figures)
    for q in ("p50", "p95"):
        if out.get(f"{q}_ms") is not None:
            out[f"{q}_ms"] = float(out[f"{q}_ms"]) / factor
        ci = interval(figures, q)
        if ci is not None:
            out[f"{q}_ci"] = [ci[0] / factor, ci[1] / factor]
    return out


def _judged(
    a: Mapping[str, Any], b: Mapping[str, Any], q: str, shift: float, **rule: float
) -> Latency:
    """The figure judged as measured and, when the run moved, net of the run-wide shift:
    a verdict stands only when both agree."""
    raw = judge_figure(a, b, q, **rule)
    if raw.verdict in (SAME, MOVED) or raw.rule != "intervals" or abs(shift - 1) < 1e-9:
        return raw
    net = judge_figure(a, scaled(b, shift), q, **rule)
    before, after = float(a[f"{q}_ms"]), float(b[f"{q}_ms"]) / shift
    text = f"{raw.text[:-1]}; {_change(before, after)} net of the shift x{shift:.2f})"
    return Latency(raw.verdict if net.verdict == raw.verdict else SAME, raw.rule, text)


def judge_cell(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    *,
    shift: float = 1.0,
    min_effect: float = MIN_EFFECT,
    floor_ms: float = FLOOR_MS,
) -> tuple[Latency, Latency | None]:
    """The deciding p50's verdict, and the p95's when it alone moved (judged on intervals).

    ``shift`` is the run-wide factor (:func:`run_shift`): a cell is slower only when it
    is slower both as measured and net of that factor (faster likewise), so a machine
    busier during one run does not make every cell of it a regression.
    """
    rule = {"min_effect": min_effect, "floor_ms": floor_ms}
    decided = _judged(a, b, DECIDING, shift, **rule)
    tail = None
    if decided.verdict == SAME and interval(a, "p95") and interval(b, "p95"):
        p95 = _judged(a, b, "p95", shift, **rule)
        tail = p95 if p95.verdict != SAME else None
    return decided, tail


def run_shift(pairs: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]) -> float | None:
    """The median over cells of B's p50 / A's p50: how much the whole run moved (None
    with fewer than ``SHIFT_MIN_CELLS`` cells)."""
    ratios = sorted(
        float(b["p50_ms"]) / float(a["p50_ms"])
        for a, b in pairs
        if float(a["p50_ms"]) > 0 and float(b["p50_ms"]) > 0
    )
    if len(ratios) < SHIFT_MIN_CELLS:
        return None
    middle = len(ratios) // 2
    logs = [math.log(r) for r in ratios]
    log_median = logs[middle] if len(logs) % 2 else (logs[middle - 1] + logs[middle]) / 2
    return math.exp(log_median)

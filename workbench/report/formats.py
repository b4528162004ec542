"""How the report writes numbers: fixed formats with units, never scientific notation.

One home for every figure a page, a table or the terminal shows, so the same value reads
the same everywhere:

* times in milliseconds with two decimals (``74.40 ms``), and two significant digits
  below one (``0.062 ms``), so a cache hit is not shown as ``0.00 ms``;
* ratios with three significant digits and an ``x`` (``236x``, ``12.3x``, ``1.54x``);
* a change between two figures as a ratio above 1 with its direction in words
  (``236x faster``, ``1.14x slower``), never ``0.00x``;
* percentages with one decimal (``66.3%``), counts with thousands separators.

``cell`` turns any value a table holds into text the same way (``-`` for nothing,
``yes``/``no``, lists joined, mappings as ``key: value``), so no page prints a Python repr.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

NOTHING = "-"


def _finite(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def decimal(value: Any, places: int = 2) -> str:
    """Fixed notation: ``places`` decimals from 1 up, two significant digits below 1."""
    number = _finite(value)
    if number is None:
        return NOTHING
    if number == 0:
        return "0"
    size = abs(number)
    if size >= 1:
        return f"{number:,.{places}f}"
    digits = min(6, max(places, 1 - math.floor(math.log10(size))))
    text = f"{number:.{digits}f}"
    return text if float(text) != 0 else ("< 0.000001" if number > 0 else "> -0.000001")


def ms(value: Any) -> str:
    """``74.40 ms``, ``0.062 ms``, ``0 ms``; ``-`` when nothing was measured."""
    text = decimal(value)
    return text if text == NOTHING else f"{text} ms"


def seconds(value: Any) -> str:
    text = decimal(value)
    return text if text == NOTHING else f"{text} s"


def count(value: Any) -> str:
    """``1,234``; a fractional count (an average per call) keeps up to two decimals."""
    number = _finite(value)
    if number is None:
        return NOTHING
    if number == int(number):
        return f"{int(number):,}"
    return f"{number:,.2f}".rstrip("0").rstrip(".")


def ratio(value: Any) -> str:
    """``236x``, ``12.3x``, ``1.54x``, ``0.062x``: three significant digits."""
    number = _finite(value)
    if number is None:
        return NOTHING
    size = abs(number)
    if size >= 100:
        return f"{number:,.0f}x"
    if size >= 10:
        return f"{number:.1f}x"
    if size >= 1 or size == 0:
        return f"{number:.2f}x" if size else "0x"
    return f"{decimal(number)}x"


def percent(value: Any, fraction: bool = False) -> str:
    """``66.3%`` from 66.3, or from 0.663 with ``fraction``."""
    number = _finite(value)
    if number is None:
        return NOTHING
    return f"{number * 100 if fraction else number:,.1f}%"


def change(after_over_before: Any) -> str:
    """A ratio after/before in words: ``3.48x faster``, ``1.14x slower``, ``the same``."""
    number = _finite(after_over_before)
    if number is None:
        return NOTHING
    if number == 0:
        return "down to 0"
    if abs(number - 1) < 0.005:
        return "the same"
    return f"{ratio(1 / number)} faster" if number < 1 else f"{ratio(number)} slower"


def speedup(judged: Mapping[str, Any] | None, after_over_before: Any = None) -> str:
    """A judged speedup (before/after with its interval and verdict) in words.

    ``{"speedup": 3.48, "ci": [3.03, 4.87], "verdict": "faster"}`` reads
    ``3.48x faster [3.03x, 4.87x]``; a ``no change`` verdict says so with the ratio;
    without a judgement the plain ratio after/before is used (:func:`change`).
    """
    if not judged or _finite(judged.get("speedup")) in (None, 0):
        return change(after_over_before)
    value, verdict = float(judged["speedup"]), judged.get("verdict")
    ci = judged.get("ci") if isinstance(judged.get("ci"), list | tuple) else None
    if verdict == "no change":
        return f"no change ({change(1 / value)}, within noise)"
    if value >= 1:
        words = f"{ratio(value)} faster"
        low_high = ci and (ci[0], ci[1])
    else:
        words = f"{ratio(1 / value)} slower"
        low_high = ci and (1 / ci[1] if ci[1] else None, 1 / ci[0] if ci[0] else None)
    if low_high and None not in low_high:
        words += f" [{ratio(low_high[0])}, {ratio(low_high[1])}]"
    return words


def cell(value: Any) -> str:
    """Any value a table holds, as text: no repr, no scientific notation, no ``nan``."""
    if value is None:
        return NOTHING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return decimal(value) if math.isfinite(value) else NOTHING
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {cell(v)}" for k, v in value.items()) or NOTHING
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(cell(v) for v in value) or NOTHING
    text = str(value)
    return text if text.strip() else NOTHING

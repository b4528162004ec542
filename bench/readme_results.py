"""The README's results tables, from one report run's summary.json (nothing typed by hand).

    python bench/readme_results.py reports/latest

Prints two Markdown tables: the success criteria (with what traffic each was judged on,
its 95% interval and its samples) and, per scenario, the queries of each variant (a
cached variant's on a miss), the baseline's N+1 patterns, the p50s, and the speedup of
``all`` over ``baseline`` with its interval and verdict, on hits and on misses.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

VARIANTS = ("baseline", "indexes", "eager", "cache", "all")


def number(value, unit: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        text = f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    else:
        text = str(value)
    return f"{text}{unit}"


def interval(ci, unit: str = "") -> str:
    return "" if not ci else f" [{number(ci[0], unit)}, {number(ci[1], unit)}]"


def criteria(summary: dict) -> list[str]:
    lines = [
        "| | criterion | measured | 95% interval | on | samples |",
        "|---|---|---|---|---|---|",
    ]
    for c in summary["criteria"]:
        unit = {"%": "%", "ms": " ms"}.get(c["unit"], "")
        samples = c.get("samples")
        samples = " / ".join(map(str, samples)) if isinstance(samples, list) else samples
        lines.append(
            f"| {'PASS' if c['passed'] else 'FAIL'} | {c['name']} | {number(c['measured'], unit)} "
            f"|{interval(c.get('ci'), unit) or ' -'} | {c.get('measured_on', '-')} "
            f"| {samples if samples is not None else '-'} |"
        )
    return lines


def queries(figures: dict) -> str:
    miss = figures.get("miss") or {}
    return str(miss.get("queries", figures["queries"]))


def speedup(block: dict | None) -> str:
    if not block:
        return "-"
    return f"{number(block['speedup'])}x{interval(block.get('ci'))} {block['verdict']}"


def scenarios(summary: dict) -> list[str]:
    lines = [
        "| scenario | queries: baseline / indexes / eager / cache / all (miss) | N+1 | "
        "p50 ms: baseline / indexes / eager / all (hit / miss) | `all` vs baseline, p50 |",
        "|---|---|---:|---|---|",
    ]
    for s in summary["scenarios"]:
        v = s["variants"]
        counts = " / ".join(queries(v[name]) for name in VARIANTS if name in v)
        allv = v.get("all", {})
        hit, miss = allv.get("hit") or {}, allv.get("miss") or {}
        p50 = " / ".join(number(v[n]["p50_ms"]) for n in ("baseline", "indexes", "eager") if n in v)
        p50 += f" / {number(hit.get('p50_ms'))} / {number(miss.get('p50_ms'))}"
        lines.append(
            f"| `{s['name']}` | {counts} | {v['baseline']['n_plus_one']} | {p50} "
            f"| {speedup(allv.get('speedup'))} |"
        )
    return lines


def main() -> int:
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "reports/latest")
    summary = json.loads((folder / "summary.json").read_text())
    print("\n".join(criteria(summary)))
    print()
    print("\n".join(scenarios(summary)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What to do next: the run's measured actions, ranked by what each saves.

Four kinds, each from a measurement of this run, never from a rule of thumb:

* ``add_index``: an index the advisor kept that the database lacks. Saving: server
  time per request of the scenario it helps most (the advisor's paired EXPLAIN ANALYZE
  rounds: the workload pass's saving for that scenario over its calls in the pass).
* ``fix_n_plus_one``: the eager-loading fixes the baseline's findings name, per
  scenario. Saving: p50 of that scenario's requests under ``baseline`` minus under
  ``eager``, on the mixed traffic when it ran (else the isolated calls).
* ``cache_response``: caching the scenario's responses (the ``cache`` variant). Saving:
  ``baseline`` minus ``cache`` the same way, misses and invalidations included.
* ``drop_index``: an index the advisor dropped. Its reads are covered (the set keeps
  every statement within the noise band); the saving is write time, in ms per 1,000
  rows inserted and updated, from the audit's write rounds.

Read savings come first, ranked by ``saving_ms``; drops after them, ranked the same
way. An action whose interval reaches zero or whose saving is under the minimum effect
(10% of what it improves) is ``worth_it: false``: listed apart as "not worth it".
A TTL change is never proposed: no run measures TTLs against each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from analysis import stats
from workbench.study.variants import BASELINE

PER_REQUEST = "ms per request (p50)"
PER_REQUEST_SERVER = "server ms per request"
PER_1000_WRITES = "ms per 1,000 written rows"
# A drop pays off when nothing reads the index (a duplicate that stays serves every read
# it served, or no plan picks it), or when writes with it take at least 5% longer.
WRITE_EFFECT = 0.05


def _round_ci(ci) -> list[float] | None:
    return None if ci is None else [round(ci[0], 3), round(ci[1], 3)]


def _worth(saving: float | None, ci, reference: float | None) -> bool:
    if saving is None or ci is None or ci[0] <= 0:
        return False
    return reference is None or saving >= stats.MIN_EFFECT * reference


def index_actions(advice: Mapping[str, Any], migration: Mapping[str, str] | None = None):
    """``add_index`` and ``drop_index`` recommendations from ``advice.json``."""
    calls = advice.get("calls_per_scenario") or {}
    out = []
    for r in advice.get("records", []):
        target = f"{r['table']} ({', '.join(r['columns'])})"
        app_file = (migration or {}).get(r["table"])
        if r["action"] == "add":
            best, best_ms, best_ci = None, None, None
            for source, figure in (r.get("saving_by_source") or {}).items():
                n = calls.get(source) or 1
                if figure["ci"] is None:
                    continue
                ms = figure["ms"] / n
                if best_ms is None or ms > best_ms:
                    best, best_ms = source, ms
                    best_ci = [figure["ci"][0] / n, figure["ci"][1] / n]
            worth = best_ms is not None and _worth(best_ms, best_ci, None)
            if r.get("origin") == "proposed":  # declared by the models: its own migration
                how = " (one of the plan's: `workbench indexes apply` builds it)"
            else:
                how = f" (migration {app_file})" if app_file else ""
            out.append(
                {
                    "kind": "add_index",
                    "target": target,
                    "action": f"add index {r['index']} on {target}{how}",
                    "saving_ms": None if best_ms is None else round(best_ms, 3),
                    "saving_ci": _round_ci(best_ci),
                    "unit": PER_REQUEST_SERVER + (f" of {best}" if best else ""),
                    "write_cost_ratio": r.get("write_cost_ratio"),
                    "worth_it": worth,
                    "evidence": {
                        "index": r["index"],
                        "reason": r.get("reason", ""),
                        "used_by": r.get("used_in_set", []),
                        "per_workload_pass_ms": r.get("saving_ms"),
                        "per_workload_pass_ci": r.get("saving_ci"),
                        "page": "03_indexes.html",
                    },
                }
            )
        elif r["action"] == "drop":
            saved = _write_saving(r)
            ratio = r.get("write_cost_ratio")
            worth = r["verdict"] in ("redundant", "unused") or (
                ratio is not None and ratio >= 1 + WRITE_EFFECT and (saved or 0) > 0
            )
            why = (
                f"covered by {r['duplicates']}, which stays"
                if r.get("duplicates")
                else r["verdict"]
            )
            out.append(
                {
                    "kind": "drop_index",
                    "target": target,
                    "action": f"drop index {r['index']} ({why})"
                    + (f" (migration {app_file})" if app_file else ""),
                    "saving_ms": saved,
                    "saving_ci": None,
                    "unit": PER_1000_WRITES,
                    "write_cost_ratio": ratio,
                    "worth_it": worth,
                    "evidence": {
                        "index": r["index"],
                        "verdict": r["verdict"],
                        "size_bytes": r.get("size_bytes"),
                        "page": "03_indexes.html",
                    },
                }
            )
    return out


def _write_saving(record: Mapping[str, Any]) -> float | None:
    """ms saved per 1,000 rows inserted and 1,000 updated without the index (measured)."""
    total = 0.0
    for without, with_ in (
        ("insert_rows_per_s", "insert_rows_per_s_with"),
        ("update_rows_per_s", "update_rows_per_s_with"),
    ):
        a, b = record.get(without), record.get(with_)
        if not a or not b:
            return None
        total += 1e6 / b - 1e6 / a
    return round(total, 3)


def _samples(measured, scenario: str, variant: str) -> tuple[list[float], str]:
    """The scenario's request times under ``variant``: mixed traffic if run, else isolated."""
    mixed = (measured.mixed or {}).get(variant) or {}
    picked = [s[2] for s in mixed.get("samples_ms") or [] if s[0] == scenario and s[1] == "read"]
    if len(picked) >= 2:
        return picked, "mixed"
    return measured.walls(scenario, variant), "isolated"


def _saving(measured, scenario: str, better: str) -> dict[str, Any] | None:
    before, on_before = _samples(measured, scenario, BASELINE)
    after, on_after = _samples(measured, scenario, better)
    if len(before) < 2 or len(after) < 2:
        return None
    point, ci = stats.difference_ci(before, after)
    reference = stats.percentile(before, 50)
    return {
        "saving_ms": round(point, 3),
        "saving_ci": _round_ci(ci),
        "worth_it": _worth(point, ci, reference),
        "measured_on": on_before if on_before == on_after else "isolated",
        "samples": [len(before), len(after)],
        "baseline_p50_ms": round(reference, 3),
    }


def code_actions(measured) -> list[dict[str, Any]]:
    """``fix_n_plus_one`` and ``cache_response`` recommendations from the measured run."""
    if measured is None:
        return []
    out = []
    for name, scenario in measured.scenarios.items():
        variants = scenario["variants"]
        findings = (variants.get(BASELINE) or {}).get("n_plus_one_details") or []
        if findings and "eager" in variants:
            measured_saving = _saving(measured, name, "eager")
            fixes = list(dict.fromkeys(_fix_text(f) for f in findings))
            if measured_saving:
                out.append(
                    {
                        "kind": "fix_n_plus_one",
                        "target": name,
                        "action": "; ".join(fixes),
                        "unit": PER_REQUEST,
                        "write_cost_ratio": None,
                        **_pick(measured_saving),
                        "evidence": {
                            "findings": [f["message"] for f in findings],
                            "measured_on": measured_saving["measured_on"],
                            "samples": measured_saving["samples"],
                            "page": "04_eager_loading.html",
                        },
                    }
                )
        if "cache" in variants:
            measured_saving = _saving(measured, name, "cache")
            if measured_saving:
                out.append(
                    {
                        "kind": "cache_response",
                        "target": name,
                        "action": f"cache the {name} responses in Redis, invalidated on writes",
                        "unit": PER_REQUEST,
                        "write_cost_ratio": None,
                        **_pick(measured_saving),
                        "evidence": {
                            "measured_on": measured_saving["measured_on"],
                            "samples": measured_saving["samples"],
                            "page": "05_caching.html",
                        },
                    }
                )
    return out


def _pick(saving: Mapping[str, Any]) -> dict[str, Any]:
    return {k: saving[k] for k in ("saving_ms", "saving_ci", "worth_it")}


def _fix_text(finding: Mapping[str, Any]) -> str:
    where = finding.get("fix_in") or finding.get("call_site") or ""
    return f"{finding['fix']} in {where}" if where else str(finding["fix"])


def rank(actions: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Read savings first, then drops; each by saving, largest first; ``rank`` from 1."""
    ordered = sorted(
        (dict(a) for a in actions),
        key=lambda a: (a["unit"] == PER_1000_WRITES, -(a["saving_ms"] or 0.0), a["target"]),
    )
    for position, action in enumerate(ordered, start=1):
        action["rank"] = position
    return ordered


def recommendations(advice: Mapping[str, Any] | None, measured, migration=None) -> list[dict]:
    """Every action of the run, ranked (see the module's docstring)."""
    return rank([*(index_actions(advice, migration) if advice else []), *code_actions(measured)])

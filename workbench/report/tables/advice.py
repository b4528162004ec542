"""What to do next: the ranked recommendations, the index set, and how the advisor got there."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from workbench.report import formats
from workbench.report.tables.table import Code, Table, table

KIND_WORDS = {
    "add_index": "add an index",
    "drop_index": "drop an index",
    "fix_n_plus_one": "fix N+1 queries",
    "cache_response": "cache responses",
}


def _interval(ci: Sequence[float] | None, unit: str) -> str:
    if not ci:
        return formats.NOTHING
    suffix = " ms" if unit.startswith(("ms", "server ms")) else ""
    return f"{formats.decimal(ci[0])} to {formats.decimal(ci[1])}{suffix}"


def _saving(r: Mapping[str, Any]) -> str:
    value = r.get("saving_ms")
    return formats.NOTHING if value is None else f"{formats.ms(value)} {_per(r['unit'])}"


def _per(unit: str) -> str:
    """The unit's "per ..." part (``ms per request (p50)`` -> ``per request (p50)``)."""
    return unit.split(" ", 1)[1] if unit.startswith("ms ") else unit.replace("server ms ", "")


def recommendations_frame(recs: Sequence[Mapping[str, Any]], worth_it: bool = True) -> Table:
    """The actions worth doing (or, ``worth_it=False``, those within the noise band)."""
    picked = [r for r in recs if bool(r.get("worth_it")) == worth_it]
    rows = [
        [
            formats.count(r.get("rank")),
            KIND_WORDS.get(r["kind"], r["kind"]),
            Code(r["action"]),
            _saving(r),
            _interval(r.get("saving_ci"), r.get("unit", "")),
            formats.ratio(r.get("write_cost_ratio")),
            _evidence(r.get("evidence") or {}),
        ]
        for r in picked
    ]
    empty = (
        "No action saves more than the noise band in this run."
        if worth_it
        else "Every measured action cleared the noise band."
    )
    return table(
        ["#", "what", "action", "saving", "95% interval", "write cost", "evidence"],
        rows,
        empty=empty,
    )


def _evidence(evidence: Mapping[str, Any]) -> str:
    parts = []
    if evidence.get("page"):
        parts.append(f"see {evidence['page']}")
    if evidence.get("measured_on"):
        parts.append(f"measured on {evidence['measured_on']} traffic")
    if evidence.get("used_by"):
        parts.append("read by " + ", ".join(evidence["used_by"]))
    if evidence.get("findings"):
        parts.append("; ".join(evidence["findings"]))
    return "; ".join(parts) or formats.NOTHING


def index_set_lines(advice: Mapping[str, Any] | None) -> list[str]:
    """The recommended set in words, with how the candidates were found and screened."""
    if not advice:
        return ["The index advisor did not run in this run."]
    s = advice["index_set"]
    records = advice.get("records", [])
    built = sum(1 for r in records if r.get("origin") == "candidate")
    screen = (advice.get("screen") or {}).get("skipped") or (
        f"HypoPG screened them and rejected {len((advice.get('screen') or {}).get('rejected', {}))}"
    )
    lines = [
        f"Recommended index set: keep {len(s['keep'])}, add {len(s['add'])}, "
        f"drop {len(s['drop'])}.",
        f"{len(advice.get('candidates', []))} candidate indexes read from the workload's SQL; "
        f"{built} built and timed ({screen}).",
        f"Measured on: {advice.get('measured_on', formats.NOTHING)}; "
        f"{advice.get('rounds', formats.NOTHING)} paired rounds per decision.",
    ]
    files = sorted(set((advice.get("migration") or {}).values()))
    if files:
        lines.append("Migrations: " + ", ".join(files))
    return lines


def candidates_frame(advice: Mapping[str, Any] | None) -> Table:
    """Every candidate the workload asked for, who asked, and what became of it."""
    rows = [
        [
            c["index"],
            f"{c['table']} ({', '.join(c['columns'])})",
            ", ".join(c.get("shapes", [])),
            ", ".join(c.get("asked_by", [])) or formats.NOTHING,
            c.get("screen") or formats.NOTHING,
        ]
        for c in (advice or {}).get("candidates", [])
    ]
    return table(
        ["candidate", "on", "shape", "asked by", "outcome"],
        rows,
        empty="No candidate: every filter, join and sort of the workload has an index.",
    )


def final_check_frame(advice: Mapping[str, Any] | None) -> Table:
    """Statements whose plan changed in the set, against all indexes present."""
    rows = [
        [
            ", ".join(c["sources"]),
            formats.speedup(c, None) if c.get("speedup") else formats.NOTHING,
            ", ".join(c.get("restored") or []) or formats.NOTHING,
        ]
        for c in (advice or {}).get("final_check", [])
    ]
    return table(
        ["statement of", "all indexes vs the set", "indexes put back"],
        rows,
        empty="No statement's plan changed between all indexes and the recommended set.",
    )


def index_set_frame(records: Sequence[Mapping[str, Any]]) -> Table:
    """Every judged index in the set: what to do with it, why, and what it saves there."""
    order = {"add": 0, "keep": 1, "drop": 2, "none": 3}
    rows = [
        [
            r["index"],
            f"{r['table']} ({', '.join(r['columns'])})",
            "plan" if r.get("origin", "proposed") == "proposed" else "workload",
            r.get("action", formats.NOTHING),
            r["verdict"] + (f" (covered by {r['duplicates']})" if r.get("duplicates") else ""),
            formats.ms(r.get("saving_ms")),
            _interval(r.get("saving_ci"), "ms"),
            formats.ratio(r.get("write_cost_ratio")),
            ", ".join(r.get("used_in_set") or []) or formats.NOTHING,
        ]
        for r in sorted(records, key=lambda r: (order.get(r.get("action", "none"), 4), r["index"]))
    ]
    return table(
        ["index", "on", "from", "action", "verdict", "saving in the set", "95% interval",
         "write cost", "read by"],
        rows,
        empty="The index advisor did not run in this run.",
    )  # fmt: skip

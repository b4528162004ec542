"""The index audit as a table, its notes and counts; and what seeding loaded."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from workbench.report.tables.frames import make_frame

if TYPE_CHECKING:
    import pandas as pd


def audit_frame(records: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The index audit: verdict, what it duplicates, size, write cost, who uses it, the gain."""
    rows = [
        {
            "index": r["index"],
            "on": f"{r['table']} ({', '.join(r['columns'])})",
            "verdict": r["verdict"] + (" *" if r.get("note") else ""),
            "duplicates": r.get("duplicates") or "",
            "size kB": None if r.get("size_bytes") is None else round(r["size_bytes"] / 1024),
            "write x": r.get("write_cost_ratio"),
            "used by": ", ".join(r.get("used_by") or []),
            "gain ms": r.get("gain_ms"),
        }
        for r in records
    ]
    columns = ["index", "on", "verdict", "duplicates", "size kB", "write x", "used by", "gain ms"]
    return make_frame(rows, columns).set_index("index")


def audit_notes(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """The notes behind the table's asterisks ("picked by the planner, but no measurable gain")."""
    return [f"* {r['index']}: {r['note']}" for r in records if r.get("note")]


def audit_summary(records: Sequence[Mapping[str, Any]]) -> str:
    counts = audit_counts(records)
    return (
        f"{len(records)} indexes: {counts['useful']} useful, {counts['redundant']} redundant, "
        f"{counts['unused']} unused by these scenarios"
    )


def audit_counts(records: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    return {v: sum(r["verdict"] == v for r in records) for v in ("useful", "redundant", "unused")}


def seed_rows_frame(seeded: Mapping[str, Any]) -> pd.DataFrame:
    """Rows per table, largest first, with the total (``seed.json`` or SeedResult.as_dict())."""
    import pandas as pd

    rows = pd.Series(seeded["rows"], name="rows").sort_values(ascending=False).to_frame()
    rows.loc["total"] = sum(seeded["rows"].values())
    return rows


def seed_timings_frame(seeded: Mapping[str, Any]) -> pd.DataFrame:
    import pandas as pd

    timings = {
        "generate (s)": seeded["generate_s"],
        "load (s)": seeded["load_s"],
        "keys and indexes (s)": seeded["index_s"],
        "analyze (s)": seeded["analyze_s"],
        "total (s)": seeded["seconds"],
        "rows per second": round(seeded["rows_per_s"]),
    }
    return pd.Series(timings).to_frame("value")

"""The index audit as a table, its notes and counts; and what seeding loaded."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from workbench.report import formats
from workbench.report.tables.table import Table, table


def _kilobytes(size: Any) -> str:
    return formats.NOTHING if size is None else f"{formats.count(round(size / 1024))} kB"


def audit_frame(records: Sequence[Mapping[str, Any]]) -> Table:
    """The index audit: verdict, what it duplicates, size, write cost, who uses it, the gain."""
    rows = [
        [
            r["index"],
            f"{r['table']} ({', '.join(r['columns'])})",
            r["verdict"] + (" *" if r.get("note") else ""),
            r.get("duplicates") or formats.NOTHING,
            _kilobytes(r.get("size_bytes")),
            formats.ratio(r.get("write_cost_ratio")),
            ", ".join(r.get("used_by") or []) or "no scenario",
            formats.ms(r.get("gain_ms")),
        ]
        for r in records
    ]
    return table(
        ["index", "on", "verdict", "duplicates", "size", "write cost", "used by", "gain"],
        rows,
        empty="The index audit did not run in this run.",
    )


def audit_notes(records: Sequence[Mapping[str, Any]]) -> list[str]:
    """The notes behind the table's asterisks ("picked by the planner, but no measurable gain")."""
    return [f"* {r['index']}: {r['note']}" for r in records if r.get("note")]


def audit_summary(records: Sequence[Mapping[str, Any]]) -> str:
    counts = audit_counts(records)
    return (
        f"{len(records)} indexes: {counts['useful']} useful, {counts['redundant']} redundant, "
        f"{counts['unused']} unused by these scenarios, {counts['no gain']} with no measurable gain"
    )


def audit_counts(records: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    verdicts = ("useful", "redundant", "unused", "no gain")
    return {v: sum(r["verdict"] == v for r in records) for v in verdicts}


def seed_rows_frame(seeded: Mapping[str, Any]) -> Table:
    """Rows per table, largest first, with the total (``seed.json`` or SeedResult.as_dict())."""
    ordered = sorted(seeded["rows"].items(), key=lambda item: -item[1])
    rows = [[name, formats.count(n)] for name, n in ordered]
    rows.append(["total", formats.count(sum(seeded["rows"].values()))])
    return table(["table", "rows"], rows, empty="Nothing was seeded.")


def seed_timings_frame(seeded: Mapping[str, Any]) -> Table:
    rows = [
        ["generate (overlaps the load)", formats.seconds(seeded["generate_s"])],
        ["load", formats.seconds(seeded["load_s"])],
        ["keys and indexes", formats.seconds(seeded["index_s"])],
        ["analyze", formats.seconds(seeded["analyze_s"])],
        ["total", formats.seconds(seeded["seconds"])],
        ["rows per second", formats.count(round(seeded["rows_per_s"]))],
    ]
    return table(["step", "time"], rows, empty="Nothing was seeded.")

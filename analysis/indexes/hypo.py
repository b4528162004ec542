"""A cheap first screen of index candidates with HypoPG's hypothetical indexes.

HypoPG (``CREATE EXTENSION hypopg``; Debian's ``postgresql-15-hypopg`` on a system
PostgreSQL) lets plain ``EXPLAIN`` plan as if an index existed, without building it.
Its costs are the planner's estimates, never times, and its sizes are pessimistic by
design, so the screen only decides what is worth *building*: a candidate survives when
the planner picks it for some statement and that statement's estimated cost falls by at
least ``min_cut`` (20% by default, looser than Dexter's 50% because every survivor is
then built and timed for real).

Where the server has no HypoPG (the embedded PostgreSQL has none) the screen is skipped:
every candidate goes on to be built, and ``Screen.skipped`` says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import analysis.indexes.queries as q
from analysis.indexes.candidates import Candidate

MIN_CUT = 0.20


@dataclass
class Screen:
    """What the screen kept and rejected (``rejected``: candidate name to the reason)."""

    kept: list[Candidate]
    rejected: dict[str, str] = field(default_factory=dict)
    estimates: dict[str, dict] = field(default_factory=dict)  # name -> best cost cut found
    skipped: str | None = None  # why nothing was screened, if so


def available(cursor) -> bool:
    """True when the server can ``CREATE EXTENSION hypopg``."""
    cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'hypopg'")
    return cursor.fetchone() is not None


def _enable(cursor) -> str | None:
    """Create the extension inside the caller's transaction; the reason it failed, or None."""
    cursor.execute("SAVEPOINT wb_hypopg")
    try:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS hypopg")
    except Exception as exc:  # no privilege, a broken install: say so, screen nothing
        cursor.execute("ROLLBACK TO SAVEPOINT wb_hypopg")
        return f"CREATE EXTENSION hypopg failed: {str(exc).strip().splitlines()[0]}"
    cursor.execute("RELEASE SAVEPOINT wb_hypopg")
    return None


def screen(
    cursor, candidates: Sequence[Candidate], statements: Sequence[q.Query], min_cut: float = MIN_CUT
) -> Screen:
    """Keep the candidates whose hypothetical index cuts some statement's cost by ``min_cut``.

    Must run inside a transaction the caller rolls back (the extension is created in it).
    Each candidate is tried alone against the indexes that exist now, on the statements
    that asked for it.
    """
    if not candidates:
        return Screen(kept=[])
    if not available(cursor):
        return Screen(
            kept=list(candidates),
            skipped="HypoPG is not installed on this server: every candidate is built and timed",
        )
    failed = _enable(cursor)
    if failed:
        return Screen(
            kept=list(candidates), skipped=failed + ": every candidate is built and timed"
        )
    base = {i: q.explain(cursor, s)["Plan"]["Total Cost"] for i, s in enumerate(statements)}
    result = Screen(kept=[])
    for candidate in candidates:
        cursor.execute("SELECT indexrelid, indexname FROM hypopg_create_index(%s)", [
            candidate.spec().create_sql
        ])  # fmt: skip
        oid, hypo_name = cursor.fetchone()
        best: dict | None = None
        try:
            for i in candidate.statements:
                plan = q.explain(cursor, statements[i])
                if hypo_name not in q.index_names(plan):
                    continue
                cost = plan["Plan"]["Total Cost"]
                cut = 1 - cost / base[i] if base[i] > 0 else 0.0
                if best is None or cut > best["cut"]:
                    best = {"statement": i, "cost_before": base[i], "cost_after": cost, "cut": cut}
        finally:
            cursor.execute("SELECT hypopg_drop_index(%s)", [oid])
        if best is None:
            result.rejected[candidate.name] = "the planner never picks it (hypothetical index)"
        elif best["cut"] < min_cut:
            result.rejected[candidate.name] = (
                f"estimated cost cut {best['cut']:.0%} < {min_cut:.0%} (hypothetical index)"
            )
        else:
            result.kept.append(candidate)
        if best is not None:
            result.estimates[candidate.name] = {k: round(v, 3) for k, v in best.items()}
    return result

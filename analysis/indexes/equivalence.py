"""When one index makes another redundant, decided from catalog facts alone.

Two rules, the ones a DBA applies by eye:

* **duplicate**: same table, access method, key columns in order, operator classes,
  sort options, collations, predicate and expressions. A unique index duplicates a
  plain one (it serves every read the plain one serves), never the other way round.
* **covered**: a btree whose key columns start with the other's columns (same operator
  classes, options and collations on those columns, same predicate) serves every
  search and ordering the shorter index serves, so a single-column index on ``a`` is
  redundant next to ``(a, b)``. The longer index is somewhat bigger to scan; the audit's
  gain column shows whether that ever mattered.

Operator classes matter: Django's ``*_like`` twin (``varchar_pattern_ops``) is not the
same index as a plain btree on that column, since it cannot serve ``ORDER BY``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from analysis.indexes.catalog import IndexInfo


@dataclass(frozen=True)
class Equivalence:
    """Why ``index`` is redundant: ``kind`` is "duplicate" or "covered", ``by`` the other index."""

    index: str
    kind: str
    by: str


def _same_shape(a: IndexInfo, b: IndexInfo) -> bool:
    return (
        a.table == b.table
        and a.method == b.method
        and a.predicate == b.predicate
        and a.expressions is None
        and b.expressions is None
        and "" not in a.columns
        and "" not in b.columns
    )


def duplicates(index: IndexInfo, other: IndexInfo) -> bool:
    """True when ``other`` serves every read ``index`` serves, with the very same key."""
    return (
        _same_shape(index, other)
        and index.columns == other.columns
        and index.opclasses == other.opclasses
        and index.options == other.options
        and index.collations == other.collations
        and (other.unique or not index.unique)
    )


def covers(other: IndexInfo, index: IndexInfo) -> bool:
    """True when ``other`` is a longer btree whose leading key columns are ``index``'s key."""
    n = len(index.columns)
    return (
        _same_shape(index, other)
        and index.method == "btree"
        and not index.unique
        and len(other.columns) > n
        and other.columns[:n] == index.columns
        and other.opclasses[:n] == index.opclasses
        and other.options[:n] == index.options
        and other.collations[:n] == index.collations
    )


def find_equivalent(index: IndexInfo, candidates: Iterable[IndexInfo]) -> Equivalence | None:
    """The best reason ``index`` is redundant among ``candidates``, or None.

    An exact duplicate beats a covering index; among covering indexes the shortest wins
    (it is the closest substitute), then the name, so the answer is deterministic.
    """
    best: tuple[int, int, str] | None = None
    for other in candidates:
        if other.name == index.name or not other.valid:
            continue
        if duplicates(index, other):
            key = (0, len(other.columns), other.name)
        elif covers(other, index):
            key = (1, len(other.columns), other.name)
        else:
            continue
        if best is None or key < best:
            best = key
    if best is None:
        return None
    return Equivalence(index.name, "duplicate" if best[0] == 0 else "covered", best[2])

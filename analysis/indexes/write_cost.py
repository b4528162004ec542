"""What an index costs writers: insert and update throughput into its table.

Every extra index is one more btree insertion per inserted row, and per updated row
whenever the update cannot be HOT (a key column changed, or no room on the page, as
in freshly loaded tables). The audit measures that on the real rows instead of
guessing: it re-inserts and updates a sample of the table's own rows inside a
savepoint it rolls back, once without and once with the index, in the same run.

Re-inserting the table's own rows (deleted first, in the same savepoint) keeps every
unique and foreign key satisfied without knowing the schema; foreign keys are
deferred and the savepoint is rolled back, so nothing is checked or kept.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from analysis.indexes.catalog import primary_key, quote_ident

_SAVEPOINT = "wb_write_cost"
_SCRATCH = "wb_write_cost_rows"


@dataclass(frozen=True)
class WriteTiming:
    """Median milliseconds to insert and to update one batch of ``rows`` rows."""

    rows: int
    insert_ms: float
    update_ms: float

    @property
    def insert_rows_per_s(self) -> float:
        return self.rows / (self.insert_ms / 1000) if self.insert_ms > 0 else float("inf")

    @property
    def update_rows_per_s(self) -> float:
        return self.rows / (self.update_ms / 1000) if self.update_ms > 0 else float("inf")


def sample_keys(cursor, table: str, rows: int) -> tuple[str, list] | None:
    """A spread-out, repeatable sample of primary keys, or None if the table cannot be sampled."""
    pk = primary_key(cursor, table)
    if pk is None:
        return None
    cursor.execute(
        f"SELECT {quote_ident(pk)} FROM {quote_ident(table)} "
        f"ORDER BY md5({quote_ident(pk)}::text) LIMIT %s",
        [rows],
    )
    keys = [r[0] for r in cursor.fetchall()]
    return (pk, keys) if keys else None


def _timed(cursor, sql: str, params) -> float:
    start = time.perf_counter()
    cursor.execute(sql, params)
    return (time.perf_counter() - start) * 1000


def _once(cursor, table: str, pk: str, keys: list, columns: tuple[str, ...]) -> tuple[float, float]:
    t, k = quote_ident(table), quote_ident(pk)
    cursor.execute(f"SAVEPOINT {_SAVEPOINT}")
    try:
        sets = ", ".join(f"{quote_ident(c)} = {quote_ident(c)}" for c in columns)
        update_ms = _timed(cursor, f"UPDATE {t} SET {sets} WHERE {k} = ANY(%s)", [keys])
        cursor.execute(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
        cursor.execute(
            f"CREATE TEMP TABLE {_SCRATCH} AS SELECT * FROM {t} WHERE {k} = ANY(%s)", [keys]
        )
        cursor.execute(f"DELETE FROM {t} WHERE {k} = ANY(%s)", [keys])
        insert_ms = _timed(cursor, f"INSERT INTO {t} SELECT * FROM {_SCRATCH}", None)
    finally:
        cursor.execute(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
        cursor.execute(f"RELEASE SAVEPOINT {_SAVEPOINT}")
    return insert_ms, update_ms


def compare(
    cursor,
    table: str,
    columns: tuple[str, ...],
    drop_sql: str,
    sample: tuple[str, list],
    repeat: int = 5,
) -> tuple[WriteTiming, WriteTiming, float]:
    """Median insert and update times without and with the index (which must exist now),
    and the write cost ratio: the median over rounds of (time with) / (time without).

    Each round times the writes with the index and, in a savepoint that drops it, without
    (rolling the drop back is instant: no rebuild), the order alternating by round. Interleaving the two cancels
    the drift a long transaction brings (a warming cache, dead tuples piling up); the
    first round is a discarded warm-up.

    The update sets ``columns`` (the index's key) to themselves: an update that touches
    an indexed column is the write an index taxes; whether PostgreSQL can still make it
    HOT (no index work) depends on free space in the page, as it would for real. Must
    run inside a transaction (the caller's); leaves nothing behind.
    """
    pk, keys = sample
    timings: dict[bool, tuple[list[float], list[float]]] = {True: ([], []), False: ([], [])}
    for i in range(repeat + 1):
        for with_index in (True, False) if i % 2 else (False, True):  # neither always first
            if not with_index:
                cursor.execute("SAVEPOINT wb_without_index")
                cursor.execute(drop_sql)
            try:
                insert_ms, update_ms = _once(cursor, table, pk, keys, columns)
            finally:
                if not with_index:
                    cursor.execute("ROLLBACK TO SAVEPOINT wb_without_index")
                    cursor.execute("RELEASE SAVEPOINT wb_without_index")
            if i:
                timings[with_index][0].append(insert_ms)
                timings[with_index][1].append(update_ms)

    def median(with_index: bool) -> WriteTiming:
        inserts, updates = timings[with_index]
        return WriteTiming(len(keys), statistics.median(inserts), statistics.median(updates))

    # Each round's with/without pair ran back to back under the same machine load, so
    # the median of the per-round ratios is steadier than a ratio of two medians.
    ratios = [
        (iw + uw) / (io + uo)
        for iw, uw, io, uo in zip(*timings[True], *timings[False], strict=True)
        if io + uo > 0
    ]
    return median(False), median(True), statistics.median(ratios) if ratios else float("nan")

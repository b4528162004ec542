"""What PostgreSQL's catalogs say about indexes, read into plain values.

Equivalence, sizes and schema comparisons all start here, from ``pg_index`` rather
than from Django's model state: Django creates indexes the models never mention (one
per foreign key, one per unique constraint, a ``_like`` twin for unique text columns),
and those are exactly the ones a plan's index may duplicate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class IndexSpec:
    """An index to audit or build: its name, table, key columns and the SQL that creates it."""

    name: str
    table: str
    columns: tuple[str, ...]
    create_sql: str

    def drop_sql(self) -> str:
        return f"DROP INDEX IF EXISTS {quote_ident(self.name)}"


def quote_ident(name: str) -> str:
    """Double-quote an identifier the way PostgreSQL expects."""
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class IndexInfo:
    """One index as the catalogs describe it (key columns only; INCLUDE columns are ignored)."""

    name: str
    table: str
    method: str
    columns: tuple[str, ...]  # "" for an expression column
    opclasses: tuple[str, ...]
    options: tuple[int, ...]  # per-column DESC / NULLS FIRST bits
    collations: tuple[int, ...]
    predicate: str | None
    expressions: str | None
    unique: bool
    primary: bool
    valid: bool
    constraint: str | None  # the primary key / unique constraint that owns it, if any
    size_bytes: int
    definition: str


_INDEX_QUERY = """
SELECT ic.relname, tc.relname, am.amname,
       ARRAY(SELECT COALESCE(a.attname, '')
               FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
               LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.attnum
              WHERE k.ord <= ix.indnkeyatts ORDER BY k.ord),
       ARRAY(SELECT oc.opcname
               FROM unnest(ix.indclass::oid[]) WITH ORDINALITY AS c(opc, ord)
               JOIN pg_opclass oc ON oc.oid = c.opc ORDER BY c.ord),
       ix.indoption::int2[], ix.indcollation::oid[]::int8[],
       pg_get_expr(ix.indpred, ix.indrelid), pg_get_expr(ix.indexprs, ix.indrelid),
       ix.indisunique, ix.indisprimary, ix.indisvalid, con.conname,
       pg_relation_size(ix.indexrelid), pg_get_indexdef(ix.indexrelid)
  FROM pg_index ix
  JOIN pg_class ic ON ic.oid = ix.indexrelid
  JOIN pg_class tc ON tc.oid = ix.indrelid
  JOIN pg_namespace ns ON ns.oid = tc.relnamespace
  JOIN pg_am am ON am.oid = ic.relam
  LEFT JOIN pg_constraint con ON con.conindid = ix.indexrelid AND con.contype IN ('p', 'u', 'x')
 WHERE ns.nspname = current_schema() AND (%s::text[] IS NULL OR tc.relname = ANY(%s::text[]))
 ORDER BY tc.relname, ic.relname
"""


def list_indexes(cursor, tables: Iterable[str] | None = None) -> list[IndexInfo]:
    """Every index of the current schema (or of ``tables``), from the catalogs."""
    names = sorted(set(tables)) if tables is not None else None
    cursor.execute(_INDEX_QUERY, [names, names])
    return [
        IndexInfo(
            name=r[0],
            table=r[1],
            method=r[2],
            columns=tuple(r[3]),
            opclasses=tuple(r[4]),
            options=tuple(r[5]),
            collations=tuple(r[6]),
            predicate=r[7],
            expressions=r[8],
            unique=r[9],
            primary=r[10],
            valid=r[11],
            constraint=r[12],
            size_bytes=int(r[13]),
            definition=r[14],
        )
        for r in cursor.fetchall()
    ]


def schema_snapshot(cursor) -> dict[str, list[tuple[str, str, str]]]:
    """Every index and constraint of the current schema as sorted (table, name, definition).

    Two databases with equal snapshots have the same indexes and constraints, which is
    what "``indexes revert`` leaves the schema as ``migrate app 0001`` does" means.
    """
    cursor.execute(
        """
        SELECT tablename, indexname, indexdef FROM pg_indexes
         WHERE schemaname = current_schema() ORDER BY 1, 2
        """
    )
    indexes = [tuple(r) for r in cursor.fetchall()]
    cursor.execute(
        """
        SELECT tc.relname, con.conname, pg_get_constraintdef(con.oid)
          FROM pg_constraint con
          JOIN pg_class tc ON tc.oid = con.conrelid
          JOIN pg_namespace ns ON ns.oid = tc.relnamespace
         WHERE ns.nspname = current_schema() ORDER BY 1, 2
        """
    )
    constraints = [tuple(r) for r in cursor.fetchall()]
    return {"indexes": indexes, "constraints": constraints}


def existing_names(cursor, names: Iterable[str]) -> set[str]:
    """Which of ``names`` are indexes present in the current schema."""
    cursor.execute(
        """
        SELECT c.relname FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
         WHERE ns.nspname = current_schema() AND c.relkind = 'i' AND c.relname = ANY(%s)
        """,
        [list(names)],
    )
    return {r[0] for r in cursor.fetchall()}


def primary_key(cursor, table: str) -> str | None:
    """The table's single-column primary key, or None (composite or missing)."""
    cursor.execute(
        """
        SELECT a.attname FROM pg_index ix
          JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = ANY(ix.indkey::int2[])
         WHERE ix.indrelid = to_regclass(quote_ident(%s)) AND ix.indisprimary
        """,
        [table],
    )
    rows = cursor.fetchall()
    return rows[0][0] if len(rows) == 1 else None

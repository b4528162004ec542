"""Schema facts as DataFrames: indexes with their columns, sizes and use, and table sizes.

Column lists come from SQLAlchemy's inspector (it knows expression and partial index
quirks per PostgreSQL version); sizes and usage counters come from the catalogs
(``pg_relation_size``, ``pg_stat_user_indexes``, ``pg_stat_user_tables``), which the
inspector does not read. The queries run on a separate connection to the Django
alias's database, so they see committed state: an index created inside an open
transaction (a test's, an experiment's) is not listed until it commits.
"""

from __future__ import annotations

import pandas as pd
import psycopg2
from django.db import connections
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.pool import NullPool

_INDEXES = """
SELECT t.relname AS table, i.relname AS index, am.amname AS method,
       ix.indisunique AS unique, ix.indisprimary AS primary, ix.indisvalid AS valid,
       pg_relation_size(i.oid) AS size_bytes, pg_size_pretty(pg_relation_size(i.oid)) AS size,
       s.idx_scan, s.idx_tup_read, s.idx_tup_fetch,
       pg_get_expr(ix.indpred, ix.indrelid) AS predicate, pg_get_indexdef(i.oid) AS definition
FROM pg_index ix
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_class t ON t.oid = ix.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_am am ON am.oid = i.relam
LEFT JOIN pg_stat_user_indexes s ON s.indexrelid = i.oid
WHERE n.nspname = :schema AND (CAST(:table AS text) IS NULL OR t.relname = :table)
ORDER BY t.relname, i.relname
"""

_TABLES = """
SELECT c.relname AS table,
       CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint END AS rows_estimate,
       pg_total_relation_size(c.oid) AS total_bytes, pg_relation_size(c.oid) AS table_bytes,
       pg_indexes_size(c.oid) AS index_bytes,
       pg_size_pretty(pg_total_relation_size(c.oid)) AS total_size,
       s.n_live_tup, s.n_dead_tup, s.seq_scan, s.idx_scan,
       s.last_analyze, s.last_autoanalyze, s.last_vacuum, s.last_autovacuum
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
WHERE c.relkind IN ('r', 'p') AND n.nspname = :schema
ORDER BY c.relname
"""

INDEX_COLUMNS = [
    "table",
    "index",
    "columns",
    "method",
    "unique",
    "primary",
    "valid",
    "size_bytes",
    "size",
    "idx_scan",
    "idx_tup_read",
    "idx_tup_fetch",
    "predicate",
    "definition",
]


def engine(using: str = "default") -> Engine:
    """A SQLAlchemy engine on the database behind Django's ``using`` alias.

    No pool: a connection left open would block dropping a test database.
    """
    params = dict(connections[using].get_connection_params())
    params.pop("cursor_factory", None)
    return create_engine(
        "postgresql+psycopg2://", creator=lambda: psycopg2.connect(**params), poolclass=NullPool
    )


def _schema(conn, schema: str | None) -> str:
    return schema or conn.execute(text("SELECT current_schema()")).scalar_one()


def _columns(inspector, table: str, schema: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    pk = inspector.get_pk_constraint(table, schema=schema)
    if pk.get("name"):
        found[pk["name"]] = list(pk.get("constrained_columns", []))
    for index in inspector.get_indexes(table, schema=schema):
        names = index.get("column_names") or []
        expressions = index.get("expressions") or []
        found[index["name"]] = [
            name if name is not None else (expressions[i] if i < len(expressions) else "?")
            for i, name in enumerate(names)
        ]
    return found


def indexes(table: str | None = None, *, using: str = "default", schema: str | None = None):
    """One row an index: columns, method, unique/primary/valid, size and usage counters."""
    with engine(using).connect() as conn:
        schema = _schema(conn, schema)
        rows = [
            dict(r._mapping)
            for r in conn.execute(text(_INDEXES), {"schema": schema, "table": table})
        ]
        inspector = inspect(conn)
        columns: dict[tuple[str, str], list[str]] = {}
        for name in dict.fromkeys(r["table"] for r in rows):
            for index, cols in _columns(inspector, name, schema).items():
                columns[(name, index)] = cols
    for row in rows:
        row["columns"] = columns.get((row["table"], row["index"]), [])
    return pd.DataFrame(rows, columns=INDEX_COLUMNS)


def tables(*, using: str = "default", schema: str | None = None) -> pd.DataFrame:
    """One row a table: row estimate, table/index/total size, scan counters, last (auto)analyze."""
    with engine(using).connect() as conn:
        schema = _schema(conn, schema)
        rows = [dict(r._mapping) for r in conn.execute(text(_TABLES), {"schema": schema})]
        known = set(inspect(conn).get_table_names(schema=schema))
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    return frame[frame["table"].isin(known)].reset_index(drop=True)

"""What a statement reads and how it filters, from its parsed SQL.

An N+1 query names its relation in its own text: ``FROM "accounts_user" WHERE
"accounts_user"."id" = %s`` is a foreign key followed one row at a time;
``WHERE "jobs_application"."job_id" = %s`` is a reverse relation; an ``AVG(...)`` with
such a filter is a per-row aggregate. This module extracts those facts with sqlglot;
:mod:`analysis.relations` turns them into models and fixes.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from analysis.fingerprint import statement_kind


@dataclass(frozen=True)
class QueryShape:
    """Tables and parameter filters of one statement (table names, not aliases)."""

    kind: str
    table: str | None
    joined: tuple[str, ...] = ()
    filters: tuple[tuple[str, str], ...] = ()  # (table, column) compared with = or IN a parameter
    aggregates: tuple[tuple[str, str | None], ...] = ()  # (function, column or None for *)


def _is_parameter(node: exp.Expression) -> bool:
    return isinstance(node, (exp.Placeholder, exp.Parameter, exp.Literal))


def _filter_columns(where: exp.Expression, aliases: dict[str, str], default: str | None):
    found: list[tuple[str, str]] = []
    for node in where.find_all(exp.EQ, exp.In):
        if isinstance(node, exp.EQ):
            left, right = node.this, node.expression
            column = left if isinstance(left, exp.Column) and _is_parameter(right) else None
            if column is None and isinstance(right, exp.Column) and _is_parameter(left):
                column = right
        else:
            column = node.this if isinstance(node.this, exp.Column) else None
            if column is not None and not all(map(_is_parameter, node.expressions)):
                column = None
        if column is not None:
            table = aliases.get(column.table, column.table) if column.table else default
            if table:
                found.append((table, column.name))
    return tuple(dict.fromkeys(found))


def _aggregates(select: exp.Select) -> tuple[tuple[str, str | None], ...]:
    out = []
    for projection in select.expressions:
        for agg in projection.find_all(exp.AggFunc):
            column = agg.find(exp.Column)
            out.append((agg.key.upper(), column.name if column is not None else None))
    return tuple(out)


@lru_cache(maxsize=4096)
def shape(sql: str) -> QueryShape:
    """The :class:`QueryShape` of ``sql``; only ``kind`` is set when it cannot be parsed."""
    kind = statement_kind(sql)
    try:
        tree = sqlglot.parse_one(sql, read="postgres")
    except (SqlglotError, ValueError, RecursionError):
        return QueryShape(kind, None)
    select = tree if isinstance(tree, exp.Select) else tree.find(exp.Select)
    if isinstance(tree, (exp.Insert, exp.Update, exp.Delete)):
        target = tree.find(exp.Table)
        return QueryShape(kind, target.name if target is not None else None)
    if select is None:
        return QueryShape(kind, None)
    tables = list(select.find_all(exp.Table))
    aliases = {t.alias_or_name: t.name for t in tables}
    from_ = select.args.get("from_") or select.args.get("from")
    main = from_.find(exp.Table) if from_ is not None else None
    main_name = main.name if main is not None else None
    joined = tuple(dict.fromkeys(t.name for t in tables if t is not main))
    where = select.args.get("where")
    filters = _filter_columns(where, aliases, main_name) if where is not None else ()
    return QueryShape(kind, main_name, joined, filters, _aggregates(select))

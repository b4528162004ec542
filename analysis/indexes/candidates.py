"""Index candidates read from the workload's own SQL: what its filters, joins and sorts ask for.

Each captured statement is parsed with sqlglot (PostgreSQL dialect; Django's ``%s``
placeholders parse as placeholders). Every column reference is resolved to its table
through the aliases of the SELECT it appears in, or of an enclosing one for a correlated
subquery. A column plays one of three roles:

* **equality**: ``col = value``, ``col IN (...)``, ``col IS NULL``;
* **join**: either side of a join condition ``a.x = b.y`` (a lookup key when its table
  is the inner side of a nested loop);
* **range**: ``<``, ``<=``, ``>``, ``>=``, ``BETWEEN``, ``LIKE``;
* **order**: the ``ORDER BY`` list, when every column of it belongs to one table.

Negations (``NOT (col = x)``, ``<>``) serve no btree search and propose nothing.

Per statement and table the candidates are: each equality, join, range and first
order column alone; ordered two-column keys ``(equality, equality)`` (both orders),
``(equality, range)``, ``(equality, first order column)`` and ``(order 1, order 2)``,
the shape "equality first, then range or sort" that lets one btree both find and
order the rows. A candidate whose columns are the leading columns of a valid btree
already on the table (Django's own, or one being judged) is left out: that index
serves it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp

from analysis.indexes.catalog import IndexInfo, IndexSpec, quote_ident

_RANGE = (exp.GT, exp.GTE, exp.LT, exp.LTE, exp.Between, exp.Like, exp.ILike)
# Django's index names must fit in 30 characters (``Index.max_name_length``).
MAX_NAME = 30


@dataclass
class Usage:
    """The columns one SELECT asks of one table, by role, in order of appearance."""

    equality: list[str] = field(default_factory=list)
    join: list[str] = field(default_factory=list)
    range: list[str] = field(default_factory=list)
    order: list[str] = field(default_factory=list)

    def add(self, role: str, column: str) -> None:
        bucket = getattr(self, role)
        if column not in bucket:
            bucket.append(column)


@dataclass
class Candidate:
    """An index the workload asks for: its table, key columns and the statements behind it."""

    table: str
    columns: tuple[str, ...]
    statements: list[int] = field(default_factory=list)  # positions in the statement list
    shapes: list[str] = field(default_factory=list)  # "equality+order" and the like

    @property
    def name(self) -> str:
        return candidate_name(self.table, self.columns)

    def spec(self) -> IndexSpec:
        cols = ", ".join(quote_ident(c) for c in self.columns)
        return IndexSpec(
            name=self.name,
            table=self.table,
            columns=self.columns,
            create_sql=f"CREATE INDEX {quote_ident(self.name)} ON {quote_ident(self.table)} ({cols})",
        )


def candidate_name(table: str, columns: Sequence[str]) -> str:
    """``<table>_<cols>_wb`` when it fits Django's 30 characters, else shortened with a hash."""
    plain = f"{table}_{'_'.join(columns)}_wb"
    if len(plain) <= MAX_NAME:
        return plain
    digest = hashlib.md5(plain.encode()).hexdigest()[:5]
    return f"{plain[: MAX_NAME - 9].rstrip('_')}_{digest}_wb"


def _aliases(select: exp.Select) -> dict[str, str]:
    """Alias (or bare table name) to table name, for the tables this SELECT reads directly."""
    found: dict[str, str] = {}
    sources = []
    if select.args.get("from_") is not None:
        sources.append(select.args["from_"].this)
    sources.extend(j.this for j in select.args.get("joins") or ())
    for source in sources:
        if isinstance(source, exp.Table) and source.name:
            found[source.alias_or_name] = source.name
            found.setdefault(source.name, source.name)
    return found


def _resolve(column: exp.Column, scopes: dict[int, dict[str, str]]) -> str | None:
    """The table a qualified column belongs to, looked up from its SELECT outwards."""
    qualifier = column.table
    node = column.parent
    while node is not None:
        if isinstance(node, exp.Select):
            table = scopes.get(id(node), {}).get(qualifier)
            if table is not None:
                return table
        node = node.parent
    return None


def _role(column: exp.Column) -> str | None:
    """The role ("equality", "join", "range") of a column that is itself an operand of a comparison.

    A column inside a function (``UPPER(col) = x``) or under a negation serves no plain
    btree search and gets None.
    """
    node, child = column.parent, column
    while isinstance(node, exp.Paren):
        node, child = node.parent, node
    if isinstance(node, exp.In):
        role = "equality" if child is node.this else None
    elif isinstance(node, exp.EQ):
        other = node.expression if child is node.this else node.this
        while isinstance(other, exp.Paren):
            other = other.this
        role = "join" if isinstance(other, exp.Column) else "equality"
    elif isinstance(node, exp.Is):
        role = "equality"
    elif isinstance(node, _RANGE):
        role = "range"
    else:
        return None
    up = node.parent
    while up is not None and not isinstance(up, (exp.Where, exp.Join, exp.Having)):
        if isinstance(up, exp.Not):
            return None
        up = up.parent
    return role


def usage(sql: str) -> dict[str, Usage]:
    """Per table, the columns the statement filters, joins and sorts on (empty if unparsable)."""
    try:
        tree = sqlglot.parse_one(sql, read="postgres")
    except sqlglot.errors.SqlglotError:
        return {}
    scopes = {id(s): _aliases(s) for s in tree.find_all(exp.Select)}
    found: dict[str, Usage] = {}
    for column in tree.find_all(exp.Column, bfs=False):
        if not column.table:
            continue
        condition = column.find_ancestor(exp.Where, exp.Join, exp.Having, exp.Select)
        if not isinstance(condition, (exp.Where, exp.Join, exp.Having)):
            continue
        role = _role(column)
        table = _resolve(column, scopes)
        if role and table:
            found.setdefault(table, Usage()).add(role, column.name)
    for select in tree.find_all(exp.Select):
        order = select.args.get("order")
        if order is None:
            continue
        columns = [o.this for o in order.expressions]
        if not all(isinstance(c, exp.Column) and c.table for c in columns):
            continue
        tables = {_resolve(c, scopes) for c in columns}
        if len(tables) == 1 and None not in tables:
            (table,) = tables
            for c in columns:
                found.setdefault(table, Usage()).add("order", c.name)
    return found


def _keys(use: Usage) -> Iterable[tuple[tuple[str, ...], str]]:
    for c in use.equality:
        yield (c,), "equality"
    for c in use.join:
        yield (c,), "join"
    for c in use.range:
        yield (c,), "range"
    if use.order:
        yield (use.order[0],), "order"
    for a in use.equality:
        for b in use.equality:
            if a != b:
                yield (a, b), "equality+equality"
        for b in use.range:
            if a != b:
                yield (a, b), "equality+range"
        if use.order and use.order[0] != a:
            yield (a, use.order[0]), "equality+order"
    if len(use.order) > 1:
        yield tuple(use.order[:2]), "order"


def served(columns: tuple[str, ...], table: str, indexes: Iterable[IndexInfo]) -> str | None:
    """The valid plain btree on ``table`` whose leading key columns are ``columns``, if any."""
    for info in indexes:
        if (
            info.table == table
            and info.valid
            and info.method == "btree"
            and info.predicate is None
            and info.expressions is None
            and info.columns[: len(columns)] == columns
        ):
            return info.name
    return None


def generate(sqls: Sequence[str], indexes: Iterable[IndexInfo]) -> list[Candidate]:
    """The candidates the statements ask for that no valid index in ``indexes`` serves.

    ``sqls`` is the workload's distinct statements; a candidate lists the positions of
    the statements that asked for it. Ordered by table, then columns: deterministic.
    """
    indexes = list(indexes)
    found: dict[tuple[str, tuple[str, ...]], Candidate] = {}
    for position, sql in enumerate(sqls):
        for table, use in usage(sql).items():
            for columns, shape in _keys(use):
                if served(columns, table, indexes):
                    continue
                candidate = found.setdefault((table, columns), Candidate(table, columns))
                if position not in candidate.statements:
                    candidate.statements.append(position)
                if shape not in candidate.shapes:
                    candidate.shapes.append(shape)
    return [found[k] for k in sorted(found)]

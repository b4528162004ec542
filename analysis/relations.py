"""Name the relation behind a repeated query, and the ORM fix it calls for.

The SQL tells which table was read and which column was filtered
(:mod:`analysis.sqlshape`); Django's model registry, when it is configured, turns the
pair into a model field: a filter on the target's primary key is a forward foreign key
or one-to-one (``select_related``), a filter on a foreign-key column is a reverse
relation (``prefetch_related``, or ``select_related`` for a reverse one-to-one), a
filter on a many-to-many through table is ``prefetch_related`` too, and an aggregate
is an annotation. Several foreign keys may point at the same table (a job's client and
its creator are both users); the source line of the loop usually names the attribute,
so we read it to choose. Without Django the answer is given in table terms.
"""

from __future__ import annotations

import linecache
import re
from collections.abc import Sequence
from dataclasses import dataclass

from analysis.sqlshape import QueryShape

WRITE_FIXES = {
    "INSERT": "collect the rows and insert them at once with bulk_create()",
    "UPDATE": "use QuerySet.update() or bulk_update() instead of saving rows one by one",
    "DELETE": "delete with one filtered QuerySet.delete()",
}


@dataclass(frozen=True)
class Relation:
    """What a repeated query follows: ``kind`` is one of forward, forward_one_to_one,
    reverse, reverse_one_to_one, many_to_many, aggregate, get_in_loop, write, unknown."""

    kind: str
    table: str | None
    column: str | None
    model: str | None = None  # the model whose attribute was followed, e.g. "Job"
    accessor: str | None = None  # the attribute followed from it, e.g. "client"
    fix: str = ""
    path: str | None = None  # the lookup from the loop's queryset, e.g. "applicant__profile"
    queryset: str | None = None  # the model of the queryset the loop iterates (the fix's)
    loop_site: str | None = None  # where that queryset was evaluated, when known

    @property
    def name(self) -> str | None:
        return f"{self.model}.{self.accessor}" if self.model and self.accessor else None

    @property
    def description(self) -> str:
        words = {
            "forward": "forward foreign key",
            "forward_one_to_one": "forward one-to-one",
            "reverse": "reverse foreign key",
            "reverse_one_to_one": "reverse one-to-one",
            "many_to_many": "many-to-many",
            "aggregate": "per-row aggregate",
            "get_in_loop": "get() in a loop",
            "write": "write in a loop",
        }.get(self.kind, "repeated query")
        where = self.name or (f"{self.table}.{self.column}" if self.column else self.table)
        if where and self.queryset and self.path and f"{self.queryset}.{self.path}" != where:
            words = f"{words}, reached as {self.queryset}.{self.path}"
        return f"{where} ({words})" if where else words


def _models():
    try:
        from django.apps import apps
    except ImportError:  # pragma: no cover - Django is a dependency
        return None
    return apps if apps.ready else None


def _model_for_table(apps, table: str):
    for model in apps.get_models(include_auto_created=True):
        if model._meta.db_table == table:
            return model
    return None


def _source_line(file: str | None, line: int | None) -> str:
    return linecache.getline(file, line) if file and line else ""


def _named_in(line: str, names: Sequence[str]) -> list[str]:
    return [n for n in names if re.search(rf"\.{re.escape(n)}\b(?!\s*=[^=])", line)]


def _forward(apps, target, column, sources, line) -> Relation | None:
    candidates = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if (
                field.is_relation
                and field.related_model is not None
                and not isinstance(field.related_model, str)
                and field.related_model._meta.concrete_model is target._meta.concrete_model
                and field.target_field.column == column
            ):
                candidates.append(field)
    if not candidates:
        return None
    from_sources = [f for f in candidates if f.model._meta.db_table in sources]
    if from_sources:
        rank = {t: i for i, t in enumerate(sources)}
        from_sources.sort(key=lambda f: rank[f.model._meta.db_table])
        candidates = [f for f in from_sources if f.model is from_sources[0].model]
    named = _named_in(line, [f.name for f in candidates])
    if named:
        candidates = [f for f in candidates if f.name in named]
    elif ".get(" in line:
        name = target.__name__
        return Relation(
            "get_in_loop",
            target._meta.db_table,
            column,
            name,
            None,
            f"load them in one query: {name}.objects.in_bulk(ids) or filter(pk__in=ids)",
        )
    field = candidates[0]
    kind = "forward_one_to_one" if field.one_to_one else "forward"
    table = target._meta.db_table
    if len({f.model for f in candidates}) > 1:  # the loop's queryset is unknown
        names = [f"{f.model.__name__}.{f.name}" for f in candidates]
        shown = ", ".join(names[:4]) + (", ..." if len(names) > 4 else "")
        fix = (
            f"select_related() the foreign key to {target.__name__} that the loop follows ({shown})"
        )
        return Relation("forward", table, column, fix=fix)
    names = " or ".join(f"select_related({f.name!r})" for f in candidates)
    fix = f"{names} on the {field.model.__name__} queryset"
    return Relation(kind, table, column, field.model.__name__, field.name, fix)


def aggregate_call(path: str, name: str, aggregates) -> str:
    """``annotate(avg_rating=Avg('reviews_received__rating'))`` for a per-row aggregate."""
    function, column = aggregates[0]
    function = function.capitalize()
    lookup = f"{path}__{column}" if column else path
    alias = f"{function.lower()}_{column or name}"
    return f"annotate({alias}={function}({lookup!r}))"


def _aggregate_fix(field, aggregates) -> str:
    path = field.related_query_name()
    call = aggregate_call(path, path, aggregates)
    return f"{call} on the {field.related_model.__name__} queryset"


def _reverse(apps, model, column, shape: QueryShape) -> Relation | None:
    field = next(
        (f for f in model._meta.concrete_fields if f.is_relation and f.column == column), None
    )
    if field is None or isinstance(field.related_model, str) or field.related_model is None:
        return None
    owner = field.related_model.__name__
    table = model._meta.db_table
    if shape.aggregates:
        fix = _aggregate_fix(field, shape.aggregates)
        return Relation("aggregate", table, column, owner, field.related_query_name(), fix)
    accessor = field.remote_field.get_accessor_name()
    if field.one_to_one:
        fix = f"select_related({accessor!r}) on the {owner} queryset"
        return Relation("reverse_one_to_one", table, column, owner, accessor, fix)
    fix = f"prefetch_related({accessor!r}) on the {owner} queryset"
    return Relation("reverse", table, column, owner, accessor, fix)


def _many_to_many(apps, through: str, column: str) -> Relation | None:
    for model in apps.get_models():
        for field in model._meta.local_many_to_many:
            if field.remote_field.through._meta.db_table != through:
                continue
            if column == field.m2m_column_name():
                owner, accessor = model.__name__, field.name
            else:
                owner = field.related_model.__name__
                accessor = field.remote_field.get_accessor_name()
            fix = f"prefetch_related({accessor!r}) on the {owner} queryset"
            return Relation("many_to_many", through, column, owner, accessor, fix)
    return None


def _by_name(shape: QueryShape, table: str, column: str) -> Relation:
    """Table-level guesses when Django's registry is not available."""
    if shape.aggregates:
        return Relation(
            "aggregate", table, column, fix="annotate the aggregate on the outer queryset"
        )
    if table != shape.table:
        return Relation(
            "many_to_many", table, column, fix="prefetch_related() the many-to-many relation"
        )
    if column == "id":
        return Relation(
            "forward", table, column, fix=f"select_related() the relation pointing at {table}"
        )
    if column.endswith("_id"):
        return Relation(
            "reverse", table, column, fix=f"prefetch_related() the {table} rows by {column}"
        )
    return Relation("unknown", table, column, fix="fetch all the rows in one query")


def infer_relation(
    shape: QueryShape,
    sources: Sequence[str] = (),
    file: str | None = None,
    line: int | None = None,
) -> Relation:
    """The relation a repeated statement follows.

    ``sources`` are the tables read earlier in the same unit of work, most recent first:
    the loop's own queryset is usually among them.
    """
    if shape.kind in WRITE_FIXES:
        return Relation("write", shape.table, None, fix=WRITE_FIXES[shape.kind])
    if not shape.filters or shape.table is None:
        return Relation("unknown", shape.table, None, fix="fetch all the rows in one query")
    table, column = shape.filters[0]
    apps = _models()
    relation = None
    if apps is not None:
        model = _model_for_table(apps, table)
        if table != shape.table:
            relation = _many_to_many(apps, table, column)
        elif model is not None and column == model._meta.pk.column and not shape.aggregates:
            relation = _forward(apps, model, column, sources, _source_line(file, line))
        elif model is not None:
            relation = _reverse(apps, model, column, shape)
    return relation or _by_name(shape, table, column)

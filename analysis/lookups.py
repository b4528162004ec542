"""From the relation attribute that issued a repeated query to the fix on the loop's queryset.

:mod:`analysis.access` records which attribute issued each query (``Application.employer``).
A repeated lookup may sit on an object that was itself fetched row by row: the profile of
the applicant of each application. :func:`chain` links such a group to the group that
fetched its instances (same unit of work, the parent's target model is the child's model,
and the parent's foreign-key values include the child's instances, or, for a parent
without a key to compare, the parent started first and finished first), up to the
loop's own model, so the fix is one lookup path on the queryset the loop iterates:
``select_related('applicant__profile')`` on the Application queryset.
:func:`relation_for` writes that fix; :func:`loop_site` finds where that queryset was
evaluated.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from analysis.records import Access, QueryRecord
from analysis.relations import Relation, aggregate_call, infer_relation
from analysis.sqlshape import QueryShape, shape

TO_MANY = {"reverse", "many_to_many", "related"}
_MAX_DEPTH = 6

Group = Sequence[QueryRecord]


def _linked(parent: Group, child: Group) -> int:
    """How strongly ``parent``'s rows look like the instances ``child`` reads (0: not)."""
    p, c = parent[0].access, child[0].access
    if p is None or c is None or p.attribute is None or p.target != c.label:
        return 0
    if parent[0].index >= child[0].index or shape(parent[0].sql).aggregates:
        return 0  # a parent comes first and fetches rows, not a count
    if p.kind in ("forward", "forward_one_to_one"):
        values = {r.access.value for r in parent if r.access is not None}
        return sum(1 for r in child if r.access is not None and r.access.instance in values)
    return 1 if child[0].index < parent[-1].index else 0  # nested loops interleave


def chain(key: tuple, groups: Mapping[tuple, Group]) -> list[tuple]:
    """The keys of the groups from the loop's model down to ``key``'s own, root first."""
    path = [key]
    while len(path) < _MAX_DEPTH:
        child = groups[path[-1]]
        best, best_score = None, 0
        for other, group in groups.items():
            if other in path or other[:2] != key[:2]:  # same unit and database alias
                continue
            score = _linked(group, child)
            if score > best_score:
                best, best_score = other, score
        if best is None:
            break
        path.append(best)
    return path[::-1]


def db_table(name: str | None) -> str | None:
    """The table of a model given as ``app.Model`` or, when unique, as ``Model``."""
    if not name:
        return None
    try:
        from django.apps import apps

        if "." in name:
            return apps.get_model(name)._meta.db_table
        tables = {m._meta.db_table for m in apps.get_models() if m.__name__ == name}
    except (LookupError, ValueError, ImportError):
        return None
    return tables.pop() if len(tables) == 1 else None


def loop_site(records: Sequence[QueryRecord], table: str | None, before: int, unit, alias):
    """Where the loop's queryset was evaluated: the last plain read of its model's table."""
    if table is None:
        return None
    for record in reversed(records):
        if record.index >= before or record.unit != unit or record.alias != alias:
            continue
        if record.access is None and record.kind == "SELECT" and shape(record.sql).table == table:
            site = record.call_site.short
            callers = record.callers
            return f"{site} (called from {callers[0].short})" if callers else site
    return None


def _sources_before(records: Sequence[QueryRecord], unit: int, before: int) -> list[str]:
    """Tables read earlier in the unit, most recent first: the loop's queryset is among them."""
    tables: list[str] = []
    for record in reversed(records):
        if record.unit != unit or record.index >= before or record.kind != "SELECT":
            continue
        table = shape(record.sql).table
        if table and table not in tables:
            tables.append(table)
    return tables


def inferred_relation(records: Sequence[QueryRecord], first: QueryRecord, query) -> Relation:
    """The relation of a group no relation attribute issued, read from its SQL."""
    sources = _sources_before(records, first.unit, first.index)
    relation = infer_relation(query, sources, first.file, first.line)
    if relation.model is None or relation.kind in ("get_in_loop", "write", "unknown"):
        return relation
    site = loop_site(records, db_table(relation.model), first.index, first.unit, first.alias)
    return replace(relation, path=relation.accessor, queryset=relation.model, loop_site=site)


def _extra_filters(query: QueryShape, access: Access) -> list[str]:
    """Columns of the fetched table the repeated query filters on, besides its key to the row."""
    try:
        from django.apps import apps

        source = apps.get_model(access.label)
        target = apps.get_model(access.target) if access.target else None
    except (LookupError, ValueError, ImportError):
        return []
    if target is None or target._meta.db_table != query.table:
        return []
    keys = {
        f.column
        for f in target._meta.concrete_fields
        if f.is_relation
        and isinstance(f.related_model, type)
        and issubclass(source, f.related_model)
    }
    return [c for t, c in query.filters if t == query.table and c not in keys]


def _target_name(label: str | None) -> str:
    return label.rsplit(".", 1)[-1] if label else "the related model"


def _call(accesses: Sequence[Access], query: QueryShape) -> tuple[str, str, str]:
    """(kind, lookup path, the queryset method call) for the chain of accesses."""
    own = accesses[-1]
    if query.aggregates and own.kind in TO_MANY:
        path = "__".join(a.query_name or a.attribute or "" for a in accesses)
        return "aggregate", path, aggregate_call(path, own.query_name or path, query.aggregates)
    if not any(a.kind in TO_MANY for a in accesses):
        path = "__".join(a.query_name or a.attribute or "" for a in accesses)
        return own.kind, path, f"select_related({path!r})"
    path = "__".join(a.attribute or "" for a in accesses)
    extra = _extra_filters(query, own) if own.kind in TO_MANY else []
    if not extra:
        return own.kind, path, f"prefetch_related({path!r})"
    target = _target_name(own.target)
    kwargs = ", ".join(f"{c}=..." for c in extra)
    prefetch = f"Prefetch({path!r}, queryset={target}.objects.filter({kwargs}))"
    return own.kind, path, f"prefetch_related({prefetch})"


def relation_for(accesses: Sequence[Access], query: QueryShape, site: str | None) -> Relation:
    """The relation and fix for a group whose queries ``accesses[-1]`` issued.

    The fix goes on the queryset of ``accesses[0]``'s model, the one the loop iterates:
    ``select_related`` when every step is to-one, ``prefetch_related`` (with ``Prefetch``
    when the repeated query filters more than the relation does) when one is to-many,
    an annotation for a per-row aggregate.
    """
    own, root = accesses[-1], accesses[0].model
    table, column = query.filters[0] if query.filters else (query.table, None)
    kind, path, call = _call(accesses, query)
    return Relation(
        kind,
        table,
        column,
        own.model,
        own.attribute,
        f"{call} on the {root} queryset",
        path=path,
        queryset=root,
        loop_site=site,
    )

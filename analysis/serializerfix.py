"""The fix for an N+1 that a DRF serializer field caused, on the view's queryset.

:mod:`analysis.serializerfield` records the field being read and its attribute path from
the root queryset's model (``("applicant", "profile")`` on ``jobs.Application``). Walking
that path over the model metadata says which steps are relations and whether they are
to-one or to-many; the relation attribute that issued the query (:mod:`analysis.access`,
or the one read from the SQL by :mod:`analysis.relations`) says where along the path the
query fired, or how the path goes on when a ``SerializerMethodField`` or a property
queried a relation of the row it was given. The fix is then one lookup path on the
view's queryset: ``select_related('applicant__profile')`` when every step is to-one,
``prefetch_related('reviews_received')`` through a to-many step, and
``annotate(count_reviews_received=Count('reviews_received'))`` for a per-row aggregate.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from analysis.records import Access
from analysis.relations import Relation, aggregate_call
from analysis.serializerfield import SerializerSite
from analysis.sqlshape import QueryShape

TO_MANY = {"reverse", "many_to_many"}


@dataclass(frozen=True)
class _Step:
    owner: Any  # the model the attribute is read on
    accessor: str  # the attribute (prefetch_related's name)
    query_name: str  # the ORM lookup name (select_related's and annotate's)
    kind: str
    target: Any

    def matches(self, label: str | None, name: str | None) -> bool:
        meta = self.owner._meta
        return name in (self.accessor, self.query_name) and label in (meta.label, meta.object_name)


def _step(model: Any, attribute: str) -> _Step | None:
    """The relation ``attribute`` follows from ``model``, or None when it is not one."""
    for field in model._meta.get_fields():
        target = field.related_model
        if not field.is_relation or target is None or isinstance(target, str):
            continue
        if field.auto_created and not field.concrete:  # a reverse relation
            if attribute not in (field.get_accessor_name(), field.name):
                continue
            kind = "reverse_one_to_one" if field.one_to_one else "reverse"
            kind = "many_to_many" if field.many_to_many else kind
            return _Step(model, field.get_accessor_name(), field.name, kind, target)
        if field.name == attribute:
            kind = "forward_one_to_one" if field.one_to_one else "forward"
            kind = "many_to_many" if field.many_to_many else kind
            return _Step(model, field.name, field.name, kind, target)
    return None


def _walk(model: Any, path: Sequence[str]) -> list[_Step]:
    """The relation steps of ``path`` from ``model``, up to the first attribute that is not one."""
    steps = []
    for attribute in path:
        step = _step(model, attribute)
        if step is None:
            break
        steps.append(step)
        model = step.target
    return steps


def _model(label: str | None) -> Any:
    if not label:
        return None
    try:
        from django.apps import apps

        return apps.get_model(label)
    except (LookupError, ValueError, ImportError):
        return None


def _last_match(steps: Sequence[_Step], label: str | None, name: str | None) -> int | None:
    found = None
    for i, step in enumerate(steps):
        if step.matches(label, name):
            found = i
    return found


def _extend(steps: list[_Step], end: Any, names: Sequence[str]) -> list[_Step] | None:
    more = _walk(end, names)
    return steps + more if len(more) == len(names) else None


def _steps(
    site: SerializerSite, root: Any, accesses: Sequence[Access], relation: Relation
) -> list[_Step] | None:
    """The steps from the root queryset's model to the relation the repeated query read."""
    steps = _walk(root, site.path)
    end = steps[-1].target if steps else root
    own = next((a for a in reversed(accesses) if a.attribute), None)
    if own is not None:
        at = _last_match(steps, own.label, own.attribute)
        if at is not None:
            return steps[: at + 1]
        chain = [a for a in accesses if a.attribute]
        if chain and chain[0].label == end._meta.label:  # a chain of lookups on the row
            return _extend(steps, end, [a.attribute for a in chain])
        if own.label == end._meta.label:
            return _extend(steps, end, [own.attribute])
        return None
    if relation.model and relation.accessor:  # read from the SQL: a query written by hand
        at = _last_match(steps, relation.model, relation.accessor)
        if at is not None:
            return steps[: at + 1]
        if relation.model == end._meta.object_name:
            return _extend(steps, end, [relation.accessor])
        return None
    if site.method is None and steps and len(steps) == len(site.path):
        return steps  # a related queryset evaluated later: the field's own relation
    return None


def _aggregate(steps: Sequence[_Step], nesting: int, query: QueryShape) -> tuple[str, str]:
    """(the call, its path) for a per-row aggregate: an annotation on the root queryset, or,
    when the field is read on a nested object, on that object's queryset in a ``Prefetch``
    (the annotation must be on the object the serializer method is given)."""
    own = steps[-1]
    nesting = min(nesting, len(steps) - 1)
    rest = "__".join(s.query_name for s in steps[nesting:])
    call = aggregate_call(rest, own.query_name, query.aggregates)
    if not nesting:
        return call, rest
    path = "__".join(s.accessor for s in steps[:nesting])
    model = steps[nesting].owner.__name__
    return f"prefetch_related(Prefetch({path!r}, queryset={model}.objects.{call}))", path


def serializer_relation(
    site: SerializerSite, relation: Relation, accesses: Sequence[Access], query: QueryShape
) -> Relation:
    """``relation`` rebased on the view's queryset along the serializer field's source path.

    When the path cannot be matched with the relation (a property reading an unrelated
    model), the relation is kept as found and only the view's queryset site is added.
    """
    root = _model(site.model)
    steps = _steps(site, root, accesses, relation) if root is not None else None
    where = site.fix_in or site.view or relation.loop_site
    if not steps:
        return replace(relation, loop_site=where)
    own = steps[-1]
    to_many = any(s.kind in TO_MANY for s in steps)
    if query.aggregates and (to_many or relation.kind == "aggregate"):
        kind, call, path = "aggregate", *_aggregate(steps, site.nesting, query)
    elif to_many:
        kind, path = own.kind, "__".join(s.accessor for s in steps)
        call = f"prefetch_related({path!r})"
    else:
        kind, path = own.kind, "__".join(s.query_name for s in steps)
        call = f"select_related({path!r})"
    return Relation(
        kind,
        relation.table,
        relation.column,
        own.owner.__name__,
        own.accessor,
        f"{call} on the {root.__name__} queryset",
        path=path,
        queryset=root.__name__,
        loop_site=where,
    )

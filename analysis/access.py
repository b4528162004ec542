"""Which relation attribute issued a query: the Django descriptor or related manager behind it.

``application.employer`` runs its query inside ``ForwardManyToOneDescriptor.__get__``,
``user.profile`` inside ``ReverseOneToOneDescriptor.__get__``, ``job.applications.count()``
inside a related manager's method, ``job.applications.all()`` when its queryset (which
carries the instance as a hint) is evaluated. Those frames are on the stack when the
execute wrapper runs, so :func:`relation_access` walks up from it to the first project
frame and reads the descriptor's field and the instance from the one it meets.

It runs for every captured query, so the walk is one dict lookup of the frame's function
name (only the few functions above are registered, checked by code identity) and one of
its file (to stop at project code, classified already by :mod:`analysis.callsite`);
frame locals are read only in the registered frames.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import CodeType, FrameType

from django.db.models import Manager
from django.db.models.fields.related_descriptors import (
    ForwardManyToOneDescriptor,
    ReverseOneToOneDescriptor,
)
from django.db.models.query import QuerySet

from analysis.callsite import _is_library
from analysis.records import Access

_DEPTH = 60  # frames searched at most: a deep ORM call has about 20 between wrapper and caller


def _access(instance, attribute, kind, target, query_name, value) -> Access:
    meta = instance._meta
    return Access(
        meta.object_name, meta.label, attribute, kind, target, query_name, instance.pk, value
    )


def _forward(frame: FrameType) -> Access | None:
    local = frame.f_locals
    instance = local.get("instance")
    if instance is None:
        return None
    field = local["self"].field
    kind = "forward_one_to_one" if field.one_to_one else "forward"
    target = field.related_model._meta.label
    value = getattr(instance, field.attname, None)
    return _access(instance, field.name, kind, target, field.name, value)


def _reverse_one_to_one(frame: FrameType) -> Access | None:
    local = frame.f_locals
    instance = local.get("instance")
    if instance is None:
        return None
    related = local["self"].related
    target = related.related_model._meta.label
    query_name = related.field.related_query_name()
    return _access(
        instance, related.get_accessor_name(), "reverse_one_to_one", target, query_name, instance.pk
    )


def _reverse_foreign_key(instance, field) -> Access:
    accessor = field.remote_field.get_accessor_name()
    query_name = field.related_query_name()
    return _access(instance, accessor, "reverse", field.model._meta.label, query_name, instance.pk)


def _related_manager(frame: FrameType) -> Access | None:
    manager = frame.f_locals.get("self")
    instance = getattr(manager, "instance", None)
    if instance is None or not hasattr(instance, "_meta"):
        return None
    field = getattr(manager, "field", None)
    if field is not None:  # a reverse foreign key's manager
        return _reverse_foreign_key(instance, field)
    if hasattr(manager, "through"):  # a many-to-many manager, from either side
        target = manager.model._meta.label
        if manager.reverse:
            m2m = manager.model._meta.get_field(manager.query_field_name)
            accessor, query_name = m2m.remote_field.get_accessor_name(), m2m.related_query_name()
        else:
            accessor = query_name = manager.prefetch_cache_name
        return _access(instance, accessor, "many_to_many", target, query_name, instance.pk)
    return None


def _queryset(frame: FrameType) -> Access | None:
    """A queryset a related manager made, evaluated later: its hints name the instance."""
    queryset = frame.f_locals.get("self")
    instance = getattr(queryset, "_hints", {}).get("instance")
    if instance is None or not hasattr(instance, "_meta"):
        return None
    for field, by_key in getattr(queryset, "_known_related_objects", {}).items():
        if any(obj is instance for obj in by_key.values()):
            return _reverse_foreign_key(instance, field)
    return _access(instance, None, "related", queryset.model._meta.label, None, instance.pk)


_Handler = Callable[[FrameType], Access | None]
_CODES: list[tuple[CodeType, _Handler]] = [
    (ForwardManyToOneDescriptor.__get__.__code__, _forward),  # ForwardOneToOne's too
    (ReverseOneToOneDescriptor.__get__.__code__, _reverse_one_to_one),
    (Manager.count.__code__, _related_manager),  # every proxied manager method shares it
] + [
    (getattr(QuerySet, name).__code__, _queryset)
    for name in ("_fetch_all", "count", "exists", "aggregate", "update", "delete")
]
# Keyed by function name: a str caches its hash, a code object hashes its whole body.
_HANDLERS: dict[str, tuple[tuple[CodeType, _Handler], ...]] = {}
for _code, _handler in _CODES:
    _HANDLERS[_code.co_name] = (*_HANDLERS.get(_code.co_name, ()), (_code, _handler))


def relation_access(skip: int = 1) -> Access | None:
    """The relation attribute behind the query being executed ``skip`` frames up, if any.

    A descriptor's or related manager's own frame names the attribute; a hinted queryset
    only names the instance, so the walk goes on for a frame that says more.
    """
    try:
        frame: FrameType | None = sys._getframe(skip + 1)
    except ValueError:
        return None
    handlers, library = _HANDLERS, _is_library
    found = None
    depth = _DEPTH
    while frame is not None and depth:
        code = frame.f_code
        candidates = handlers.get(code.co_name)
        if candidates is not None:
            for known, handler in candidates:
                if known is code:
                    try:
                        access = handler(frame)
                    except Exception:  # a half-built instance, a field we do not know
                        access = None
                    if access is not None:
                        if access.attribute is not None:
                            return access
                        found = found or access
        elif library.get(code.co_filename) is False:
            break  # project code: the descriptor, if any, was below it
        frame = frame.f_back
        depth -= 1
    return found

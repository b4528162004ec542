"""Which Django REST framework serializer field issued a query, and which view's queryset to fix.

A query fired while DRF serialises a response has no line of the user's code below it:
a nested serializer, a dotted ``source``, a ``many=True`` field or a related field reads
the relation inside DRF (``fields.get_attribute``, ``ListSerializer.to_representation``,
``ManyRelatedField.to_representation``). Every one of them runs under
``Serializer.to_representation``, whose frame holds the field being read in its ``field``
local; a ``SerializerMethodField``'s ``get_<name>`` and a model property are user code
one or two frames below it. :func:`serializer_site` finds that frame (by code-object
identity), walks ``field.parent`` up to the root serializer and joins the fields'
sources into the lookup path from the root queryset's model, and names the view from
the root's ``context['view']`` with the place its queryset is written (its own
``get_queryset``, else the ``queryset`` attribute, else the class).

It runs for every captured query, so it costs one ``sys.modules`` lookup until DRF is
imported, then one identity test per frame, stopping a few frames above the first
project frame; frame locals are read only in the ``to_representation`` frame found.
DRF is never imported here: it is used once the application has imported it.
"""

from __future__ import annotations

import inspect
import re
import sys
from dataclasses import dataclass
from types import CodeType, FrameType
from typing import Any

from analysis.callsite import _is_library, is_library_file, relative_path

_ABOVE_PROJECT = 6  # frames searched above the first project frame (a get_<name>, a property)


@dataclass(frozen=True, slots=True)
class SerializerSite:
    """The serializer field being read when a query ran, and the view whose queryset feeds it.

    ``field`` is the field's path from the root serializer (``ApplicationSerializer.
    applicant.profile``), ``path`` the attribute chain from the root queryset's model
    (``("applicant", "profile")``: the fields' ``source`` joined, ``source='*'``
    contributing nothing), ``model`` that model's label (``jobs.Application``).
    ``fix_file``/``fix_line``/``fix_function`` say where the view's queryset is written.
    """

    field: str
    field_class: str  # "UserSerializer", "ListSerializer", "CharField", "SerializerMethodField"
    nested: str | None  # the nested serializer's class (the child's, for many=True)
    many: bool
    source: str | None  # the field's own source, as declared or defaulted
    path: tuple[str, ...]
    nesting: int  # how many of ``path``'s attributes lead to the object the field is read on
    method: str | None  # a SerializerMethodField's method name
    model: str | None
    view: str | None = None
    action: str | None = None  # a viewset's action ("list", "retrieve")
    fix_file: str | None = None
    fix_line: int | None = None
    fix_function: str | None = None  # "ApplicationListView.get_queryset"

    @property
    def description(self) -> str:
        """``ApplicationSerializer.employer → UserSerializer``, ``JobSerializer.client_name
        (source='client.username')``, ``UserSerializer.review_count (SerializerMethodField
        get_review_count)``."""
        if self.method:
            return f"{self.field} (SerializerMethodField {self.method})"
        if self.nested:
            return f"{self.field} → {self.nested}{'(many=True)' if self.many else ''}"
        name = self.field.rsplit(".", 1)[-1]
        details = [] if self.field_class in _PLAIN else [self.field_class]
        if self.source not in (None, name):
            details.append(f"source={self.source!r}")
        return f"{self.field} ({', '.join(details)})" if details else self.field

    @property
    def fix_in(self) -> str | None:
        """``ApplicationListView.get_queryset (marketplace/api/views/applications.py:42)``."""
        if self.fix_function is None:
            return None
        if self.fix_file is None:
            return self.fix_function
        return f"{self.fix_function} ({relative_path(self.fix_file)}:{self.fix_line})"

    @property
    def lookup(self) -> str:
        return "__".join(self.path)


_PLAIN = {"CharField", "IntegerField", "ReadOnlyField", "Field", "DecimalField", "FloatField"}


class _DRF:
    """DRF's classes and the code object searched for, read once DRF has been imported."""

    def __init__(self, serializers: Any) -> None:
        self.code: CodeType = serializers.Serializer.to_representation.__code__
        self.base = serializers.BaseSerializer
        self.list = serializers.ListSerializer
        self.method = serializers.SerializerMethodField
        self.many = serializers.ManyRelatedField


_drf: _DRF | None = None


def _load() -> _DRF | None:
    global _drf
    serializers = sys.modules.get("rest_framework.serializers")
    if serializers is None:
        return None
    _drf = _DRF(serializers)
    return _drf


def serializer_site(skip: int = 1) -> SerializerSite | None:
    """The serializer field behind the query being executed ``skip`` frames up, if any."""
    drf = _drf or _load()
    if drf is None:
        return None
    try:
        frame: FrameType | None = sys._getframe(skip + 1)
    except ValueError:
        return None
    target, library = drf.code, _is_library
    while frame is not None:  # library frames (Django, DRF) up to the first project frame
        code = frame.f_code
        if code is target:
            return _found(drf, frame)
        try:
            if not library[code.co_filename]:
                break
        except KeyError:
            if not is_library_file(code.co_filename):
                break
        frame = frame.f_back
    for _ in range(_ABOVE_PROJECT):  # a get_<name>, a property, the helpers they call
        if frame is None:
            return None
        if frame.f_code is target:
            return _found(drf, frame)
        frame = frame.f_back
    return None


def _found(drf: _DRF, frame: FrameType) -> SerializerSite | None:
    try:
        return _site(drf, frame.f_locals)
    except Exception:  # a half-built serializer, a context we do not know
        return None


def _site(drf: _DRF, local: dict[str, Any]) -> SerializerSite | None:
    field, instance = local.get("field"), local.get("instance")
    if field is None:
        return None
    nodes = []  # root first
    node = field
    while node is not None:
        nodes.append(node)
        node = node.parent
    nodes.reverse()
    row = nodes[1] if len(nodes) > 2 and nodes[1].field_name == "" else nodes[0]
    named = [n for n in nodes[1:] if n.field_name]  # a ListSerializer's child is bound to ''
    path = tuple(a for n in named for a in n.source_attrs if a)
    nesting = sum(1 for n in named[:-1] for a in n.source_attrs if a)
    nested, many = None, False
    if isinstance(field, drf.list):
        nested, many = type(field.child).__name__, True
    elif isinstance(field, drf.base):
        nested = type(field).__name__
    elif isinstance(field, drf.many):
        many = True
    view = getattr(nodes[0], "_context", {}).get("view")
    fix = _view_site(type(view)) if view is not None else (None, None, None)
    return SerializerSite(
        field=".".join([type(row).__name__, *(n.field_name for n in named)]),
        field_class=_field_class(drf, field),
        nested=nested,
        many=many,
        source=field.source,
        path=path,
        nesting=nesting,
        method=field.method_name if isinstance(field, drf.method) else None,
        model=_root_model(row, view, instance, len(named) == 1),
        view=type(view).__name__ if view is not None else None,
        action=getattr(view, "action", None),
        fix_file=fix[0],
        fix_line=fix[1],
        fix_function=fix[2],
    )


def _field_class(drf: _DRF, field: Any) -> str:
    if isinstance(field, drf.many):
        return f"{type(field.child_relation).__name__}(many=True)"
    return type(field).__name__


def _label(model: Any) -> str | None:
    meta = getattr(model, "_meta", None)
    return getattr(meta, "label", None)


def _root_model(row: Any, view: Any, instance: Any, at_root: bool) -> str | None:
    """The model of the root queryset: the row serializer's ``Meta.model``, the view's
    ``queryset``, or the instance's own model when the field sits on the row serializer."""
    label = _label(getattr(getattr(row, "Meta", None), "model", None))
    if label is None and view is not None:
        label = _label(getattr(getattr(type(view), "queryset", None), "model", None))
    if label is None and at_root:
        label = _label(type(instance))
    return label


_view_sites: dict[type, tuple[str | None, int | None, str | None]] = {}
_QUERYSET = re.compile(r"^\s+queryset\s*[:=]")


def _view_site(cls: type) -> tuple[str | None, int | None, str | None]:
    """Where ``cls``'s queryset is written, computed once per view class."""
    found = _view_sites.get(cls)
    if found is None:
        try:
            found = _find_view_site(cls)
        except (OSError, TypeError):  # no source: a class built at run time
            found = (None, None, cls.__name__)
        _view_sites[cls] = found
    return found


def _ours(cls: type) -> bool:
    module = sys.modules.get(cls.__module__)
    file = getattr(module, "__file__", None)
    return file is not None and not is_library_file(file)


def _find_view_site(cls: type) -> tuple[str | None, int | None, str | None]:
    for klass in cls.__mro__:
        method = vars(klass).get("get_queryset")
        if method is not None and _ours(klass):
            code = inspect.unwrap(method).__code__
            return code.co_filename, code.co_firstlineno, f"{klass.__name__}.get_queryset"
        if method is not None:
            break  # DRF's own get_queryset: the queryset attribute is what to edit
    for klass in cls.__mro__:
        if "queryset" in vars(klass) and _ours(klass):
            lines, first = inspect.getsourcelines(klass)
            offset = next((i for i, text in enumerate(lines) if _QUERYSET.match(text)), 0)
            return inspect.getsourcefile(klass), first + offset, f"{klass.__name__}.queryset"
    if not _ours(cls):
        return None, None, cls.__name__
    _, first = inspect.getsourcelines(cls)
    return inspect.getsourcefile(cls), first, cls.__name__

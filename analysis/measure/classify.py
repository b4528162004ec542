"""Which kind of query a record is: ``data``, ``count``, ``auth`` or ``control``.

Per scenario and variant, ``queries`` counts everything; ``data_queries`` leaves out the
pagination ``count``, the ``auth`` lookups of the caller and transaction ``control``
(savepoints), so a query budget can be about the data an endpoint shows. The caller
says which queries are which with :class:`Rule` objects.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from analysis.callsite import relative_path
from analysis.measure.errors import MeasureError
from analysis.records import QueryRecord

CATEGORIES = ("data", "count", "auth", "control")
CONTROL_KINDS = frozenset(
    {"SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "SET", "RESET", "SHOW"}
)

Classifier = Callable[[QueryRecord], str]


@dataclass(frozen=True)
class Rule:
    """Queries issued from ``file`` (a path suffix, e.g. ``pkg/auth.py``) belong to ``category``.

    ``function`` narrows it to one function, ``prefix`` to statements that start with
    that text and ``contains`` to statements that hold it (both case-insensitive), e.g.
    ``prefix="SELECT COUNT(*)"`` for a paginator's count but not a page whose select list
    has a ``COUNT(...)`` subquery.
    """

    category: str
    file: str | None = None
    function: str | None = None
    contains: str | None = None
    prefix: str | None = None

    def matches(self, record: QueryRecord) -> bool:
        if self.file is not None and not relative_path(record.file).endswith(self.file):
            return False
        if self.function is not None and record.function != self.function:
            return False
        if self.prefix is not None and not record.sql.lstrip().lower().startswith(
            self.prefix.lower()
        ):
            return False
        return self.contains is None or self.contains.lower() in record.sql.lower()


def classifier(rules: Sequence[Rule] = ()) -> Classifier:
    """Transaction control first, then the first matching rule, else ``data``."""
    for rule in rules:
        if rule.category not in CATEGORIES:
            raise MeasureError(f"unknown query category {rule.category!r}: use {CATEGORIES}")

    def classify(record: QueryRecord) -> str:
        if record.kind in CONTROL_KINDS:
            return "control"
        for rule in rules:
            if rule.matches(record):
                return rule.category
        return "data"

    return classify

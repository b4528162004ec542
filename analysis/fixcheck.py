"""Apply an N+1 finding's fix to the user's own queryset and count the queries before and after.

The finding (:func:`analysis.nplusone.detect_n_plus_one`) names a lookup path on the
queryset the loop iterates (:mod:`analysis.lookups`); :func:`try_fix` runs the loop on
that queryset as given, then on the queryset with the fix applied, each under
:func:`analysis.capture.capture`, and re-runs detection on the second capture:

    check = try_fix(finding, Job.objects.filter(status="open"), lambda qs: [j.client.username for j in qs])
    check.before, check.after, check.gone    # 21, 1, True
    check.frame()                            # the two runs side by side

Only the forms the printed fix names are applied: ``select_related('path')``,
``prefetch_related('path')`` and ``annotate(alias=Func('lookup'))`` for a per-row aggregate
(whose loop must then read the annotation: pass it as ``fixed_loop``). Anything else (a
``Prefetch`` with a filter, ``in_bulk``, bulk writes, a fix naming several candidates) is
refused with an :class:`~analysis.errors.AnalysisError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analysis.capture import capture
from analysis.errors import AnalysisError
from analysis.nplusone import Finding, detect_n_plus_one

if TYPE_CHECKING:
    import pandas as pd
    from django.db.models import QuerySet

_EAGER = re.compile(r"(select_related|prefetch_related)\('([\w]+)'\) on the (\w+) queryset")
_ANNOTATION = r"annotate\((\w+)=(Count|Avg|Sum|Min|Max)\('([\w]+)'\)\)"
_ANNOTATE = re.compile(rf"{_ANNOTATION} on the (\w+) queryset")
_PREFETCH = re.compile(
    rf"prefetch_related\(Prefetch\('(\w+)', queryset=(\w+)\.objects\.{_ANNOTATION}\)\)"
    r" on the (\w+) queryset"
)


def apply_fix(fix: str, queryset: QuerySet) -> QuerySet:
    """A finding's printed ``fix`` applied to ``queryset``, as a view's get_queryset would.

    Understands what ``analysis.nplusone`` prints: ``select_related('a__b') on the X
    queryset``, ``prefetch_related(...)``, ``annotate(alias=Count('lookup'))`` and the
    ``Prefetch('rel', queryset=Model.objects.annotate(...))`` form for a per-row aggregate
    on a nested object. Anything else is an AnalysisError.
    """
    from django.apps import apps
    from django.db import models

    if eager := _EAGER.fullmatch(fix):
        return getattr(queryset, eager.group(1))(eager.group(2))
    if prefetch := _PREFETCH.fullmatch(fix):
        path, model, alias, function, lookup, _ = prefetch.groups()
        targets = [m for m in apps.get_models() if m.__name__ == model]
        if len(targets) != 1:
            raise AnalysisError(f"cannot apply this fix automatically: {fix} (model {model})")
        annotated = targets[0].objects.annotate(**{alias: getattr(models, function)(lookup)})
        return queryset.prefetch_related(models.Prefetch(path, queryset=annotated))
    if aggregate := _ANNOTATE.fullmatch(fix):
        alias, function, lookup, _ = aggregate.groups()
        return queryset.annotate(**{alias: getattr(models, function)(lookup)})
    raise AnalysisError(f"cannot apply this fix automatically: {fix}")


@dataclass(frozen=True)
class FixCheck:
    """The loop's queries on the queryset as given (``before``) and with ``fix`` applied."""

    fix: str  # the call applied, e.g. "select_related('employer')"
    queryset: str  # the model of the queryset it was applied to
    before: int
    after: int
    before_ms: float
    after_ms: float
    gone: bool  # detection finds no N+1 on the finding's relation in the "after" run
    same_result: bool  # the loop returned the same value both times
    remaining: tuple[Finding, ...] = ()  # N+1 findings still in the "after" run

    def frame(self) -> pd.DataFrame:
        """Two rows, as given and with the fix: queries, database time, N+1 left."""
        import pandas as pd

        return pd.DataFrame(
            [
                {"queryset": "as given", "queries": self.before, "db_ms": self.before_ms},
                {"queryset": f".{self.fix}", "queries": self.after, "db_ms": self.after_ms},
            ]
        ).assign(db_ms=lambda f: f["db_ms"].round(2), n_plus_one=[True, not self.gone])


def _fixed(finding: Finding, queryset: QuerySet) -> tuple[str, QuerySet, bool]:
    """(the call, the fixed queryset, whether the loop must change to read an annotation)."""
    relation = finding.relation
    model = queryset.model.__name__
    eager = _EAGER.fullmatch(relation.fix)
    aggregate = _ANNOTATE.fullmatch(relation.fix)
    if eager is None and aggregate is None:
        raise AnalysisError(f"cannot apply this fix automatically: {relation.fix}")
    owner = (eager or aggregate).groups()[-1]
    if owner != model:
        raise AnalysisError(f"the fix goes on the {owner} queryset, not on a {model} queryset")
    if eager is not None:
        method, path = eager.group(1), eager.group(2)
        return f"{method}({path!r})", getattr(queryset.all(), method)(path), False
    from django.db import models

    alias, function, lookup = aggregate.group(1), aggregate.group(2), aggregate.group(3)
    call = f"annotate({alias}={function}({lookup!r}))"
    return call, queryset.all().annotate(**{alias: getattr(models, function)(lookup)}), True


def _same_relation(finding: Finding, other: Finding) -> bool:
    if finding.relation.name is not None:
        return other.relation.name == finding.relation.name
    return other.fingerprint == finding.fingerprint


def try_fix(
    finding: Finding,
    queryset: QuerySet,
    loop: Callable[[QuerySet], Any],
    fixed_loop: Callable[[QuerySet], Any] | None = None,
    threshold: int = 2,
) -> FixCheck:
    """Run ``loop`` on ``queryset`` as given and with ``finding``'s fix; count both.

    ``loop(queryset)`` iterates the queryset the way the user's code does. An aggregate
    fix adds an annotation the loop must read instead of querying per row, so it needs
    ``fixed_loop`` (``lambda qs: [j.count_applications for j in qs]``); for the others it
    defaults to ``loop``. The queryset is cloned for each run, so its cache plays no part.
    """
    call, fixed, changes_loop = _fixed(finding, queryset)
    if changes_loop and fixed_loop is None:
        raise AnalysisError(f"{call} adds an annotation: pass fixed_loop= reading it per row")
    with capture(label="fix: as given") as before:
        old = loop(queryset.all())
    with capture(label=f"fix: {call}") as after:
        new = (fixed_loop or loop)(fixed)
    remaining = tuple(detect_n_plus_one(after, threshold=threshold))
    return FixCheck(
        fix=call,
        queryset=queryset.model.__name__,
        before=len(before),
        after=len(after),
        before_ms=before.total_ms,
        after_ms=after.total_ms,
        gone=not any(_same_relation(finding, f) for f in remaining),
        same_result=old == new,
        remaining=remaining,
    )

"""N+1 queries and duplicate queries in a list of captured records.

Two different smells, reported apart (as Debug Toolbar's "similar" and "duplicate"):

* **N+1**: the same statement *shape* issued again and again from the same line of our
  code inside one unit of work (a request, a scenario run), either by one relation
  attribute (``application.employer``: :mod:`analysis.access` records which descriptor
  issued each query), even when every row points at the same target, or by hand with
  different parameters (a ``get()`` or an aggregate per row). That is a loop fetching a
  relation row by row; the fix is a lookup path on the queryset the loop iterates
  (:mod:`analysis.lookups`). The default threshold of 2 is django-zeal's; Scout (5 calls
  and 150 ms) and Sentry (about 5 and 50 ms) are stricter, which ``threshold`` and
  ``min_total_ms`` can reproduce.
* **Duplicate**: the exact same statement and parameters more than once, with no
  relation attribute behind it. No eager loading removes it; reuse the result or cache it.

Both take a ``CaptureRun`` or any iterable of ``QueryRecord``:

    detect_n_plus_one(run, threshold=2)   # list[Finding], largest total time first
    detect_duplicates(run)                # list[Duplicate]
    summary(run)                          # run.summary() plus both counts
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from analysis.callsite import CallSite
from analysis.fingerprint import brief, normalize
from analysis.lookups import chain, db_table, inferred_relation, loop_site, relation_for
from analysis.records import CaptureRun, QueryRecord
from analysis.relations import WRITE_FIXES, Relation
from analysis.serializerfield import SerializerSite
from analysis.serializerfix import serializer_relation
from analysis.sqlshape import shape

if TYPE_CHECKING:
    import pandas as pd

# Transaction and session control repeat by design; they are not N+1.
_CONTROL = {"SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "SET", "RESET", "SHOW"}


@dataclass(frozen=True)
class Finding:
    """One N+1: ``count`` queries of one shape from ``call_site`` in one unit of work."""

    count: int
    fingerprint: str
    sql: str
    call_site: CallSite
    scenario: str | None
    unit: int
    alias: str
    total_ms: float
    relation: Relation
    first_index: int
    indexes: tuple[int, ...] = field(repr=False, default=())
    callers: tuple[CallSite, ...] = ()
    serializer: SerializerSite | None = None  # the DRF field being read, when one was

    @property
    def fix(self) -> str:
        return self.relation.fix

    @property
    def serializer_field(self) -> str | None:
        """``ApplicationSerializer.employer → UserSerializer`` for a query DRF issued."""
        return self.serializer.description if self.serializer else None

    @property
    def view(self) -> str | None:
        return self.serializer.view if self.serializer else None

    @property
    def fix_in(self) -> str | None:  # "ApplicationListView.get_queryset (path:line)"
        return self.serializer.fix_in if self.serializer else None

    @property
    def normalized(self) -> str:
        return normalize(self.sql)

    @property
    def message(self) -> str:
        where = f" in scenario {self.scenario!r}" if self.scenario else ""
        site = self.serializer
        if site is not None:
            view = f" in {site.view}" + (f" ({site.action})" if site.action else "")
            at = f" (query at {self.call_site.short})" if site.method else ""
            return (
                f"N+1: {self.count} queries on {shape(self.sql).table or self.relation.table} "
                f"from {site.description}"
                f"{view if site.view else ''}{at}{where} ({self.total_ms:.1f} ms): "
                f"{brief(self.sql)}; fix in {site.fix_in or 'the queryset'}: {self.fix}"
            )
        if self.callers:
            where = f" (called from {self.callers[0].short}){where}"
        site = self.relation.loop_site
        evaluated = f" (the loop's queryset, evaluated at {site})" if site else ""
        return (
            f"N+1: {self.count} queries from {self.call_site.short}{where} "
            f"({self.total_ms:.1f} ms) on {self.relation.description}: "
            f"{brief(self.sql)} -> {self.fix}{evaluated}"
        )

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Duplicate:
    """The same statement with the same parameters, ``count`` times in one unit of work."""

    count: int
    sql: str
    params: object
    call_sites: tuple[CallSite, ...]
    scenario: str | None
    unit: int
    alias: str
    total_ms: float
    indexes: tuple[int, ...] = field(repr=False, default=())

    @property
    def message(self) -> str:
        sites = ", ".join(s.short for s in self.call_sites)
        return (
            f"duplicate: {self.count}x the same query with params {self.params!r} from {sites} "
            f"({self.total_ms:.1f} ms): {brief(self.sql)} -> reuse the result or cache it"
        )

    def __str__(self) -> str:
        return self.message


def _params_key(params: object) -> str:
    return repr(params)


def _group_key(record: QueryRecord) -> tuple:
    access = record.access
    relation = (access.label, access.attribute) if access is not None else None
    field = record.serializer.field if record.serializer is not None else None
    return (
        record.unit,
        record.alias,
        record.fingerprint,
        record.file,
        record.line,
        relation,
        field,
    )


def _relation(group, key, groups, records) -> Relation:
    first = group[0]
    query = shape(first.sql)
    access = first.access
    if access is not None and access.attribute is not None and query.kind not in WRITE_FIXES:
        keys = chain(key, groups)
        accesses = [groups[k][0].access for k in keys]
        table = db_table(accesses[0].label)
        site = loop_site(records, table, groups[keys[0]][0].index, *key[:2])
        relation = relation_for(accesses, query, site)
    else:
        accesses = [access] if access is not None else []
        relation = inferred_relation(records, first, query)
    if first.serializer is None or query.kind in WRITE_FIXES:
        return relation
    return serializer_relation(first.serializer, relation, accesses, query)


def detect_n_plus_one(
    records: Iterable[QueryRecord], threshold: int = 2, min_total_ms: float = 0.0
) -> list[Finding]:
    """Findings ordered by total time, largest first.

    A group is the queries of one shape from one call site (and one relation attribute,
    when a Django descriptor issued them) in one unit of work. It is an N+1 when it has
    ``threshold`` queries or more and either a relation attribute issued them (eager
    loading removes them even when every row points at the same target) or their
    parameters differ (a lookup per row by hand); otherwise it is a duplicate.
    """
    records = list(records)
    groups: dict[tuple, list[QueryRecord]] = defaultdict(list)
    for record in records:
        if record.kind in _CONTROL or record.error:
            continue
        groups[_group_key(record)].append(record)
    related = {k: g for k, g in groups.items() if g[0].access is not None}
    findings = []
    for key, group in groups.items():
        if len(group) < threshold:
            continue
        if group[0].access is None and len({_params_key(r.params) for r in group}) < 2:
            continue  # one parameter set repeated, no relation behind it: a duplicate
        total = sum(r.duration_ms for r in group)
        if total < min_total_ms:
            continue
        first = group[0]
        findings.append(
            Finding(
                count=len(group),
                fingerprint=key[2],
                sql=first.sql,
                call_site=first.call_site,
                scenario=first.scenario,
                unit=first.unit,
                alias=first.alias,
                total_ms=total,
                relation=_relation(group, key, related, records),
                first_index=first.index,
                indexes=tuple(r.index for r in group),
                callers=first.callers,
                serializer=first.serializer,
            )
        )
    return sorted(findings, key=lambda f: (-f.total_ms, f.first_index))


def detect_duplicates(records: Iterable[QueryRecord], threshold: int = 2) -> list[Duplicate]:
    """Groups of identical statements and parameters, largest count first."""
    groups: dict[tuple, list[QueryRecord]] = defaultdict(list)
    for record in records:
        if record.kind in _CONTROL or record.error or record.access is not None:
            continue  # a relation attribute's query is an N+1: eager loading removes it
        key = (record.unit, record.alias, record.sql, _params_key(record.params))
        groups[key].append(record)
    found = []
    for (unit, alias, sql, _), group in groups.items():
        if len(group) < threshold:
            continue
        sites = tuple(dict.fromkeys(r.call_site for r in group))
        found.append(
            Duplicate(
                count=len(group),
                sql=sql,
                params=group[0].params,
                call_sites=sites,
                scenario=group[0].scenario,
                unit=unit,
                alias=alias,
                total_ms=sum(r.duration_ms for r in group),
                indexes=tuple(r.index for r in group),
            )
        )
    return sorted(found, key=lambda d: (-d.count, d.indexes[0]))


def summary(run: CaptureRun, threshold: int = 2) -> dict[str, Any]:
    """``run.summary()`` with the number of N+1 patterns and of duplicates in it."""
    return {
        **run.summary(),
        "n_plus_one": len(detect_n_plus_one(run, threshold=threshold)),
        "duplicates": len(detect_duplicates(run, threshold=threshold)),
    }


_FRAME_COLUMNS = ["count", "call_site", "called_from", "scenario", "serializer_field", "view",
                  "relation", "kind", "path", "queryset", "loop_site", "fix", "fix_in",
                  "total_ms", "query", "fingerprint"]  # fmt: skip


def findings_frame(findings: Sequence[Finding]) -> pd.DataFrame:
    """Findings as a DataFrame, one row each, for reports."""
    import pandas as pd

    rows = [
        {
            "count": f.count,
            "call_site": f.call_site.short,
            "called_from": f.callers[0].short if f.callers else None,
            "scenario": f.scenario,
            "serializer_field": f.serializer_field,
            "view": f.view,
            "relation": f.relation.name,
            "kind": f.relation.kind,
            "path": f.relation.path,
            "queryset": f.relation.queryset,
            "loop_site": f.relation.loop_site,
            "fix": f.fix,
            "fix_in": f.fix_in,
            "total_ms": round(f.total_ms, 3),
            "query": f.normalized,
            "fingerprint": f.fingerprint,
        }
        for f in findings
    ]
    return pd.DataFrame(rows, columns=_FRAME_COLUMNS)

"""What ``analysis.capture`` records: one :class:`QueryRecord` a statement, in a :class:`CaptureRun`.

Plain records and their tabular views; the analyses that read them are functions in
their own modules, taking a run or any iterable of records:

    analysis.nplusone.detect_n_plus_one(run)   # list[Finding]
    analysis.nplusone.detect_duplicates(run)   # list[Duplicate]
    analysis.nplusone.summary(run)             # run.summary() with both counts
    analysis.explain.explain(record)           # the plan, with the record's parameters
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from analysis.callsite import CallSite, Frame, relative_path
from analysis.fingerprint import fingerprint, normalize, statement_kind
from analysis.serializerfield import SerializerSite

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, slots=True)
class Access:
    """The relation attribute whose Django descriptor or related manager issued a query.

    ``Application.employer`` read on an application: ``model`` ``"Application"``,
    ``attribute`` ``"employer"``, ``kind`` ``"forward"``, ``target`` the label of the
    model it leads to. ``attribute`` is None when only the instance is known (a related
    queryset evaluated later, ``kind`` ``"related"``). Keys, not instances, are kept:
    ``instance`` is the accessed row's primary key and ``value`` the key looked up (the
    foreign key's value for a forward relation, the instance's key otherwise).
    """

    model: str
    label: str  # app label and model, "jobs.Application"
    attribute: str | None
    kind: str  # forward, forward_one_to_one, reverse_one_to_one, reverse, many_to_many, related
    target: str | None  # label of the model the attribute leads to
    query_name: str | None  # the name ORM lookups use (annotate, select_related of a reverse)
    instance: Any
    value: Any

    @property
    def name(self) -> str:
        return f"{self.model}.{self.attribute}" if self.attribute else self.model


@dataclass(slots=True)
class QueryRecord:
    """One executed statement. ``params`` are the driver parameters, unrendered."""

    index: int
    sql: str
    params: Any
    many: bool
    alias: str
    duration_ms: float
    rows: int | None
    started_ms: float
    file: str
    line: int
    function: str
    scenario: str | None
    unit: int
    error: str | None = None
    stack: tuple[Frame, ...] = ()  # project frames above the call site, innermost first
    access: Access | None = None  # the relation attribute that issued it, when one did
    serializer: SerializerSite | None = None  # the DRF serializer field being read, if any

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.sql)

    @property
    def normalized(self) -> str:
        return normalize(self.sql)

    @property
    def kind(self) -> str:
        return statement_kind(self.sql)

    @property
    def call_site(self) -> CallSite:
        return CallSite(self.file, self.line, self.function)

    @property
    def callers(self) -> tuple[CallSite, ...]:
        """Who called the call site (up to two project frames), innermost first."""
        return tuple(CallSite(*frame) for frame in self.stack)

    def as_dict(self) -> dict[str, Any]:
        """A shallow dict of the fields (``params`` as recorded, not copied)."""
        return {name: getattr(self, name) for name in _FIELDS}


_FIELDS = [f.name for f in fields(QueryRecord)]
FRAME_COLUMNS = [f for f in _FIELDS if f not in ("stack", "access", "serializer")] + [
    "fingerprint",
    "normalized",
    "call_site",
    "callers",
    "access",
    "serializer",
]


class CaptureRun:
    """The queries of one ``capture()`` block, with tabular views of them."""

    def __init__(self, label: str | None = None) -> None:
        self.label = label
        self.queries: list[QueryRecord] = []
        self.elapsed_ms: float = 0.0

    def __len__(self) -> int:
        return len(self.queries)

    def __iter__(self) -> Iterator[QueryRecord]:
        return iter(self.queries)

    def __getitem__(self, index: int) -> QueryRecord:
        return self.queries[index]

    def __repr__(self) -> str:
        return f"<CaptureRun {self.label or ''} {len(self)} queries, {self.total_ms:.1f} ms>"

    @property
    def count(self) -> int:
        return len(self.queries)

    @property
    def total_ms(self) -> float:
        """Time spent inside the database driver, summed over queries."""
        return sum(q.duration_ms for q in self.queries)

    def records(self) -> list[dict[str, Any]]:
        """Plain dicts (JSON-friendly apart from ``params``), with fingerprint and call site."""
        out = []
        for q in self.queries:
            row = q.as_dict()
            del row["stack"]
            row["fingerprint"] = q.fingerprint
            row["call_site"] = q.call_site.short
            row["callers"] = [c.short for c in q.callers]
            row["access"] = q.access.name if q.access else None
            row["serializer"] = q.serializer.description if q.serializer else None
            out.append(row)
        return out

    def to_dataframe(self) -> pd.DataFrame:
        """One row a query; ``fingerprint`` and ``normalized`` group statements by shape."""
        import pandas as pd

        rows = []
        for q in self.queries:
            row = q.as_dict()
            del row["stack"]
            row["file"] = relative_path(q.file)
            row["fingerprint"] = q.fingerprint
            row["normalized"] = q.normalized
            row["call_site"] = q.call_site.short
            row["callers"] = " < ".join(c.short for c in q.callers)
            row["access"] = q.access.name if q.access else None
            row["serializer"] = q.serializer.description if q.serializer else None
            rows.append(row)
        return pd.DataFrame(rows, columns=FRAME_COLUMNS)

    def by_fingerprint(self) -> pd.DataFrame:
        """Statements grouped by shape: count, total and mean time, distinct call sites."""
        frame = self.to_dataframe()
        if frame.empty:
            return frame
        grouped = frame.groupby("fingerprint", sort=False).agg(
            count=("index", "size"),
            total_ms=("duration_ms", "sum"),
            mean_ms=("duration_ms", "mean"),
            call_sites=("call_site", lambda s: sorted(set(s))),
            normalized=("normalized", "first"),
        )
        return grouped.sort_values("total_ms", ascending=False).reset_index()

    def summary(self) -> dict[str, Any]:
        """Label, query count, driver and wall time, distinct shapes.

        ``analysis.nplusone.summary(run)`` adds the N+1 and duplicate counts.
        """
        return {
            "label": self.label,
            "queries": self.count,
            "db_ms": round(self.total_ms, 3),
            "elapsed_ms": round(self.elapsed_ms, 3),
            "fingerprints": len({q.fingerprint for q in self.queries}),
        }

    def _repr_html_(self) -> str:
        from html import escape

        head = " · ".join(f"{k}: {escape(str(v))}" for k, v in self.summary().items())
        return f"<p><b>capture</b> {head}</p>" + self.by_fingerprint().to_html(max_rows=20)

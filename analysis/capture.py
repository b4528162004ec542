"""Record every query a block of code issues, with the line of our code that issued it.

Built on ``connection.execute_wrapper``, Django's documented hook, installed on every
configured database: unlike patching the SQL compiler it also sees raw SQL, and unlike
``CaptureQueriesContext`` it needs no debug cursor and has no 9,000-query cap.

    with capture(label="job_list") as run:
        client.get("/jobs/")
    run.queries            # list[QueryRecord]
    run.to_dataframe()     # one row a query
    run.n_plus_one()       # list[Finding]
    run.duplicates()       # list[Duplicate]

Queries are recorded from the thread that opened the capture (the Django test client
runs views in that thread); ``threads=True`` also records connections that other
threads open while the capture is active.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from django.db import connections
from django.db.backends.signals import connection_created

from analysis.callsite import CallSite, Frame, raw_call_stack, relative_path
from analysis.errors import AnalysisError
from analysis.fingerprint import fingerprint, normalize, statement_kind

if TYPE_CHECKING:
    import pandas as pd

    from analysis.explain import ExplainResult
    from analysis.nplusone import Duplicate, Finding

# (scenario name, unit of work id): N+1 detection never mixes two units (two requests).
_scope: ContextVar[tuple[str | None, int] | None] = ContextVar("workbench_scope", default=None)
_paused: ContextVar[bool] = ContextVar("workbench_capture_paused", default=False)
_units = itertools.count(1)


@contextmanager
def scenario(name: str) -> Iterator[None]:
    """Name the unit of work (an endpoint, a scenario run) that queries inside belong to."""
    token = _scope.set((name, next(_units)))
    try:
        yield
    finally:
        _scope.reset(token)


def current_scenario() -> str | None:
    """The scenario name set by :func:`scenario` or ``capture(label=...)``, if any."""
    scope = _scope.get()
    return scope[0] if scope else None


@contextmanager
def paused() -> Iterator[None]:
    """Hide the workbench's own queries (EXPLAIN, savepoints) from active captures."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


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

    def explain(self, **options: Any) -> ExplainResult:
        """``explain(self, ...)``: the plan of this statement with its own parameters."""
        from analysis.explain import explain

        return explain(self, **options)


_FIELDS = [f.name for f in fields(QueryRecord)]
FRAME_COLUMNS = [f for f in _FIELDS if f != "stack"] + [
    "fingerprint",
    "normalized",
    "call_site",
    "callers",
]


class CaptureRun:
    """The queries of one ``capture()`` block, and the analyses that read them."""

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

    def n_plus_one(self, threshold: int = 2, min_total_ms: float = 0.0) -> list[Finding]:
        """Same shape, same call site, different parameters, ``threshold`` times or more."""
        from analysis.nplusone import detect_n_plus_one

        return detect_n_plus_one(self.queries, threshold=threshold, min_total_ms=min_total_ms)

    def duplicates(self, threshold: int = 2) -> list[Duplicate]:
        """The exact same statement and parameters issued more than once."""
        from analysis.nplusone import detect_duplicates

        return detect_duplicates(self.queries, threshold=threshold)

    def summary(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "queries": self.count,
            "db_ms": round(self.total_ms, 3),
            "elapsed_ms": round(self.elapsed_ms, 3),
            "fingerprints": len({q.fingerprint for q in self.queries}),
            "n_plus_one": len(self.n_plus_one()),
            "duplicates": len(self.duplicates()),
        }

    def _repr_html_(self) -> str:
        from html import escape

        head = " · ".join(f"{k}: {escape(str(v))}" for k, v in self.summary().items())
        return f"<p><b>capture</b> {head}</p>" + self.by_fingerprint().to_html(max_rows=20)


_UNKNOWN = ("<unknown>", 0, "<unknown>")
_clock = time.perf_counter


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else ""


class _Recorder:
    """The execute wrapper: times the call and notes where it came from."""

    __slots__ = ("run", "aliases", "scope", "start", "installed", "__weakref__")

    def __init__(self, run: CaptureRun, aliases: list[str], scope: tuple[str | None, int]):
        self.run = run
        self.aliases = set(aliases)
        self.scope = scope
        self.start = time.perf_counter()
        self.installed: list[Any] = []

    def __call__(self, execute, sql, params, many, context):
        if _paused.get():
            return execute(sql, params, many, context)
        stack = raw_call_stack(3)
        file, line, function = stack[0] if stack else _UNKNOWN
        scenario, unit = _scope.get() or self.scope
        error = None
        started = _clock()
        try:
            return execute(sql, params, many, context)
        except Exception as exc:
            error = f"{type(exc).__name__}: {_first_line(exc)}"
            raise
        finally:
            ended = _clock()
            try:  # the DB-API cursor itself: Django's wrapper would go through __getattr__
                rows = context["cursor"].cursor.rowcount
            except (AttributeError, KeyError):
                rows = -1
            queries = self.run.queries
            # list.append is atomic, so threads need no lock; an index may repeat only
            # when two threads append at the same instant, and indexes are labels
            queries.append(
                QueryRecord(
                    len(queries),
                    sql,
                    params,
                    many,
                    context["connection"].alias,
                    (ended - started) * 1000.0,
                    None if rows is None or rows < 0 else rows,
                    (started - self.start) * 1000.0,
                    file,
                    line,
                    function,
                    scenario,
                    unit,
                    error,
                    stack[1:],
                )
            )

    def install(self, connection) -> None:
        if self not in connection.execute_wrappers:
            connection.execute_wrappers.append(self)
            self.installed.append(connection)

    def on_connection_created(self, sender, connection, **kwargs) -> None:
        if connection.alias in self.aliases:
            self.install(connection)

    def uninstall(self) -> None:
        for connection in self.installed:
            while self in connection.execute_wrappers:
                connection.execute_wrappers.remove(self)
        self.installed.clear()


def _aliases(using: str | Iterable[str] | None) -> list[str]:
    if using is None:
        return list(connections)
    aliases = [using] if isinstance(using, str) else list(using)
    unknown = [a for a in aliases if a not in connections]
    if unknown:
        raise AnalysisError(f"no database alias {unknown[0]!r} in DATABASES")
    return aliases


@contextmanager
def capture(
    label: str | None = None,
    *,
    using: str | Iterable[str] | None = None,
    threads: bool = False,
) -> Iterator[CaptureRun]:
    """Record the queries run inside the block on ``using`` (default: every database).

    ``label`` names the scenario (and starts a new unit of work); without it the block
    joins the scenario already set, or becomes a unit of its own.
    """
    run = CaptureRun(label)
    outer = _scope.get()
    scope = (label, next(_units)) if label is not None or outer is None else outer
    token = _scope.set(scope)
    recorder = _Recorder(run, _aliases(using), scope)
    for alias in recorder.aliases:
        recorder.install(connections[alias])
    if threads:
        connection_created.connect(recorder.on_connection_created, weak=False)
    started = time.perf_counter()
    try:
        yield run
    finally:
        run.elapsed_ms = (time.perf_counter() - started) * 1000.0
        if threads:
            connection_created.disconnect(recorder.on_connection_created)
        recorder.uninstall()
        _scope.reset(token)

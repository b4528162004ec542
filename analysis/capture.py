"""Record every query a block of code issues, with the line of our code that issued it.

Built on ``connection.execute_wrapper``, Django's documented hook, installed on every
configured database: unlike patching the SQL compiler it also sees raw SQL, and unlike
``CaptureQueriesContext`` it needs no debug cursor and has no 9,000-query cap.

    with capture(label="job_list") as run:
        client.get("/jobs/")
    run.queries                    # list[QueryRecord] (analysis.records)
    run.to_dataframe()             # one row a query
    detect_n_plus_one(run)         # list[Finding] (analysis.nplusone)

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
from typing import Any

from django.db import connections
from django.db.backends.signals import connection_created

from analysis.access import relation_access
from analysis.callsite import raw_call_stack
from analysis.errors import AnalysisError
from analysis.records import CaptureRun, QueryRecord
from analysis.serializerfield import serializer_site

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
        access = relation_access()  # after the call-site walk, which classified the files
        serializer = serializer_site()  # the DRF field being read; one dict lookup without DRF
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
                    access,
                    serializer,
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

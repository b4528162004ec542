"""The WSGI application ``workbench serve`` and ``workbench load`` run under gunicorn.

It is ``marketplace.wsgi``'s application with the workbench's bootstrap first (the
embedded servers started, the install's secret key made, so every process signs tokens
with one key). Under a load run (``WORKBENCH_LOAD_COUNTERS`` names a folder) each request
is also counted in this process's counter file (``workbench.load.counters``); otherwise
the application is Django's, untouched.
"""

from __future__ import annotations

import os
from pathlib import Path

from workbench.env import django_env

django_env.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402

from analysis.dbcpu import is_local_host, process_cpu_ms  # noqa: E402
from workbench.load.counters import ENV, CounterFile  # noqa: E402


class _Statements:
    """One request's statements and its backends' CPU (an ``execute_wrapper``)."""

    def __init__(self, measure_cpu: bool) -> None:
        self.measure_cpu = measure_cpu
        self.queries = 0
        self.cpu_ms = 0.0
        self.unreadable = 0

    def _backend_cpu(self, context) -> float | None:
        raw = getattr(context.get("connection"), "connection", None)
        pid = raw.get_backend_pid() if raw is not None else None
        found = process_cpu_ms(pid) if pid else None
        return found[1] if found else None

    def __call__(self, execute, sql, params, many, context):
        self.queries += 1
        before = self._backend_cpu(context) if self.measure_cpu else None
        try:
            return execute(sql, params, many, context)
        finally:
            after = self._backend_cpu(context) if before is not None else None
            if before is not None and after is not None:
                self.cpu_ms += after - before
            else:
                self.unreadable += 1


def counting(app, folder: Path):
    """Wrap a WSGI app so every request adds to this process's counters."""
    from marketplace.cache import counters as cache_counters

    measure_cpu = is_local_host(connection.settings_dict.get("HOST"))
    state: dict[str, CounterFile] = {}

    def cache_totals() -> tuple[int, int]:
        snapshot = cache_counters.snapshot()
        return snapshot["hits"], snapshot["misses"]

    def application(environ, start_response):
        if "file" not in state:  # opened in the worker, after gunicorn forked it
            state["file"] = CounterFile(folder)
        statements = _Statements(measure_cpu)
        status: list[str] = []

        def recording_start_response(code, headers, exc_info=None):
            status.append(code)
            return start_response(code, headers, exc_info)

        try:
            with connection.execute_wrapper(statements):
                return app(environ, recording_start_response)
        finally:
            state["file"].add(
                cache=cache_totals(),
                requests=1,
                queries=statements.queries,
                db_cpu_us=round(statements.cpu_ms * 1000),
                cpu_unavailable=statements.unreadable,
                errors_5xx=int(bool(status) and status[0].startswith("5")),
            )

    return application


_folder = os.environ.get(ENV)
application = get_wsgi_application()
if _folder:
    application = counting(application, Path(_folder))

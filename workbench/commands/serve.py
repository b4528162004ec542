"""`workbench serve`: the marketplace behind gunicorn on 127.0.0.1 until interrupted.

``--variant NAME`` serves one variant: its switches go to the server's processes through
the environment (``WORKBENCH_EAGER`` / ``WORKBENCH_CACHE``), and its index state is set in
the database (DDL: refused in a database the workbench did not create unless
``--allow-external``) and put back as it was when the server stops, as the variants'
context managers do; the database's run lock is held meanwhile. Without it the database
is served as it is, with the switches the environment gives. Ctrl-C or SIGTERM stops
the server cleanly. An unknown variant or a port already taken is refused in one line
(exit 2) before anything changes.

The monitoring tools (docs/monitoring.md), never on in a measurement:

* ``--dev``: Django's runserver (autoreload) with Django Debug Toolbar and the
  workbench's panel (``workbench.monitoring.dev_settings``);
* ``--profile``: gunicorn with django-silk recording every request and its SQL, UI at
  ``/silk/`` (``workbench.monitoring.profile_settings``; its tables come from
  ``workbench migrate --profile``, refused in one line when missing);
* ``--metrics``: Prometheus's ``/metrics`` (``WORKBENCH_METRICS=1``), labelled with the
  variant; under gunicorn the workers share one multiprocess folder, made for the
  server and removed when it stops.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import tempfile
from contextlib import ExitStack

from workbench.commands import argtypes
from workbench.env import ownership
from workbench.errors import WorkbenchError
from workbench.load import server
from workbench.monitoring import DEV_SETTINGS, PROFILE_SETTINGS
from workbench.study.variants import NAMES as VARIANT_NAMES

_TOOLS = {
    "Debug Toolbar at /__debug__/": "dev",
    "django-silk at /silk/": "profile",
    "Prometheus at /metrics": "metrics",
}


def _refuse(message: str) -> int:
    print(f"workbench: error: {message}", file=sys.stderr)
    return 2


def _interrupt_on_sigterm() -> None:
    def handler(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def _switches(name: str | None) -> dict[str, str]:
    if name is None:
        return {}
    from workbench.study.variants import VARIANTS

    variant = VARIANTS[name]
    return {
        "WORKBENCH_EAGER": "1" if variant.eager else "0",
        "WORKBENCH_CACHE": "1" if variant.cache else "0",
    }


def _monitoring(args: argparse.Namespace, stack: ExitStack) -> dict[str, str]:
    """The environment the server needs for the monitoring tools asked for."""
    env: dict[str, str] = {}
    if args.dev:
        env["DJANGO_SETTINGS_MODULE"] = DEV_SETTINGS
    elif args.profile:
        env["DJANGO_SETTINGS_MODULE"] = PROFILE_SETTINGS
    if args.variant is not None:
        env["WORKBENCH_VARIANT"] = args.variant
    if args.metrics:
        env["WORKBENCH_METRICS"] = "1"
        if not args.dev:  # several gunicorn workers: one registry in files they share
            folder = tempfile.mkdtemp(prefix="wb-prometheus-")
            stack.callback(shutil.rmtree, folder, True)
            env["PROMETHEUS_MULTIPROC_DIR"] = folder
    return env


def _silk_tables_missing() -> bool:
    from django.db import connection

    return "silk_request" not in connection.introspection.table_names()


def cmd_serve(args: argparse.Namespace) -> int:
    if args.variant is not None and args.variant not in VARIANT_NAMES:
        return _refuse(f"unknown variant {args.variant!r}: use one of {', '.join(VARIANT_NAMES)}")
    problem = server.port_problem(args.port)
    if problem:
        return _refuse(problem)
    _interrupt_on_sigterm()
    from workbench.env import django_env, runlock

    django_env.setup()
    if args.profile and _silk_tables_missing():
        return _refuse(
            "django-silk's tables are not in this database: run `workbench migrate --profile`"
        )
    command = (
        server.runserver_command(args.port)
        if args.dev
        else server.gunicorn_command(args.port, args.workers, args.threads)
    )
    kind = "runserver" if args.dev else "gunicorn"
    with ExitStack() as stack:
        if args.variant is not None:
            from workbench.study import variants

            if variants.needs_ddl([args.variant]):
                ownership.ensure_owned("change the indexes of", args.allow_external)
            runlock.acquire("serve")
            stack.enter_context(variants.VARIANTS[args.variant]())
        from django.db import connections

        connections.close_all()  # the server's processes open their own
        env = {**os.environ, **_switches(args.variant), **_monitoring(args, stack)}
        try:
            srv = server.start(command, args.port, env, None, kind=kind)
        except KeyboardInterrupt:
            print("workbench: interrupted before the server answered", file=sys.stderr)
            return 130
        what = f"variant {args.variant}" if args.variant else "the database as it is"
        size = "" if args.dev else f", {args.workers} workers x {args.threads} threads"
        tools = [n for n, on in _TOOLS.items() if getattr(args, on)]
        extra = f", with {' and '.join(tools)}" if tools else ""
        print(
            f"serving the marketplace ({what}) with {kind}{size}{extra} at {srv.url}/api/ "
            "(Ctrl-C stops)",
            file=sys.stderr,
            flush=True,
        )
        try:
            code = srv.process.wait()
        except KeyboardInterrupt:
            server.stop(srv)
            print("workbench: server stopped", file=sys.stderr)
            return 0
        finally:
            server.stop(srv)
        raise WorkbenchError(f"the {kind} server exited on its own with code {code}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "serve", help="serve the marketplace with gunicorn on 127.0.0.1 until interrupted"
    )
    p.add_argument(
        "--variant",
        metavar="NAME",
        help=f"serve one variant ({', '.join(VARIANT_NAMES)}); default: the database as it is",
    )
    p.add_argument("--port", type=argtypes.natural, default=server.DEFAULT_PORT, help="port (8000)")
    p.add_argument(
        "--workers",
        type=argtypes.positive,
        default=server.default_workers(),
        help=f"gunicorn worker processes ({server.default_workers()}: 2 x cores + 1)",
    )
    p.add_argument(
        "--threads",
        type=argtypes.positive,
        default=server.DEFAULT_THREADS,
        help=f"threads per worker ({server.DEFAULT_THREADS})",
    )
    tools = p.add_mutually_exclusive_group()
    tools.add_argument(
        "--dev",
        action="store_true",
        help="Django's runserver (autoreload) with Django Debug Toolbar and the workbench panel",
    )
    tools.add_argument(
        "--profile",
        action="store_true",
        help="record every request and its SQL with django-silk (UI at /silk/; "
        "tables from `workbench migrate --profile`)",
    )
    p.add_argument(
        "--metrics",
        action="store_true",
        help="Prometheus metrics at /metrics (WORKBENCH_METRICS=1)",
    )
    p.add_argument(
        "--allow-external", action="store_true", help="change indexes in a database not ours"
    )
    p.set_defaults(func=cmd_serve)

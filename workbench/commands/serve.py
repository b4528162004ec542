"""`workbench serve`: the marketplace behind gunicorn on 127.0.0.1 until interrupted.

``--variant NAME`` serves one variant: its switches go to the server's processes through
the environment (``WORKBENCH_EAGER`` / ``WORKBENCH_CACHE``), and its index state is set in
the database (DDL: refused in a database the workbench did not create unless
``--allow-external``) and put back as it was when the server stops, as the variants'
context managers do; the database's run lock is held meanwhile. Without it the database
is served as it is, with the switches the environment gives. ``--dev`` runs Django's
runserver (autoreload) instead. Ctrl-C or SIGTERM stops the server cleanly. An unknown
variant or a port already taken is refused in one line (exit 2) before anything changes.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from contextlib import ExitStack

from workbench.commands import argtypes
from workbench.env import ownership
from workbench.errors import WorkbenchError
from workbench.load import server
from workbench.study.variants import NAMES as VARIANT_NAMES


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


def cmd_serve(args: argparse.Namespace) -> int:
    if args.variant is not None and args.variant not in VARIANT_NAMES:
        return _refuse(f"unknown variant {args.variant!r}: use one of {', '.join(VARIANT_NAMES)}")
    problem = server.port_problem(args.port)
    if problem:
        return _refuse(problem)
    _interrupt_on_sigterm()
    from workbench.env import django_env, runlock

    django_env.setup()
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
        env = {**os.environ, **_switches(args.variant)}
        try:
            srv = server.start(command, args.port, env, None, kind=kind)
        except KeyboardInterrupt:
            print("workbench: interrupted before the server answered", file=sys.stderr)
            return 130
        what = f"variant {args.variant}" if args.variant else "the database as it is"
        size = "" if args.dev else f", {args.workers} workers x {args.threads} threads"
        print(
            f"serving the marketplace ({what}) with {kind}{size} at {srv.url}/api/ (Ctrl-C stops)",
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
        help=f"gunicorn worker processes ({server.default_workers()}: one per core, at least 2)",
    )
    p.add_argument(
        "--threads",
        type=argtypes.positive,
        default=server.DEFAULT_THREADS,
        help=f"threads per worker ({server.DEFAULT_THREADS})",
    )
    p.add_argument("--dev", action="store_true", help="Django's runserver (autoreload) instead")
    p.add_argument(
        "--allow-external", action="store_true", help="change indexes in a database not ours"
    )
    p.set_defaults(func=cmd_serve)

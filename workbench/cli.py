"""The ``workbench`` command (also ``python -m workbench``).

Each subcommand lives in ``workbench.commands.<name>`` and registers itself; this
module only parses, dispatches and turns expected failures into one line on stderr
and a non-zero exit, the way papermill's CLI does.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from analysis.errors import AnalysisError
from fixtures.errors import FixtureError
from marketplace import conf, dsn
from marketplace.dsn import BadURL, redact
from workbench.env import runlock
from workbench.errors import WorkbenchError

# Modules under workbench.commands, each with ``register(subparsers)``.
COMMAND_MODULES = [
    "services",
    "database",
    "indexes",
    "report",
    "seed",
    "measure",
    "plan",
    "serve",
    "load",
    "scale",
]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like argparse but shorter
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="workbench", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(f"workbench.commands.{name}").register(subparsers)
    return parser


def _check_urls() -> None:
    config = conf.read()
    if not config.embedded_database:
        dsn.parse(config.database_url)
    if not config.embedded_redis:
        dsn.check_redis_url(config.redis_url)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if not getattr(args, "offline", False):  # plan and compare read files only
            _check_urls()  # before any command writes anything
        action = getattr(args, "run_lock", None)
        if action is not None:  # checked by argparse alone: lock before the command starts
            runlock.acquire(action)
        return int(args.func(args) or 0)
    except (WorkbenchError, AnalysisError, FixtureError, BadURL) as exc:
        print(f"workbench: error: {redact(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("workbench: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        # Expected failures (a server down, a database error) and bugs alike get one line;
        # WORKBENCH_DEBUG=1 shows the traceback for a bug report.
        if conf.read().debug_tracebacks:
            raise
        from workbench.env.services import ServiceError

        first = (str(exc).strip().splitlines() or [""])[0]
        expected = isinstance(exc, ServiceError) or type(exc).__module__.startswith(
            ("psycopg2", "django.db", "redis")
        )
        message = first if expected else f"{type(exc).__name__}: {first}"
        hint = "" if expected else " (WORKBENCH_DEBUG=1 shows the traceback)"
        print(f"workbench: error: {redact(message)}{hint}", file=sys.stderr)
        return 1
    finally:
        runlock.release()  # commands that change the database hold it while they run

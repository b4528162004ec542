"""The ``workbench`` command (also ``python -m workbench``).

Each subcommand lives in ``workbench.commands.<name>`` and registers itself; this
module only parses, dispatches and turns expected failures into one line on stderr
and a non-zero exit, the way papermill's CLI does. Its help lists the commands in the
order of a session (``HELP_GROUPS``), in plain text (no reStructuredText backticks), and
gives every command a description.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import re
import shutil
import signal
import sys
import textwrap
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
    "advise",
    "monitoring",
]


DESCRIPTION = (
    "The Django DB workbench: seeds a Django job marketplace with realistic data, measures "
    "its endpoints as they stand and under each optimization (indexes, eager loading, "
    "caching), and reports what changed, with a verdict on the success criteria."
)
# The help's groups, in the order of a session; a command not named here is listed last.
HELP_GROUPS = (
    (
        "A session, in order",
        ("up", "seed", "measure", "report", "compare", "advise", "lab", "down"),
    ),
    ("Servers and databases", ("status", "createdb", "migrate", "dropdb")),
    ("Going further", ("indexes", "plan", "scale", "serve", "load")),
)
EPILOG = (
    "Each command's options: workbench COMMAND --help. Every environment variable: "
    "docs/configuration.md. The report, read: docs/reading-the-report.md."
)
_DOUBLE, _SINGLE = re.compile(r"``([^`]+)``"), re.compile(r"`([^`]+)`")


def plain(text: str | None) -> str | None:
    """Help text without reStructuredText: ``code`` -> code, `cmd` -> 'cmd'."""
    if not text:
        return text
    return _SINGLE.sub(r"'\1'", _DOUBLE.sub(r"\1", text))


class _PlainFormatter(argparse.HelpFormatter):
    def _format_text(self, text: str) -> str:
        return super()._format_text(plain(text) or "")

    def _expand_help(self, action: argparse.Action) -> str:
        return plain(super()._expand_help(action)) or ""


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _PlainFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # one line, exit 2, like argparse but shorter
        self.exit(2, f"{self.prog}: error: {message}\n")


class _TopParser(_Parser):
    """``workbench --help``: the commands grouped in the order of a session."""

    commands: dict[str, str] = {}

    def format_help(self) -> str:
        width = min(shutil.get_terminal_size((100, 24)).columns, 100)
        column = max((len(n) for n in self.commands), default=8) + 4
        wrap = textwrap.TextWrapper(width=width, subsequent_indent=" " * column)
        out = [self.format_usage().rstrip(), "", textwrap.fill(DESCRIPTION, width), ""]
        listed = set()
        groups = [*HELP_GROUPS, ("Other commands", tuple(self.commands))]
        for title, names in groups:
            present = [n for n in names if n in self.commands and n not in listed]
            if not present:
                continue
            out.append(f"{title}:")
            for name in present:
                listed.add(name)
                out.append(wrap.fill(f"  {name:<{column - 2}}{self.commands[name]}"))
            out.append("")
        out += ["options:", "  -h, --help  show this help message and exit", ""]
        out.append(textwrap.fill(EPILOG, width))
        return "\n".join(out) + "\n"


def build_parser() -> argparse.ArgumentParser:
    parser = _TopParser(prog="workbench", description=DESCRIPTION)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(f"workbench.commands.{name}").register(subparsers)
    helps = {action.dest: plain(action.help) or "" for action in subparsers._choices_actions}
    for name, sub in subparsers.choices.items():
        if not sub.description:  # every command described, at least by its one line
            text = helps.get(name, "")
            sub.description = text[:1].upper() + text[1:] + ("." if text else "")
    parser.commands = helps
    return parser


def _check_urls() -> None:
    config = conf.read()
    if not config.embedded_database:
        dsn.parse(config.database_url)
    if not config.embedded_redis:
        dsn.check_redis_url(config.redis_url)


def _interruptible() -> None:
    """SIGINT raises KeyboardInterrupt, even when this process was started with it ignored.

    A shell script's background job (``workbench serve &``) inherits SIGINT ignored, and
    Python then installs no handler of its own: ``kill -INT``, a scheduler's interrupt,
    would do nothing, where every command here documents what SIGINT does (stop the
    server and put the indexes back, keep a report's partial notebook).
    """
    with contextlib.suppress(ValueError):  # not the main thread (main() called in-process)
        signal.signal(signal.SIGINT, signal.default_int_handler)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _interruptible()
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

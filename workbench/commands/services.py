"""`workbench up | down | status`: the embedded PostgreSQL and Redis."""

from __future__ import annotations

import argparse

from workbench.env import services


def _print(rows: list[services.Service]) -> None:
    for s in rows:
        where = "embedded" if s.embedded else "external"
        state = (
            s.detail
            if s.detail not in ("embedded", "external")
            else ("running" if s.running else "stopped")
        )
        print(f"{s.kind:<11} {where:<9} {state:<16} {s.shown}")


def cmd_up(args: argparse.Namespace) -> int:
    rows = services.up()
    _print(rows)
    return 0 if all(s.running for s in rows) else 3


def cmd_down(args: argparse.Namespace) -> int:
    _print(services.down())
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    rows = services.status()
    _print(rows)
    return 0 if all(s.running for s in rows) else 3


def register(subparsers) -> None:
    p = subparsers.add_parser("up", help="start the embedded PostgreSQL and Redis (idempotent)")
    p.set_defaults(func=cmd_up)
    p = subparsers.add_parser("down", help="stop the embedded PostgreSQL and Redis")
    p.set_defaults(func=cmd_down)
    p = subparsers.add_parser(
        "status",
        help="show which services are used and whether they answer (exit 3 if one does not)",
    )
    p.set_defaults(func=cmd_status)

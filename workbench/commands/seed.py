"""`workbench seed`: fill the marketplace with synthetic data (see ``fixtures``)."""

from __future__ import annotations

import argparse
from datetime import date

from workbench.env import django_env, ownership, runlock
from workbench.errors import WorkbenchError


def cmd_seed(args: argparse.Namespace) -> int:
    # Validate every argument before touching any database.
    import fixtures

    scale = fixtures.parse_scale(args.scale)
    seed = fixtures.parse_seed(args.seed)
    as_of = _as_of(args.as_of)
    runlock.acquire("seed")
    ownership.ensure_owned("seed", args.allow_external)
    django_env.setup()
    result = fixtures.seed(
        scale,
        seed=seed,
        reset=args.reset,
        as_of=as_of,
        progress=False if args.quiet else None,
    )
    print(result.summary())
    _clear_cache()
    return 0


def _clear_cache() -> None:
    """COPY bypasses the ORM's invalidation hooks, so cached answers would outlive the reseed."""
    from marketplace import cache

    if cache.clear() is None:
        print("cache: Redis unreachable; every cached entry will be treated as stale")


def _as_of(value: str | None) -> date:
    from fixtures.shape import AS_OF

    if not value:
        return AS_OF
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise WorkbenchError(f"--as-of must be a date like 2026-01-01 (got {value!r})") from None


def register(subparsers) -> None:
    from fixtures.scale import PRESETS

    p = subparsers.add_parser(
        "seed",
        help="fill the marketplace with realistic synthetic data (vectorised, loaded with COPY)",
    )
    p.add_argument(
        "--scale",
        default="medium",
        metavar="NAME|N",
        help=f"a preset ({', '.join(PRESETS)}) or a number of users (default: medium)",
    )
    p.add_argument("--seed", default="42", help="random seed; same scale and seed, same rows")
    p.add_argument("--reset", action="store_true", help="truncate the marketplace's tables first")
    p.add_argument(
        "--as-of",
        metavar="DATE",
        help="the data's 'today' (default 2026-01-01, fixed so runs are reproducible)",
    )
    p.add_argument(
        "--allow-external",
        action="store_true",
        help="seed a database the workbench did not create",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    p.set_defaults(func=cmd_seed)

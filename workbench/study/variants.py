"""The optimisation variants: their one home (names, order, colours, descriptions, factories).

Each variant is a state of the whole system, set on entry:

| variant  | plan's 24 indexes | eager loading | Redis caching |
|----------|-------------------|---------------|---------------|
| baseline | reverted          | off           | off           |
| indexes  | applied           | off           | off           |
| eager    | reverted          | on            | off           |
| cache    | reverted          | off           | on            |
| all      | applied           | on            | on            |

Calling a variant gives a context manager (``with VARIANTS["eager"]():``) that, like
Django's ``override_settings``, puts back what it changed when the block ends, even
when the block raises: the eager and caching switches (``override_settings`` under
``marketplace.api.switches``), and each app's plan indexes as it found them. It clears
this database's cache keys on entry and on exit, so no variant reads what another one
stored and none leaves entries behind.

The baseline is measured *without* the plan's indexes (Django's own foreign-key and
unique indexes stay: they are part of the schema the migrations define), so "indexes"
shows what the plan's list adds. Indexes are applied and reverted with the migrations
(``workbench.study.plan_indexes``), which is DDL: only run a variant in a database the
workbench may change (``workbench.env.ownership``; the CLI checks it). :func:`set_indexes`
changes them outside a variant; wrap that in :func:`restoring` to put them back.

Names, order and colours are plain data, importable without Django set up (the report
and the CLI's argument parser read them); Django and the marketplace load on entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from workbench.study import plan_indexes


@dataclass(frozen=True)
class Variant:
    """One variant: what it switches on, how it is drawn, and (called) its context manager."""

    name: str
    indexes: bool
    eager: bool
    cache: bool
    colour: str
    description: str

    def __call__(self):
        return _entered(self)


_ALL: tuple[Variant, ...] = (
    Variant(
        "baseline",
        indexes=False,
        eager=False,
        cache=False,
        colour="#9aa5b1",
        description="the marketplace as written: no plan indexes, lazy loading, no cache",
    ),
    Variant(
        "indexes",
        indexes=True,
        eager=False,
        cache=False,
        colour="#f2994a",
        description="the plan's 24 indexes applied",
    ),
    Variant(
        "eager",
        indexes=False,
        eager=True,
        cache=False,
        colour="#27ae60",
        description="select_related and annotations instead of per-row queries",
    ),
    Variant(
        "cache",
        indexes=False,
        eager=False,
        cache=True,
        colour="#9b51e0",
        description="responses, ratings and job statistics cached in Redis",
    ),
    Variant(
        "all",
        indexes=True,
        eager=True,
        cache=True,
        colour="#2f80ed",
        description="indexes, eager loading and caching together",
    ),
)

VARIANTS: dict[str, Variant] = {v.name: v for v in _ALL}
"""Every variant by name, in order; ``VARIANTS[name]()`` is its context manager."""

NAMES: tuple[str, ...] = tuple(VARIANTS)
"""Every variant, in the order runs, tables and figures show them (the baseline first)."""

BASELINE = NAMES[0]

COLOURS: dict[str, str] = {v.name: v.colour for v in _ALL}
"""One colour per variant for every figure (baseline grey, all blue)."""

DESCRIPTIONS: dict[str, str] = {v.name: v.description for v in _ALL}


def select(names: Iterable[str] | None = None) -> dict[str, Variant]:
    """The named variants in the canonical order (baseline first); all when ``names`` is None."""
    if names is None:
        return dict(VARIANTS)
    wanted = list(dict.fromkeys(names))
    unknown = [n for n in wanted if n not in VARIANTS]
    if unknown:
        raise ValueError(f"unknown variant {unknown[0]!r}: use one of {', '.join(VARIANTS)}")
    return {name: v for name, v in VARIANTS.items() if name in wanted}


def index_state() -> dict[str, bool]:
    """Per app, whether its plan-index migration is applied."""
    return plan_indexes.applied_apps()


def needs_ddl(names: Iterable[str]) -> bool:
    """Whether measuring these variants will create or drop indexes in the current database."""
    state = set(index_state().values())
    wanted = {VARIANTS[n].indexes for n in names}
    return bool(wanted - state) or len(state) > 1


@contextmanager
def _ddl_allowed() -> Iterator[None]:
    """Deferred foreign-key checks pending in an open transaction make DDL fail
    ("pending trigger events"): run them now, and defer again afterwards."""
    from django.db import connection

    if not connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL DEFERRED")


def set_indexes(applied: bool) -> list[str]:
    """Apply or revert the plan's indexes (no-op when already so); the indexes changed."""
    state = index_state()
    if all(done == applied for done in state.values()):
        return []
    with _ddl_allowed():
        return plan_indexes.apply() if applied else plan_indexes.revert()


def restore_indexes(state: Mapping[str, bool]) -> list[str]:
    """Migrate each app whose plan indexes differ from ``state`` back to it; the apps moved."""
    from django.core.management import call_command

    now = index_state()
    changed = [app for app, done in state.items() if now.get(app) != done]
    if changed:
        with _ddl_allowed():
            for app in changed:
                target = plan_indexes.MIGRATION if state[app] else plan_indexes.BASE_MIGRATION
                call_command("migrate", app, target, verbosity=0, interactive=False)
    return changed


def _clear_cache() -> None:
    import marketplace.cache

    marketplace.cache.clear()


@contextmanager
def _entered(variant: Variant) -> Iterator[Variant]:
    from marketplace.api import switches

    with ExitStack() as stack:
        # Registered first, run last: the indexes go back after the switches and the cache.
        stack.callback(restore_indexes, index_state())
        set_indexes(variant.indexes)
        stack.callback(_clear_cache)
        _clear_cache()
        stack.enter_context(switches.variant(eager=variant.eager, cache=variant.cache))
        yield variant


@contextmanager
def restoring() -> Iterator[dict[str, bool]]:
    """Put each app's plan indexes back as they were, and leave no cache keys behind."""
    before = index_state()
    try:
        yield before
    finally:
        restore_indexes(before)
        _clear_cache()

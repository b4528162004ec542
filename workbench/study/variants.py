"""The optimisation variants as context managers: baseline, indexes, eager, cache, all.

Each variant is a state of the whole system, set on entry:

| variant  | plan's 24 indexes | eager loading | Redis caching |
|----------|-------------------|---------------|---------------|
| baseline | reverted          | off           | off           |
| indexes  | applied           | off           | off           |
| eager    | reverted          | on            | off           |
| cache    | reverted          | off           | on            |
| all      | applied           | on            | on            |

The baseline is measured *without* the plan's indexes (Django's own foreign-key and
unique indexes stay: they are part of the schema the migrations define), so "indexes"
shows what the plan's list adds. Indexes are applied and reverted with the migrations
(``workbench.study.plan_indexes``), which is DDL: only run a variant in a database the
workbench may change (``workbench.env.ownership``; the CLI checks it). Entering a variant
does not undo the previous one's indexes, so a run does not rebuild them for every
variant; wrap the run in :func:`restoring` to put the database back as it was.

Every variant clears this database's cache keys on entry, so no variant reads what
another one stored. The switches are ``override_settings`` (``marketplace.api.switches``)
and are restored on exit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection

import marketplace.cache
from marketplace.api import switches
from workbench.study import plan_indexes as perf_indexes


@dataclass(frozen=True)
class Variant:
    name: str
    indexes: bool
    eager: bool
    cache: bool

    @contextmanager
    def __call__(self) -> Iterator[Variant]:
        set_indexes(self.indexes)
        marketplace.cache.clear()
        with switches.variant(eager=self.eager, cache=self.cache):
            yield self


VARIANTS: dict[str, Variant] = {
    v.name: v
    for v in (
        Variant("baseline", indexes=False, eager=False, cache=False),
        Variant("indexes", indexes=True, eager=False, cache=False),
        Variant("eager", indexes=False, eager=True, cache=False),
        Variant("cache", indexes=False, eager=False, cache=True),
        Variant("all", indexes=True, eager=True, cache=True),
    )
}


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
    return perf_indexes.applied_apps()


def needs_ddl(names: Iterable[str]) -> bool:
    """Whether measuring these variants will create or drop indexes in the current database."""
    state = set(index_state().values())
    wanted = {VARIANTS[n].indexes for n in names}
    return bool(wanted - state) or len(state) > 1


@contextmanager
def _ddl_allowed() -> Iterator[None]:
    """Deferred foreign-key checks pending in an open transaction make DDL fail
    ("pending trigger events"): run them now, and defer again afterwards."""
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
        return perf_indexes.apply() if applied else perf_indexes.revert()


def _migrate_app(app: str, applied: bool) -> None:
    from django.core.management import call_command

    target = perf_indexes.MIGRATION if applied else perf_indexes.BASE_MIGRATION
    call_command("migrate", app, target, verbosity=0, interactive=False)


@contextmanager
def restoring() -> Iterator[dict[str, bool]]:
    """Put each app's plan indexes back as they were, and leave no cache keys behind."""
    before = index_state()
    try:
        yield before
    finally:
        now = index_state()
        changed = [app for app, done in before.items() if now.get(app) != done]
        if changed:
            with _ddl_allowed():
                for app in changed:
                    _migrate_app(app, before[app])
        marketplace.cache.clear()

"""The marketplace's Redis cache layer: versioned entries, a circuit breaker, counters.

What the API caches and when it invalidates lives in ``marketplace.api.caching`` and
``marketplace.api.invalidation``; this package only knows keys, generations and Redis.
ORM writes invalidate by themselves (signals, and the cached models' default manager for
``update``, ``delete``, ``bulk_create``, ``bulk_update``). Anything that writes behind the
ORM's back (raw SQL, ``COPY`` seeding) must call ``invalidate(Model)``, ``invalidate_all()``
or ``clear()`` afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver

from marketplace.cache import counters, store


def clear() -> int | None:
    """Delete every key of this database under our prefix (None when Redis is unreachable).

    When Redis is unreachable the next successful call bumps the global generation
    instead, so nothing cached before can be served after.
    """
    return store.clear()


def invalidate(target: type | str, pks: Iterable[Any] | None = None) -> None:
    """After raw SQL on one table: make what it can have changed stale.

    ``target``: the model, ``"jobs.Job"`` or the table name ``"jobs_job"``; ``pks``: the
    rows written (their job's and users' entries only; omit it when a row moved to another
    job or user). Unknown names raise ValueError. See ``marketplace.api.invalidation``.
    """
    from marketplace.api import invalidation  # late: it imports the models

    invalidation.invalidate(target, pks)


def invalidate_all() -> None:
    """Make every cached entry stale at once, in O(1), without deleting anything."""
    store.bump([store.GLOBAL])


def stats() -> dict[str, Any]:
    """This process's hits and misses per kind, and Redis's own (server-wide) counters.

    ``process`` counts only the response, ratings and job statistics lookups this process
    made since the last ``reset_stats()``: diff two snapshots to get one workload's hit
    rate. ``redis`` is INFO's keyspace_hits / keyspace_misses, which count every client
    of the server and every key read (generations included); None when Redis is down.
    """
    return {"process": counters.snapshot(), "redis": store.server_counters()}


def reset_stats() -> None:
    counters.reset()


def reset() -> None:
    """Forget outages, missed invalidations and counters (tests, or after a server switch)."""
    store.reset()


@receiver(setting_changed)
def _cache_settings_changed(setting: str, **kwargs: Any) -> None:
    # A test pointing CACHES at another server must not inherit the old one's outage.
    if setting == "CACHES":
        store.breaker.reset()

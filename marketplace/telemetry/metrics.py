"""The marketplace's own Prometheus metrics, beside django-prometheus's.

django-prometheus counts requests per view, database statements, their errors and
durations (its database backend wrapper). Its cache metrics come from wrapping Django's
cache backend, which the marketplace does not read through: its versioned store
(``marketplace.cache.store``) talks to Redis with one MGET per lookup, so the honest
source of hits and misses is the store's own counters (``marketplace.cache.counters``).
:class:`CacheMetricsMiddleware` copies their growth into real Prometheus counters at
the start and end of every request, which works with gunicorn's several workers
(prometheus-client's multiprocess mode, ``PROMETHEUS_MULTIPROC_DIR``), where a collector
reading the counters at scrape time would only see the worker that answered.

| metric | labels | what |
|---|---|---|
| ``marketplace_cache_lookups_total`` | ``kind`` (response, ratings, job_stats), ``result`` (hit, miss) | the store's lookups |
| ``marketplace_cache_events_total`` | ``event`` (errors, skipped, missed_invalidations) | Redis trouble |
| ``marketplace_variant_info`` | ``variant``, ``eager``, ``cache`` | 1: what this server runs |
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from prometheus_client import Counter, Gauge

from marketplace.cache import counters

if TYPE_CHECKING:
    from marketplace.conf import Config

LOOKUPS = Counter(
    "marketplace_cache_lookups",
    "Lookups in the marketplace's Redis cache, by kind of entry and result (hit or miss).",
    ["kind", "result"],
)
EVENTS = Counter(
    "marketplace_cache_events",
    "Cache trouble: Redis errors, lookups skipped while the circuit breaker is open, "
    "invalidations that did not reach Redis.",
    ["event"],
)
VARIANT = Gauge(
    "marketplace_variant_info",
    "The variant this server runs (its name and switches); the value is 1.",
    ["variant", "eager", "cache"],
    multiprocess_mode="max",
)
_EVENTS = ("errors", "skipped", "missed_invalidations")

_lock = threading.Lock()
_seen: dict[tuple[str, ...], int] = {}


def _current() -> dict[tuple[str, ...], int]:
    snapshot = counters.snapshot()
    found: dict[tuple[str, ...], int] = {}
    for kind, figures in snapshot["kinds"].items():
        found[("lookup", kind, "hit")] = figures["hits"]
        found[("lookup", kind, "miss")] = figures["misses"]
    for event in _EVENTS:
        found[("event", event)] = snapshot[event]
    return found


def sync() -> None:
    """Add what this process's cache counters grew by since the last call.

    Under one lock, snapshot included: two threads syncing at once must not count the
    same growth twice. A counter that went down was reset (tests): its mark moves down.
    """
    with _lock:
        for key, value in _current().items():
            grown = value - _seen.get(key, 0)
            if grown > 0:
                if key[0] == "lookup":
                    LOOKUPS.labels(kind=key[1], result=key[2]).inc(grown)
                else:
                    EVENTS.labels(event=key[1]).inc(grown)
            _seen[key] = value


class CacheMetricsMiddleware:
    """Syncs the cache counters before the view (so ``/metrics`` is current) and after it."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        sync()
        try:
            return self.get_response(request)
        finally:
            sync()


def install(config: Config) -> None:
    """Label this process with its variant and start counting from its counters' state.

    Every kind and result starts at 0, so a dashboard's rate has a series before the
    first lookup (a labelled counter has none until it is used).
    """
    for kind in counters.KINDS:
        for result in ("hit", "miss"):
            LOOKUPS.labels(kind=kind, result=result)
    for event in _EVENTS:
        EVENTS.labels(event=event)
    VARIANT.labels(
        variant=config.variant or "unnamed",
        eager="1" if config.eager else "0",
        cache="1" if config.cache else "0",
    ).set(1)
    with _lock:
        _seen.update(_current())

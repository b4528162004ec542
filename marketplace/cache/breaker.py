"""A circuit breaker for Redis: after a failure, skip it for a few seconds.

Without it every request during an outage would wait for the socket timeout before
falling back to the database, turning a cache outage into a site-wide slowdown. The
outage and the recovery are each logged once, however many requests pass in between.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings

from marketplace.dsn import redact

log = logging.getLogger("marketplace.cache")


def _location() -> str:
    location = settings.CACHES["default"].get("LOCATION", "")
    if isinstance(location, list | tuple):
        location = location[0] if location else ""
    return redact(str(location))


def _retry_seconds() -> float:
    return float(getattr(settings, "WORKBENCH_CACHE_RETRY_SECONDS", 5.0))


class Breaker:
    """Closed (use Redis), or open until ``retry_at`` after a failure (skip Redis)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.down = False
        self.retry_at = 0.0

    def allow(self) -> bool:
        """Whether to try Redis now: always when up, once per retry period when down."""
        if not self.down:
            return True
        with self._lock:
            if time.monotonic() < self.retry_at:
                return False
            # Let this caller probe; the others keep skipping until it reports back.
            self.retry_at = time.monotonic() + _retry_seconds()
            return True

    def failed(self, error: BaseException) -> None:
        with self._lock:
            self.retry_at = time.monotonic() + _retry_seconds()
            if self.down:
                return
            self.down = True
        log.warning(
            "Redis cache at %s is unavailable (%s: %s); answering from the database "
            "and retrying every %g s",
            _location(),
            type(error).__name__,
            str(error).splitlines()[0] if str(error) else "",
            _retry_seconds(),
        )

    def succeeded(self) -> None:
        if not self.down:
            return
        with self._lock:
            if not self.down:
                return
            self.down = False
        log.warning("Redis cache at %s is reachable again; caching resumed", _location())

    def reset(self) -> None:
        """Forget any outage (tests, or after pointing the cache at another server)."""
        with self._lock:
            self.down = False
            self.retry_at = 0.0

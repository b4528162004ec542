"""Versioned entries in Redis: invalidation is O(1) and a read is one round trip.

Every entry depends on named *generations* ("jobs", "job:42", "user:7", ...) and on the
global "all". It is stored together with its *stamp*, the values those generations had
before the entry was computed. A write increments the generations it affects, so every
entry that depended on them stops matching at once, without finding or deleting a key.
A read fetches the entry and its generations with one MGET and compares the stamp.

A generation that does not exist (first use, a restarted Redis, ``clear()``) is created
from the clock in nanoseconds, never from zero, so an entry stored before the generation
vanished can never match again. A stamp also begins with the server's ``run_id``
(``marketplace.cache.epoch``), so nothing stored before a restart matches after it.

Every Redis call goes through the circuit breaker: when Redis is unavailable, reads
miss and entries are not stored. Invalidations are never skipped by the open breaker
(each one tries Redis, so a server that is back gets it at once), and one that fails is
remembered. After any failure the global generation is bumped before Redis is used
again: an outage without a restart (a partition, a frozen server) may have hidden other
processes' writes, and entries stored before it must not be trusted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.cache import caches
from django.db import connections, transaction
from django_redis import get_redis_connection
from redis.exceptions import RedisError

from marketplace.cache import counters, epoch
from marketplace.cache.breaker import Breaker

GLOBAL = "all"
# What a broken or unreachable Redis raises through redis-py (sockets included), and what
# get_redis_connection raises when CACHES is not django-redis (treated as "no Redis").
ERRORS = (RedisError, OSError, NotImplementedError)
T = TypeVar("T")

breaker = Breaker()
_missed = threading.Event()  # an invalidation did not reach Redis: bump GLOBAL first


@dataclass(frozen=True)
class Lookup:
    """``value`` when a valid entry was found; ``stamp`` to store a fresh one (None: don't)."""

    value: bytes | None
    stamp: bytes | None


def namespace() -> str:
    """Keys are per database too, so two seeded scales sharing a Redis never mix."""
    return str(connections["default"].settings_dict["NAME"])


def key(name: str) -> str:
    """The Redis key: KEY_PREFIX (WORKBENCH_CACHE_PREFIX), version, database, then the name."""
    return caches["default"].make_key(f"{namespace()}:{name}")


def _generation_keys(names: Iterable[str]) -> list[str]:
    return [key(f"gen:{name}") for name in names]


def _increment(client, names: Sequence[str]) -> None:
    pipe = client.pipeline(transaction=False)
    for gen_key in _generation_keys(names):
        pipe.set(gen_key, time.time_ns(), nx=True)  # a missing generation starts at "now"
        pipe.incr(gen_key)
    pipe.execute()


def run(action: Callable[[Any], T], default: T, *, always: bool = False) -> T:
    """``action(redis_client)``, or ``default`` when Redis is skipped or fails.

    ``always``: try even while the breaker is open (invalidations).
    """
    if not always and not breaker.allow():
        counters.event("skipped")
        return default
    try:
        client = get_redis_connection("default")
        if _missed.is_set():
            _missed.clear()
            try:
                _increment(client, [GLOBAL])
            except BaseException:
                _missed.set()
                raise
        result = action(client)
    except ERRORS as exc:
        counters.event("errors")
        breaker.failed(exc)
        _missed.set()  # whatever was hidden meanwhile: bump GLOBAL when Redis is back
        return default
    breaker.succeeded()
    return result


def read(name: str, depends_on: Sequence[str], kind: str) -> Lookup:
    """The entry ``name`` if no generation it depends on moved since it was stored."""
    keys = [key(name), *_generation_keys([GLOBAL, *depends_on])]

    def fetch(client) -> Lookup:
        entry, *generations = client.mget(keys)
        if any(value is None for value in generations):
            pipe = client.pipeline(transaction=False)
            for gen_key, value in zip(keys[1:], generations, strict=True):
                if value is None:
                    pipe.set(gen_key, time.time_ns(), nx=True)
            pipe.mget(keys[1:])
            generations = pipe.execute()[-1]
            return Lookup(None, b".".join([epoch.current(client), *generations]))
        stamp = b".".join([epoch.current(client), *generations])
        if entry is not None and entry.startswith(stamp + b"\n"):
            return Lookup(entry[len(stamp) + 1 :], stamp)
        return Lookup(None, stamp)

    found = run(fetch, Lookup(None, None))
    counters.record(kind, found.value is not None)
    return found


def write(name: str, stamp: bytes | None, payload: bytes, ttl: int) -> None:
    """Store ``payload`` under the stamp its lookup returned (nothing when Redis was down)."""
    if stamp is None or ttl <= 0:
        return
    run(lambda client: client.set(key(name), stamp + b"\n" + payload, ex=int(ttl)), None)


def _send(names: Sequence[str]) -> None:
    if not run(lambda client: _increment(client, names) or True, False, always=True):
        _missed.set()
        counters.event("missed_invalidations")


def bump(names: Iterable[str]) -> None:
    """Invalidate every entry depending on ``names``: now, and again when the transaction commits.

    The second bump closes a race: a reader between the first bump and the commit reads
    the old rows and would store them under the new generation.
    """
    names = list(dict.fromkeys(names))
    if not names:
        return
    _send(names)
    if connections["default"].in_atomic_block:
        transaction.on_commit(lambda: _send(names))


def note_missed() -> None:
    """A write happened while caching was off: bump GLOBAL before the cache is next used."""
    _missed.set()


def clear() -> int | None:
    """Delete this database's keys under our prefix; the number deleted, None if Redis is down."""

    def delete(client) -> int:
        pattern = _glob_escape(key("")) + "*"
        deleted = 0
        batch: list[bytes] = []
        for found in client.scan_iter(match=pattern, count=1000):
            batch.append(found)
            if len(batch) >= 1000:
                deleted += client.unlink(*batch)
                batch = []
        if batch:
            deleted += client.unlink(*batch)
        return deleted

    _missed.clear()
    deleted = run(delete, None)
    if deleted is None:
        _missed.set()  # entries survive the outage: make sure they never match again
    return deleted


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


def server_counters() -> dict[str, Any] | None:
    """Redis's own keyspace hits and misses (server-wide), or None when it is unavailable."""
    info = run(lambda client: client.info("stats"), None)
    if info is None:
        return None
    hits, misses = int(info.get("keyspace_hits", 0)), int(info.get("keyspace_misses", 0))
    return {
        "keyspace_hits": hits,
        "keyspace_misses": misses,
        "hit_rate": counters.hit_rate(hits, misses),
    }


def reset() -> None:
    """Forget outages, missed invalidations and counters (tests; a new server)."""
    breaker.reset()
    _missed.clear()
    counters.reset()

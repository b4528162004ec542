"""Whole-stack CPU per request: the database's, this process's and the cache server's.

Caching moves work out of the database into Python and Redis; "database CPU down 99%"
says nothing about where it went. :class:`StackCpuMeter` reads three cumulative
figures at once and differences them:

* ``db_cpu_ms``: :class:`analysis.dbcpu.CpuMeter` (backend plus parallel workers where
  the server is local; ``as_dict()["db"]`` names the method and its caveats).
* ``app_cpu_ms``: this process's CPU, ``time.process_time()`` (user + system, every
  thread of the process: Django, the driver, the cache client, and any other thread
  running meanwhile, such as a notebook's). The meter reads it last on ``read()`` and
  first on ``elapsed()``, so its own reads of /proc and Redis are mostly left out.
* ``redis_cpu_ms``: the growth of ``used_cpu_user + used_cpu_sys`` from the ``INFO cpu``
  the caller's ``redis_info`` callable returns (the instrument imports no cache client).
  That is the whole server's CPU, every client and background thread, microsecond
  resolution: right for a Redis the run has to itself (the embedded one while nothing
  else uses it, a dedicated instance), an upper bound on a shared one. Each reading
  costs Redis one ``INFO cpu`` (a few microseconds), which is counted.
* ``total_cpu_ms``: their sum, only when all three were measured.

A figure that could not be measured is ``None`` (never a guess) and ``as_dict()`` says
why: no callable given, Redis unreachable or restarted, the database's method
unavailable or its backend changed.

    meter = StackCpuMeter.for_connection(redis_info=lambda: client.info("cpu"))
    before = meter.read()
    ...                                   # one request, or many
    used = meter.elapsed(before)          # {"db_cpu_ms", "app_cpu_ms", "redis_cpu_ms", "total_cpu_ms"}
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from analysis.dbcpu import CpuMeter, Reading

RedisInfo = Callable[[], Mapping[str, Any] | None]
KEYS = ("db_cpu_ms", "app_cpu_ms", "redis_cpu_ms", "total_cpu_ms")


def app_cpu_ms() -> float:
    """This process's CPU so far (all threads, user + system), in ms."""
    return time.process_time() * 1000.0


def redis_cpu_ms(info: Mapping[str, Any] | None) -> float | None:
    """``used_cpu_user + used_cpu_sys`` of an ``INFO cpu`` reply, in ms (None if absent)."""
    if not info:
        return None
    try:
        return (float(info["used_cpu_user"]) + float(info["used_cpu_sys"])) * 1000.0
    except (KeyError, TypeError, ValueError):
        return None


@dataclass
class StackReading:
    """The three cumulative figures at one moment (``None``: not readable then)."""

    db: Reading | None
    app_ms: float
    redis_ms: float | None


@dataclass
class StackCpuMeter:
    """Reads database, application and Redis CPU together; see the module docstring."""

    db: CpuMeter | None = None
    redis_info: RedisInfo | None = None
    _redis_problem: str | None = field(default=None, repr=False)

    @classmethod
    def for_connection(
        cls, alias: str = "default", *, redis_info: RedisInfo | None = None, workers: bool = True
    ) -> StackCpuMeter:
        """A meter on the Django connection ``alias`` (``workers=False``: backend only)."""
        return cls(CpuMeter.for_connection(alias, workers=workers), redis_info)

    def _redis(self) -> float | None:
        if self.redis_info is None:
            return None
        try:
            found = redis_cpu_ms(self.redis_info())
        except Exception as error:  # the caller's client: any failure means "not measured"
            self._redis_problem = f"INFO cpu failed: {type(error).__name__}"
            return None
        if found is None:
            self._redis_problem = "INFO cpu gave no used_cpu_user / used_cpu_sys"
        return found

    def read(self) -> StackReading:
        """The cumulative figures now; this process's CPU is read last."""
        db = self.db.read() if self.db is not None else None
        redis = self._redis()
        return StackReading(db, app_cpu_ms(), redis)

    def elapsed(self, before: StackReading) -> dict[str, float | None]:
        """CPU ms spent since ``before``, by part and in total (``None``: not measured)."""
        app = max(0.0, app_cpu_ms() - before.app_ms)
        db = None
        if self.db is not None and before.db is not None:
            db = self.db.elapsed_ms(before.db)
        redis_now = self._redis()
        redis = None
        if redis_now is not None and before.redis_ms is not None:
            if redis_now >= before.redis_ms:
                redis = redis_now - before.redis_ms
            else:
                self._redis_problem = "Redis's CPU went down: the server restarted"
        parts = (db, app, redis)
        total = sum(parts) if all(p is not None for p in parts) else None
        return dict(zip(KEYS, (*parts, total), strict=True))

    def as_dict(self) -> dict[str, Any]:
        """How each part is measured, and why one is not."""
        if self.db is not None:
            db = self.db.as_dict()
        else:
            db = {"method": "not measured", "reason": "no database connection given"}
        if self.redis_info is None:
            redis = {"method": "not measured", "reason": "no Redis INFO callable given"}
        else:
            redis = {
                "method": "redis_info_cpu",
                "description": "used_cpu_user + used_cpu_sys from INFO cpu (the whole server)",
            }
            if self._redis_problem:
                redis["reason"] = self._redis_problem
        app = {"method": "process_time", "description": "this process's CPU, all threads"}
        return {"db": db, "app": app, "redis": redis}

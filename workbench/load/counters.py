"""Server-side counters of a load run: one small memory-mapped file per gunicorn worker.

A load run needs what the server did per request, and gunicorn spreads requests over
several processes, so a counter endpoint would answer for one random worker. Instead
each worker process (when ``WORKBENCH_LOAD_COUNTERS`` names a folder) keeps cumulative
counts in ``<folder>/<pid>.counters``: eight little-endian 64-bit integers it overwrites
in place after every request, and the harness sums every file between two moments when
no request is in flight (before and after a Locust run), so the difference is exactly
that run's.

What each field counts (``FIELDS``):

* ``requests``: requests the application answered (any status);
* ``queries``: statements Django sent to PostgreSQL for them (an ``execute_wrapper``;
  savepoints included, the connection's own setup not);
* ``db_cpu_us``: CPU time of the PostgreSQL backend serving the connection, read from
  ``/proc/<backend pid>/schedstat`` before and after each statement (so it counts
  parsing, planning, execution and sending rows, and not the parallel workers a
  parallel plan starts: ``analysis.dbcpu`` explains why); only when the server is on
  this machine, else ``cpu_unavailable`` counts the statements it could not read;
* ``cache_hits`` / ``cache_misses``: the marketplace's own lookups of cached responses,
  ratings and job statistics (``marketplace.cache.counters``), cumulative per process.
"""

from __future__ import annotations

import mmap
import os
import struct
import threading
from pathlib import Path

FIELDS = (
    "requests",
    "queries",
    "db_cpu_us",
    "cache_hits",
    "cache_misses",
    "cpu_unavailable",
    "errors_5xx",
    "spare",
)
_LAYOUT = struct.Struct("<" + "q" * len(FIELDS))
SUFFIX = ".counters"
ENV = "WORKBENCH_LOAD_COUNTERS"


class CounterFile:
    """This process's counters, written through a shared mapping (cheap: no syscall)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{os.getpid()}{SUFFIX}"
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.ftruncate(fd, _LAYOUT.size)
            self._map = mmap.mmap(fd, _LAYOUT.size)
        finally:
            os.close(fd)
        self._values = [0] * len(FIELDS)
        self._lock = threading.Lock()

    def add(self, cache: tuple[int, int] | None = None, **amounts: int) -> None:
        """Add ``amounts`` by field name; ``cache`` sets the cumulative (hits, misses)."""
        with self._lock:
            for name, amount in amounts.items():
                self._values[FIELDS.index(name)] += amount
            if cache is not None:
                self._values[3], self._values[4] = cache
            _LAYOUT.pack_into(self._map, 0, *self._values)


def read(folder: Path) -> dict[str, int]:
    """The sum of every process's counters in ``folder`` (all zeros when there are none)."""
    total = dict.fromkeys(FIELDS, 0)
    for path in sorted(Path(folder).glob(f"*{SUFFIX}")):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if len(data) != _LAYOUT.size:
            continue
        for name, value in zip(FIELDS, _LAYOUT.unpack(data), strict=True):
            total[name] += value
    total["processes"] = len(list(Path(folder).glob(f"*{SUFFIX}")))
    return total


def delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: after[name] - before.get(name, 0) for name in FIELDS if name != "spare"}

"""The whole PostgreSQL server's CPU, for a window spanning many connections (a load run's).

``analysis.dbcpu`` follows one connection's backend around its statements. Under load
there are many backends, one per connection, starting and exiting, plus parallel workers
and background processes; ``ServerCpu`` sums every process of the server instead
(``server_cpu_ms``: the postmaster, its reaped and its living children).

    server = ServerCpu.locate(host, backend_pid)   # reason says why when it cannot
    before = server.read()
    ...                                             # any traffic, any connections
    used_ms = server.read() - before
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analysis.dbcpu import (
    _stat,
    _ticks_ms,
    is_local_host,
    is_postgres_process,
    postmaster_of,
    server_children,
)

SERVER_INCLUDES = (
    "CPU of every process of the PostgreSQL server: the postmaster, every backend (of "
    "every client and database), parallel workers and background processes (checkpointer, "
    "WAL writer, autovacuum); exact for a server the run has to itself, an upper bound on "
    "a shared one"
)


def server_cpu_ms(postmaster: int, attempts: int = 3) -> float | None:
    """Cumulative CPU ms of a whole PostgreSQL server, from ``/proc`` (None if unreadable).

    The postmaster's own ``utime + stime``, its reaped children's ``cutime + cstime`` and
    the living children's ``utime + stime`` (``server_children``), all in clock ticks. A
    child reaped between reading the postmaster and listing its children would be in
    neither part, so the reading is taken again (up to ``attempts`` times) until the
    reaped total is the same after the listing as before it. The difference of two
    readings is what the server spent in between: a child running at both counts its
    growth, one that exited meanwhile moves from the living to the reaped with all its CPU.
    """
    found = None
    for _ in range(attempts):
        fields = _stat(postmaster)
        own = _ticks_ms(fields, 11) if fields else None  # the postmaster's utime, stime
        children = server_children(postmaster)
        if own is None or children is None:
            return None
        reaped, living = children
        found = own + reaped + sum(living.values())
        after = _stat(postmaster)
        if after is not None and _ticks_ms(after, 13) == reaped:
            break
    return found


@dataclass
class ServerCpu:
    """Reads the whole server's CPU (``server_cpu_ms``), found through one of its backends.

    ``postmaster`` is None when it cannot be read, and ``reason`` says why: the server is
    not on this machine, its processes are not ``postgres`` processes here (a container
    behind a port), or the kernel does not list a process's children.
    """

    postmaster: int | None
    reason: str | None = None

    @classmethod
    def locate(cls, host: str | None, backend_pid: int | None) -> ServerCpu:
        """The server of the backend ``backend_pid`` reached at ``host`` (while it runs)."""
        if not is_local_host(host):
            return cls(None, "the server is not on this machine")
        if backend_pid is None or not is_postgres_process(backend_pid):
            return cls(None, "the server's processes are not readable here")
        postmaster = postmaster_of(backend_pid)
        if postmaster is None:
            return cls(None, "the postmaster's children are not listed here")
        return cls(postmaster)

    @property
    def available(self) -> bool:
        return self.postmaster is not None

    def read(self) -> float | None:
        return server_cpu_ms(self.postmaster) if self.postmaster is not None else None

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"includes": SERVER_INCLUDES, "postmaster": self.postmaster}
        return {**found, "reason": self.reason} if self.reason else found

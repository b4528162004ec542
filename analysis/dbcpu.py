"""Database CPU: what the PostgreSQL server itself spent on our statements.

Wall time and driver-side query time include the network, the driver and Python; a
target on database CPU is about the server. Three ways to measure it, the first that
works is used and every result names it:

* ``backend_schedstat`` / ``backend_stat``: the CPU time of *our* backend process, read
  from ``/proc/<pg_backend_pid()>/schedstat`` (nanoseconds of run time) or, where the
  kernel has no schedstat, ``/proc/<pid>/stat`` utime + stime (clock ticks, 10 ms each,
  too coarse for one fast request but fine summed over many). Only when the server runs
  on this machine: a unix socket or a loopback address, and ``/proc/<pid>`` is a
  ``postgres`` process (a server in a container behind a forwarded port is not visible).
  It counts parsing, planning, execution and sending rows, for this connection only.
* ``pg_stat_statements``: the growth of ``sum(total_exec_time)`` for this database. That
  is the server's execution time (not CPU: it includes waiting for I/O and locks) and it
  counts every client of the database, so it is only clean on a quiet server.
* ``unavailable``: neither; figures are ``None`` and the output says so.

    meter = CpuMeter.for_connection()
    before = meter.read()
    ...                                 # requests on the same connection
    used_ms = meter.elapsed_ms(before)  # None when unavailable or the backend changed
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connections, transaction

from analysis.capture import paused

SCHEDSTAT = "backend_schedstat"
STAT = "backend_stat"
PGSS = "pg_stat_statements"
UNAVAILABLE = "unavailable"
METHODS = (SCHEDSTAT, STAT, PGSS, UNAVAILABLE)

_LOOPBACK = {"", "localhost", "127.0.0.1", "::1", "[::1]"}
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def is_local_host(host: str | None) -> bool:
    """A unix socket directory or a loopback address: the server shares our /proc."""
    text = (host or "").strip()
    return text.startswith("/") or text.lower() in _LOOPBACK or text.startswith("127.")


def _proc(pid: int, name: str) -> str | None:
    try:
        with open(f"/proc/{pid}/{name}") as handle:
            return handle.read()
    except OSError:
        return None


def is_postgres_process(pid: int) -> bool:
    comm = _proc(pid, "comm")
    return comm is not None and comm.strip().startswith("postgres")


def process_cpu_ms(pid: int) -> tuple[str, float] | None:
    """(method, cumulative CPU ms) of a process: schedstat if the kernel has it, else stat."""
    schedstat = _proc(pid, "schedstat")
    if schedstat:
        try:
            return SCHEDSTAT, int(schedstat.split()[0]) / 1e6
        except (ValueError, IndexError):
            pass
    stat = _proc(pid, "stat")
    if stat:
        # The command name (field 2) may hold spaces; fields after its ")" are fixed.
        fields = stat.rsplit(")", 1)[-1].split()
        try:
            ticks = int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        except (ValueError, IndexError):
            return None
        return STAT, ticks * 1000.0 / _CLOCK_TICKS
    return None


def choose_method(local: bool, proc_method: str | None, has_pgss: bool) -> str:
    """The best measurement available (pure: the facts are gathered by the caller)."""
    if local and proc_method in (SCHEDSTAT, STAT):
        return proc_method
    if has_pgss:
        return PGSS
    return UNAVAILABLE


_DESCRIPTIONS = {
    SCHEDSTAT: "CPU time of the PostgreSQL backend process (/proc/<pid>/schedstat, ns)",
    STAT: "CPU time of the PostgreSQL backend process (/proc/<pid>/stat utime+stime, ticks)",
    PGSS: "server execution time from pg_stat_statements (all clients of this database)",
    UNAVAILABLE: "unavailable: the server is not on this machine and has no pg_stat_statements",
}


@dataclass
class Reading:
    """A cumulative value and what it belongs to (a backend pid, or the database)."""

    method: str
    value_ms: float | None
    source: Any = None


@dataclass
class CpuMeter:
    """Reads cumulative server CPU (or execution time) for one Django connection."""

    alias: str = "default"
    method: str = UNAVAILABLE
    _pid: tuple[int, int] | None = field(default=None, repr=False)  # (id(raw connection), pid)

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self.method]

    @property
    def available(self) -> bool:
        return self.method != UNAVAILABLE

    def as_dict(self) -> dict[str, str]:
        return {"method": self.method, "description": self.description}

    @classmethod
    def for_connection(cls, alias: str = "default") -> CpuMeter:
        """Probe the connection ``alias`` and pick the best method it allows."""
        meter = cls(alias)
        conn = connections[alias]
        conn.ensure_connection()
        local = is_local_host(conn.settings_dict.get("HOST"))
        proc_method = None
        if local:
            pid = meter.backend_pid()
            if pid is not None and is_postgres_process(pid):
                found = process_cpu_ms(pid)
                proc_method = found[0] if found else None
        has_pgss = False if proc_method else meter._pgss_total() is not None
        meter.method = choose_method(local, proc_method, has_pgss)
        return meter

    def backend_pid(self) -> int | None:
        """Our backend's pid, asked again only when Django opened a new connection."""
        conn = connections[self.alias]
        conn.ensure_connection()
        raw = conn.connection
        if self._pid is not None and self._pid[0] == id(raw):
            return self._pid[1]
        with paused(), conn.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            pid = int(cur.fetchone()[0])
        self._pid = (id(raw), pid)
        return pid

    def _pgss_total(self) -> float | None:
        conn = connections[self.alias]
        try:
            with paused(), transaction.atomic(using=self.alias), conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'")
                if cur.fetchone() is None:
                    return None
                column = "total_exec_time" if conn.pg_version >= 130000 else "total_time"
                cur.execute(
                    f"SELECT coalesce(sum({column}), 0) FROM pg_stat_statements "
                    "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
                )
                return float(cur.fetchone()[0])
        except DatabaseError:  # listed but not in shared_preload_libraries, or no permission
            return None

    def read(self) -> Reading:
        """The cumulative figure now (``value_ms`` None when it cannot be read)."""
        if self.method in (SCHEDSTAT, STAT):
            pid = self.backend_pid()
            found = process_cpu_ms(pid) if pid is not None else None
            return Reading(self.method, found[1] if found else None, pid)
        if self.method == PGSS:
            return Reading(self.method, self._pgss_total(), "database")
        return Reading(self.method, None)

    def elapsed_ms(self, before: Reading) -> float | None:
        """What was spent since ``before``; None if unavailable or the backend changed."""
        after = self.read()
        if before.value_ms is None or after.value_ms is None or before.source != after.source:
            return None
        return max(0.0, after.value_ms - before.value_ms)

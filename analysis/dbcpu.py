"""Database CPU: what the PostgreSQL server itself spent on our statements.

Wall time and driver-side query time include the network, the driver and Python; a
target on database CPU is about the server. The first method that works is used, and
every result names it (``CpuMeter.as_dict()``):

* ``backend_and_workers`` (``workers=True``, where the server is local): our backend's CPU,
  as below, plus that of every child of the postmaster that *exited* meanwhile. A
  parallel query's workers are such children, and they are reaped before the statement
  returns (the leader waits until the postmaster reports them stopped), so their whole
  CPU is then in the postmaster's ``cutime + cstime`` (``/proc/<postmaster>/stat``:
  summed in nanoseconds, shown in 10 ms ticks, so one interval is within a tick; unbiased
  over many). Children running at the first reading that exit (another client
  disconnecting) are taken out with the CPU they had then; what they spent since, and
  the CPU of other short-lived children (another client's connection or parallel query,
  an autovacuum worker), cannot be told from ours and is counted: exact on a server the
  run has to itself, an upper bound on a shared one. ``elapsed_parts`` splits it.
* ``backend_schedstat`` / ``backend_stat`` (the default, ``workers=False``, or no
  readable postmaster): our backend process only, from ``/proc/<pg_backend_pid()>/schedstat``
  (nanoseconds) or ``/proc/<pid>/stat`` utime + stime (ticks). It counts parsing,
  planning, execution and sending rows on this connection, and misses parallel workers.
  Process accounting needs the server on this machine: a unix socket or a loopback
  address, and ``/proc/<pid>`` a ``postgres`` process (not a container behind a port).
* ``pg_stat_statements``: the growth of ``sum(total_exec_time)`` for this database:
  execution time (not CPU: it includes waiting for I/O and locks; a parallel statement
  counts the leader's elapsed time), of every client of the database.
* ``unavailable``: none of these; figures are ``None`` and ``as_dict()["reason"]`` says why.

    meter = CpuMeter.for_connection(workers=True)
    before = meter.read()
    ...                                 # requests on the same connection
    used_ms = meter.elapsed_ms(before)  # None when unavailable or the backend changed

The whole server, for a window spanning many connections (a load run's), is
``analysis.servercpu``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connections, transaction

from analysis.capture import paused

WORKERS = "backend_and_workers"
SCHEDSTAT = "backend_schedstat"
STAT = "backend_stat"
PGSS = "pg_stat_statements"
UNAVAILABLE = "unavailable"
METHODS = (WORKERS, SCHEDSTAT, STAT, PGSS, UNAVAILABLE)

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


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (field 3 onwards)."""
    stat = _proc(pid, "stat")
    # The command name (field 2) may hold spaces; the fields after its ")" are fixed.
    return stat.rsplit(")", 1)[-1].split() if stat else None


def _ticks_ms(fields: list[str], first: int) -> float | None:
    """Two tick counters (utime + stime, or cutime + cstime) in ms."""
    try:
        return (int(fields[first]) + int(fields[first + 1])) * 1000.0 / _CLOCK_TICKS
    except (ValueError, IndexError):
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
    fields = _stat(pid)
    found = _ticks_ms(fields, 11) if fields else None  # utime, stime: fields 14 and 15
    return (STAT, found) if found is not None else None


def postmaster_of(pid: int) -> int | None:
    """The parent of a backend, when it is a postgres process listing its children."""
    fields = _stat(pid)
    try:
        parent = int(fields[1]) if fields else 0
    except ValueError:
        return None
    listed = f"/proc/{parent}/task/{parent}/children"  # needs CONFIG_PROC_CHILDREN
    if parent > 1 and is_postgres_process(parent) and os.path.exists(listed):
        return parent
    return None


def server_children(postmaster: int) -> tuple[float, dict[tuple[int, str], float]] | None:
    """(CPU ms of the reaped children, {(pid, start time): CPU ms} of the living ones)."""
    fields = _stat(postmaster)
    reaped = _ticks_ms(fields, 13) if fields else None  # cutime, cstime: fields 16 and 17
    listed = _proc(postmaster, f"task/{postmaster}/children")  # needs CONFIG_PROC_CHILDREN
    if reaped is None or listed is None:
        return None
    living = {}
    for pid in map(int, listed.split()):
        child = _stat(pid)
        used = _ticks_ms(child, 11) if child else None
        if child and used is not None and len(child) > 19:
            living[(pid, child[19])] = used  # start time (field 22) tells reused pids apart
    return reaped, living


def choose_method(
    local: bool, proc_method: str | None, has_pgss: bool, workers: bool = False
) -> str:
    """The best measurement available (pure: the facts are gathered by the caller)."""
    if local and proc_method in (SCHEDSTAT, STAT):
        return WORKERS if workers else proc_method
    if has_pgss:
        return PGSS
    return UNAVAILABLE


_DESCRIPTIONS = {
    WORKERS: "CPU time of the PostgreSQL backend plus every server process that exited "
    "meanwhile: its parallel workers (and, on a shared server, other clients' exits)",
    SCHEDSTAT: "CPU time of the PostgreSQL backend process (/proc/<pid>/schedstat, ns)",
    STAT: "CPU time of the PostgreSQL backend process (/proc/<pid>/stat utime+stime, ticks)",
    PGSS: "server execution time from pg_stat_statements (all clients of this database)",
    UNAVAILABLE: "unavailable: the server is not on this machine and has no pg_stat_statements",
}


@dataclass
class Reading:
    """A cumulative value and what it belongs to (a backend pid, or the database).

    With ``backend_and_workers`` also the parts: ``backend_ms`` (the backend's own),
    ``reaped_ms`` (the postmaster's reaped children) and ``children`` (the living ones).
    """

    method: str
    value_ms: float | None
    source: Any = None
    backend_ms: float | None = None
    reaped_ms: float | None = None
    children: dict[tuple[int, str], float] = field(default_factory=dict, repr=False)


@dataclass
class CpuMeter:
    """Reads cumulative server CPU (or execution time) for one Django connection."""

    alias: str = "default"
    method: str = UNAVAILABLE
    _pid: tuple[int, int] | None = field(default=None, repr=False)  # (id(raw connection), pid)
    _parent: tuple[int, int | None] | None = field(default=None, repr=False)  # (pid, postmaster)
    reason: str | None = None
    backend_method: str | None = None  # schedstat or stat, for the backend's own CPU

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self.method]

    @property
    def available(self) -> bool:
        return self.method != UNAVAILABLE

    def as_dict(self) -> dict[str, str]:
        found = {"method": self.method, "description": self.description}
        if self.backend_method and self.method == WORKERS:
            found["backend_clock"] = self.backend_method
        return {**found, "reason": self.reason} if self.reason else found

    @classmethod
    def for_connection(cls, alias: str = "default", *, workers: bool = False) -> CpuMeter:
        """Probe the connection ``alias`` and pick the best method it allows.

        ``workers=True`` adds the server processes that exit meanwhile (a parallel
        query's workers); the default measures the backend alone, as it always has.
        """
        meter = cls(alias)
        conn = connections[alias]
        conn.ensure_connection()
        local = is_local_host(conn.settings_dict.get("HOST"))
        pid = meter.backend_pid() if local else None
        found = process_cpu_ms(pid) if pid is not None and is_postgres_process(pid) else None
        meter.backend_method = found[0] if found else None
        if workers and found is not None and postmaster_of(pid) is None:
            workers, meter.reason = False, "parallel workers not counted: postmaster not readable"
        has_pgss = False if found else meter._pgss_total() is not None
        meter.method = choose_method(local, meter.backend_method, has_pgss, workers)
        if meter.method == PGSS:
            where = "its processes are not readable here" if local else "it is not on this machine"
            meter.reason = f"execution time, not CPU: the server {where}"
        elif meter.method == UNAVAILABLE:
            meter.reason = _DESCRIPTIONS[UNAVAILABLE].split(": ", 1)[1]
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
        if self.method == WORKERS:
            return self._read_workers()
        if self.method == PGSS:
            return Reading(self.method, self._pgss_total(), "database")
        return Reading(self.method, None)

    def _read_workers(self) -> Reading:
        pid = self.backend_pid()
        if pid is not None and (self._parent is None or self._parent[0] != pid):
            self._parent = (pid, postmaster_of(pid))
        postmaster = self._parent[1] if pid is not None and self._parent else None
        server = server_children(postmaster) if postmaster is not None else None
        own = process_cpu_ms(pid) if server is not None else None
        if server is None or own is None:
            return Reading(WORKERS, None, (pid, postmaster))
        reaped, living = server
        living = {key: ms for key, ms in living.items() if key[0] != pid}
        return Reading(WORKERS, own[1] + reaped, (pid, postmaster), own[1], reaped, living)

    def elapsed_parts(self, before: Reading) -> dict[str, float | int | None] | None:
        """``{"backend_ms", "workers_ms", "foreign_exits"}`` since ``before``, or None.

        ``workers_ms`` is None for the backend-only methods; ``foreign_exits`` counts the
        server processes running at ``before`` that exited since (other clients').
        """
        after = self.read()
        if before.value_ms is None or after.value_ms is None or before.source != after.source:
            return None
        if after.method != WORKERS or before.backend_ms is None or before.reaped_ms is None:
            return {"backend_ms": max(0.0, after.value_ms - before.value_ms), "workers_ms": None}
        gone = [ms for key, ms in before.children.items() if key not in after.children]
        reaped = after.reaped_ms - before.reaped_ms - sum(gone)
        return {
            "backend_ms": max(0.0, after.backend_ms - before.backend_ms),
            "workers_ms": max(0.0, reaped),
            "foreign_exits": len(gone),
        }

    def elapsed_ms(self, before: Reading) -> float | None:
        """What was spent since ``before``; None if unavailable or the backend changed."""
        parts = self.elapsed_parts(before)
        if parts is None:
            return None
        return parts["backend_ms"] + (parts["workers_ms"] or 0.0)

"""Which run of the Redis server answers: its ``run_id``, learnt on every (re)connection.

A Redis restarted from its dump brings back the entries *and* the generations they were
stamped with. A write made while it was down, by any process, lost its bump, so those
entries would match again. Every stamp therefore begins with the server's ``run_id``,
which Redis draws afresh on each start: no entry stored before a restart can match after
it, whichever process stored it, reads it, or wrote while the server was down.

The ``run_id`` is read with ``INFO server`` when a connection is opened, before any
command is sent on it (redis-py's ``redis_connect_func``), so it costs one command per
new connection, never one per request. Connections are pooled, and a restart breaks
every one of them, so the first command to the new server already sees its id.
"""

from __future__ import annotations

import functools
import threading
import weakref
from typing import Any

_lock = threading.Lock()
_ids: weakref.WeakKeyDictionary[Any, bytes] = weakref.WeakKeyDictionary()


def _parse(info: Any) -> bytes:
    """The run_id line of a raw ``INFO server`` reply (bytes or str) or a parsed dict."""
    if isinstance(info, dict):
        return str(info.get("run_id", "")).encode()
    text = info.decode() if isinstance(info, bytes) else str(info)
    for line in text.splitlines():
        if line.startswith("run_id:"):
            return line.partition(":")[2].strip().encode()
    return b""


def _on_connect(pool_ref: weakref.ref, connection: Any) -> None:
    connection.on_connect()  # what redis-py does when no redis_connect_func is given
    connection.send_command("INFO", "server")
    run_id = _parse(connection.read_response())
    pool = pool_ref()
    if pool is not None:
        with _lock:
            _ids[pool] = run_id


def _watch(pool: Any) -> None:
    hook = functools.partial(_on_connect, weakref.ref(pool))
    pool.connection_kwargs["redis_connect_func"] = hook  # connections made from now on
    for name in ("_get_free_connections", "_get_in_use_connections"):
        for connection in getattr(pool, name, lambda: ())():
            connection.redis_connect_func = hook  # and those already made, on reconnect


def current(client: Any) -> bytes:
    """The run_id of the server ``client``'s pool talks to (learnt once, then on reconnects)."""
    pool = client.connection_pool
    with _lock:
        known = _ids.get(pool)
    if known is not None:
        return known
    _watch(pool)
    run_id = _parse(client.info("server"))
    with _lock:
        return _ids.setdefault(pool, run_id)

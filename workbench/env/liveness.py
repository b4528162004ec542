"""Is a server really there? A connection and ``SELECT 1``, a Redis ``PING``.

A pid file says a process was started, not that it answers: a killed PostgreSQL whose
process is not yet reaped, a refused port, a wrong password or a malformed URL all look
"running" to a pid check. ``status`` and ``up`` ask the server itself.
"""

from __future__ import annotations

from marketplace import dsn

TIMEOUT_S = 3


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return dsn.redact(text.splitlines()[0] if text else type(exc).__name__)


def postgres(url: str) -> str | None:
    """None when the server answers ``SELECT 1`` at ``url``, else the reason in one line."""
    import psycopg2

    try:
        conn = dsn.connect(url, connect_timeout=TIMEOUT_S)
    except (psycopg2.Error, dsn.BadURL) as exc:
        return _first_line(exc)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
            cur.fetchone()
    except psycopg2.Error as exc:
        return _first_line(exc)
    finally:
        conn.close()
    return None


def redis(url: str) -> str | None:
    """None when Redis answers ``PING`` at ``url``, else the reason in one line."""
    import redis as redis_py

    try:
        dsn.check_redis_url(url)
        client = redis_py.Redis.from_url(
            url, socket_connect_timeout=TIMEOUT_S, socket_timeout=TIMEOUT_S
        )
        try:
            client.ping()
        finally:
            client.close()
    except (redis_py.RedisError, dsn.BadURL, OSError) as exc:
        return _first_line(exc)
    return None

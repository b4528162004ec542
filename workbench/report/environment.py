"""Where and with what a report run happened: versions, planner settings, servers, commit.

Recorded in ``summary.json``'s ``environment`` so two runs can be compared knowing what
differed between them. URLs are redacted here, so a password in ``DATABASE_URL`` can
never reach the summary (``workbench.report.summary`` refuses one that did); and the
servers are named the way a page meant to be shared names them (:func:`server_label`):
``embedded PostgreSQL 16.2``, or the redacted URL with a unix socket's folder (a path
of this machine) left out.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from marketplace import conf, dsn
from marketplace.dsn import redact
from workbench.paths import PROJECT_ROOT

# Planner settings that change plan choice or costs; recorded so two runs can be compared.
PLANNER_SETTINGS = (
    "random_page_cost",
    "seq_page_cost",
    "effective_cache_size",
    "work_mem",
    "shared_buffers",
    "default_statistics_target",
    "effective_io_concurrency",
    "max_parallel_workers_per_gather",
    "jit",
)


SOCKET = "unix-socket"  # what a shared page shows instead of a socket's folder


def shareable_url(url: str) -> str:
    """A redacted URL without the machine's paths: a unix socket's folder becomes ``unix-socket``.

    ``postgresql://me:secret@/wb?host=/srv/pg`` reads ``postgresql://me:***@/wb?host=unix-socket``;
    ``postgresql://%2Fsrv%2Fpg/wb`` reads ``postgresql://unix-socket/wb``; a Redis
    ``unix:///srv/redis.sock?db=0`` reads ``unix://unix-socket?db=0``.
    """
    text = redact(url)
    parts = urlsplit(text)
    if parts.scheme == "unix":
        return parts._replace(netloc=SOCKET, path="").geturl()
    netloc = parts.netloc
    user, at, host = netloc.rpartition("@")
    if unquote(host).startswith("/"):
        netloc = f"{user}{at}{SOCKET}"
    query = [(k, SOCKET if v.startswith("/") else v) for k, v in parse_qsl(parts.query, True)]
    return parts._replace(netloc=netloc, query=urlencode(query, safe="*")).geturl()


def server_label(kind: str, version: str | None, url: str, embedded: bool) -> str:
    """``embedded PostgreSQL 16.2 (database wb)`` or ``Redis 7.2 at redis://host:6379/3``."""
    named = f"{kind} {version}" if version else kind
    if embedded:
        database = ""
        if kind == "PostgreSQL":
            try:
                database = f" (database {dsn.database_settings(url)['NAME']})"
            except Exception:  # a label, never a reason to fail
                database = ""
        return f"embedded {named}{database}"
    return f"{named} at {shareable_url(url)}"


def database_label() -> str:
    """The database this process uses, as a shared page names it (needs Django set up)."""
    from django.db import connection

    from workbench.env import services

    with connection.cursor() as cur:
        cur.execute("SELECT current_setting('server_version')")
        version = cur.fetchone()[0]
    return server_label(
        "PostgreSQL",
        version,
        services.database_url(start=False),
        services.is_embedded_database(),
    )


def now() -> str:
    """An ISO timestamp in UTC, the format every time in the summary uses."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(
            ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def collect_environment(started_at: str, finished_at: str | None = None) -> dict[str, Any]:
    """Versions, planner settings and where the run happened, read from the live servers.

    Needs Django set up (the notebook bootstrap does it). URLs are redacted here, so a
    password in DATABASE_URL can never reach the summary.
    """
    import django
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT current_setting('server_version')")
        pg_version = cur.fetchone()[0]
        cur.execute(
            "SELECT name, setting || coalesce(unit, '') FROM pg_settings "
            "WHERE name = ANY(%s) OR (name LIKE 'enable\\_%%' AND setting <> boot_val) "
            "ORDER BY name",
            [list(PLANNER_SETTINGS)],
        )
        planner = dict(cur.fetchall())
    try:
        from django_redis import get_redis_connection

        redis_version = get_redis_connection("default").info("server")["redis_version"]
    except Exception as exc:  # a report still runs without Redis; say why it is missing
        redis_version = f"unavailable: {type(exc).__name__}"
    from workbench.env import services

    status = _git("status", "--porcelain", "--untracked-files=no")
    embedded = services.is_embedded_database()
    redis_embedded = conf.read().embedded_redis
    cache = str(settings.CACHES["default"]["LOCATION"])
    return {
        "postgresql": pg_version,
        "redis": redis_version,
        "planner": planner,
        "database": server_label(
            "PostgreSQL", pg_version, services.database_url(start=False), embedded
        ),
        "database_embedded": embedded,
        "cache_server": server_label(
            "Redis", redis_version if redis_version[:1].isdigit() else None, cache, redis_embedded
        ),
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(status) if status is not None else None,
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
        "started_at": started_at,
        "finished_at": finished_at or now(),
    }


def secrets(environ: Mapping[str, str] | None = None) -> set[str]:
    """The passwords of ``DATABASE_URL`` and ``REDIS_URL``, as they are written and as used.

    Read the way the connections read them (``marketplace.dsn``: libpq's rules for the
    database, redis-py's for Redis; userinfo and ``password=`` alike), each in its
    decoded and percent-encoded forms. A password equal to its URL's user name is not
    counted: the user name is shown on purpose.
    """
    config = conf.read(environ)
    found: set[str] = set()
    for url, parse in ((config.database_url, dsn.parse), (config.redis_url, dsn.check_redis_url)):
        try:
            params = parse(url)
        except dsn.BadURL:
            continue
        password = str(params.get("password") or "")
        if password and password != str(params.get("user") or params.get("username") or ""):
            found |= {password, quote(password, safe=""), quote(password)}
    return found


def leaked_secrets(data: Any, values: Iterable[str] | None = None) -> list[str]:
    """The strings in ``data`` (nested dicts and lists) holding a password.

    Each string is checked on its own: against the real secret ``values`` (by default
    :func:`secrets`), as whole tokens, so a password ``postgres`` is not found in
    ``postgresql``; and for a URL that redaction would still change. Returns the
    offending strings redacted.
    """
    values = secrets() if values is None else set(values)
    patterns = [re.compile(rf"(?<![A-Za-z0-9]){re.escape(v)}(?![A-Za-z0-9])") for v in values if v]
    found: list[str] = []

    def walk(item: Any) -> None:
        if isinstance(item, Mapping):
            for key, value in item.items():
                walk(str(key))
                walk(value)
        elif isinstance(item, list | tuple):
            for value in item:
                walk(value)
        elif isinstance(item, str) and (
            redact(item) != item or any(p.search(item) for p in patterns)
        ):
            found.append(redact(item))

    walk(data)
    return found

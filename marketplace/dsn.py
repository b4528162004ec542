"""Connection URLs: parsed once, by libpq's own rules, and kept out of output.

``database_settings`` turns a ``postgresql://`` URL into Django's ``DATABASES`` entry with
libpq's parser (``psycopg2.extensions.parse_dsn``), so what any part of the project
connects to is exactly what PostgreSQL's clients would: a ``?dbname=`` or a repeated
``?port=`` means the same here as in ``psql``. Reports, notebooks and logs are shared
with people who should not learn a password, so anything that prints a URL prints
``redact(url)``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

_SCHEMES = ("postgres", "postgresql", "postgresql+psycopg2")
# scheme://userinfo@host: userinfo runs to the *last* @ of the authority, so a password
# with an unencoded @ is hidden whole.
_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<userinfo>[^/?#\s\"'<>]*)@")
# password=... in a query string or a libpq keyword string, up to a separator or a quote.
_PASSWORD_PARAM = re.compile(r"(?i)(\bpassword=)[^&\s\"'<>,;}]*")


class BadURL(ValueError):
    """A URL the project cannot use; the message names what is wrong, never the password."""


def redact(text: str) -> str:
    """Replace every password in URLs (userinfo or ``password=`` parameter) with ``***``."""

    def hide(m: re.Match) -> str:
        user, sep, password = m["userinfo"].partition(":")
        return f"{m['scheme']}{user}:***@" if sep and password else f"{m['scheme']}{user}@"

    return _PASSWORD_PARAM.sub(r"\1***", _USERINFO.sub(hide, text))


def parse(url: str) -> dict[str, str]:
    """libpq's connection parameters for a ``postgresql://`` URL (``dbname``, ``host``, ...)."""
    from psycopg2 import ProgrammingError
    from psycopg2.extensions import parse_dsn

    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in _SCHEMES:
        raise BadURL(f"DATABASE_URL must start with postgresql:// (got {redact(url)!r})")
    try:
        params = parse_dsn(f"postgresql://{rest}")
    except ProgrammingError:
        raise BadURL(f"DATABASE_URL is not a valid PostgreSQL URL: {redact(url)!r}") from None
    if "@" in params.get("host", ""):
        raise BadURL(
            "DATABASE_URL has an @ in its host: percent-encode an @ in the password as %40 "
            f"({redact(url)!r})"
        )
    port = params.get("port", "")
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        raise BadURL(f"DATABASE_URL has a bad port: {redact(url)!r}")
    _refuse_contradictions(url)
    return params


def _refuse_contradictions(url: str) -> None:
    """A setting given twice with two values (``/owned?dbname=other``) is refused, not guessed.

    libpq lets the last one win; a reader of the URL (or a check that reads only its
    path) would believe the first, which is how a guard gets steered past.
    """
    parts = urlsplit(url)
    try:
        port = str(parts.port or "")
    except ValueError:
        port = ""
    given: dict[str, list[str]] = {
        "dbname": [unquote(parts.path.lstrip("/"))],
        "user": [unquote(parts.username or "")],
        "password": [unquote(parts.password or "")],
        "host": [unquote(parts.hostname or "")],
        "port": [port],
    }
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key in given:
            given[key].append(value)
    for key, values in given.items():
        distinct = {v for v in values if v}
        if len(distinct) > 1:
            shown = "" if key == "password" else f" ({', '.join(sorted(map(repr, distinct)))})"
            raise BadURL(
                f"DATABASE_URL gives {key} twice with different values{shown}: "
                f"say it once ({redact(url)!r})"
            )


def check_redis_url(url: str) -> dict:
    """redis-py's own reading of a Redis URL, refusing what it would silently bend."""
    from redis.connection import parse_url

    try:
        params = parse_url(url)
    except ValueError as exc:
        raise BadURL(f"REDIS_URL: {exc} (got {redact(url)!r})") from None
    path = urlsplit(url).path.strip("/")
    if url.startswith(("redis://", "rediss://")) and path and not path.isdigit():
        raise BadURL(f"REDIS_URL: the database must be a number (got {redact(url)!r})")
    return params


def database_settings(url: str) -> dict:
    """Django's ``DATABASES['default']`` for a ``postgresql://`` URL (host may be a socket dir)."""
    params = parse(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": params.pop("dbname", "") or "postgres",
        "USER": params.pop("user", ""),
        "PASSWORD": params.pop("password", ""),
        "HOST": params.pop("host", ""),
        "PORT": params.pop("port", ""),
        "OPTIONS": params,
        "CONN_MAX_AGE": 0,
    }


def connect(url: str, dbname: str | None = None, autocommit: bool = False, **extra):
    """A psycopg2 connection to the URL (or to another database of its server, if named)."""
    import psycopg2

    params = parse(url)
    if dbname:
        params["dbname"] = dbname
    conn = psycopg2.connect(**params, **extra)
    conn.autocommit = autocommit
    return conn


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "dbname"], safe="/")
    return parts._replace(path="/" + name, query=query).geturl()

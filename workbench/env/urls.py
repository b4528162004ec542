"""Connection URLs: turning them into Django settings, and keeping passwords out of output.

Reports, notebooks and logs are shared with people who should not learn the
database password, so anything that prints a URL prints ``redact(url)``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, unquote, urlsplit

_PASSWORD_IN_URL = re.compile(
    r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@\s]*)@"
)
_PASSWORD_PARAM = re.compile(r"(?i)(password=)[^&\s]*")


def redact(text: str) -> str:
    """Replace every password in URLs (userinfo or ``password=`` parameter) with ``***``."""
    text = _PASSWORD_IN_URL.sub(
        lambda m: f"{m['scheme']}{m['user']}:***@" if m["pw"] else f"{m['scheme']}{m['user']}@",
        text,
    )
    return _PASSWORD_PARAM.sub(r"\1***", text)


class BadURL(ValueError):
    """A URL the workbench cannot use; the message names what is wrong."""


def database_settings(url: str) -> dict:
    """Django ``DATABASES['default']`` for a ``postgresql://`` URL (host may be a socket dir)."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "postgresql+psycopg2"):
        raise BadURL(f"DATABASE_URL must start with postgresql:// (got {redact(url)!r})")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    name = unquote(parts.path.lstrip("/")) or query.pop("dbname", "") or "postgres"
    host = query.pop("host", "") or (parts.hostname or "")
    try:
        port = parts.port
    except ValueError as exc:
        raise BadURL(f"DATABASE_URL has a bad port: {redact(url)!r}") from exc
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": unquote(parts.username or "") or query.pop("user", ""),
        "PASSWORD": unquote(parts.password or "") or query.pop("password", ""),
        "HOST": host,
        "PORT": str(port or query.pop("port", "") or ""),
        "OPTIONS": query,
        "CONN_MAX_AGE": 0,
    }


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return parts._replace(path="/" + name).geturl()

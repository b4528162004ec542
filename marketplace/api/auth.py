"""Who is calling: a bearer token (a signed user id) or a Django session.

A token is ``django.core.signing.dumps(user.pk, salt="marketplace.api")``: it needs no
table, so authenticating costs one primary-key lookup, and the salt keeps a value signed
elsewhere in the project (a session, a password reset) from being accepted as a token.
Tokens do not expire; change ``SECRET_KEY`` to revoke them all.

The caller is resolved lazily: public endpoints never touch the session or the user table
unless the answer depends on who asks (a draft job), which keeps their query counts about
the data, not the plumbing.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core import signing
from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware

from marketplace.api.errors import ApiError

SALT = "marketplace.api"
_UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_UNSET = object()


def token_for(user) -> str:
    """The bearer token for ``user``; send it as ``Authorization: Bearer <token>``."""
    return signing.dumps(user.pk, salt=SALT)


def user_id_from_token(token: str) -> int | None:
    """The user id a token was signed for, or None when it is forged or malformed."""
    try:
        value = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def check_credentials(request: HttpRequest) -> None:
    """Reject a malformed or forged Authorization header on every endpoint, public too.

    A client that sends a bad token has a bug; answering a public endpoint as if it were
    anonymous would hide it. Only the signature is checked here (no query).
    """
    request.api_user_id = None  # type: ignore[attr-defined]
    header = request.headers.get("Authorization")
    if header is None:
        return
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "Authorization header must be 'Bearer <token>'")
    user_id = user_id_from_token(token.strip())
    if user_id is None:
        raise ApiError(401, "invalid token")
    request.api_user_id = user_id  # type: ignore[attr-defined]


class _CsrfCheck(CsrfViewMiddleware):
    def _reject(self, request, reason):  # noqa: ANN001 - Django's signature
        return reason


def _enforce_csrf(request: HttpRequest) -> None:
    """Session cookies are sent by browsers on their own, so session writes need the token."""
    check = _CsrfCheck(lambda req: None)
    check.process_request(request)
    reason = check.process_view(request, None, (), {})
    if reason:
        raise ApiError(403, f"CSRF check failed: {reason}")


def current_user(request: HttpRequest):
    """The authenticated user or None; cached on the request."""
    cached = getattr(request, "_api_user", _UNSET)
    if cached is not _UNSET:
        return cached
    user = None
    user_id = getattr(request, "api_user_id", None)
    if user_id is not None:
        user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            raise ApiError(401, "invalid token: the user no longer exists or is inactive")
    elif hasattr(request, "user") and request.user.is_authenticated:
        if request.method in _UNSAFE_METHODS:
            _enforce_csrf(request)
        user = request.user
    request._api_user = user  # type: ignore[attr-defined]
    return user


def require_user(request: HttpRequest):
    """The authenticated user, or a 401 for private endpoints."""
    user = current_user(request)
    if user is None:
        raise ApiError(
            401, "authentication required: send 'Authorization: Bearer <token>' or log in"
        )
    return user

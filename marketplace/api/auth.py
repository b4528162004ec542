"""Bearer tokens for the API, as a Django REST framework authentication class.

A token is ``django.core.signing.dumps(user.pk, salt="marketplace.api")``: it needs no
table, so authenticating costs one primary-key lookup, and the salt keeps a value signed
elsewhere in the project (a session, a password reset) from being accepted as a token.
Tokens do not expire; change ``SECRET_KEY`` to revoke them all. Browsers log in with a
session instead (DRF's ``SessionAuthentication``, which checks CSRF on writes).

The user is resolved lazily (``views.base.ApiView.perform_authentication``): a public
endpoint checks the token's signature and never touches the user table unless the answer
depends on who asks, which keeps its query count about the data, not the plumbing.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core import signing
from rest_framework import authentication, exceptions

SALT = "marketplace.api"
KEYWORD = "Bearer"
_UNCHECKED = object()


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


def token_user_id(request) -> int | None:
    """The user id of the request's bearer token; None without one; 401 when it is bad.

    Only the signature is checked (no query), once per request. A client sending a bad
    token has a bug, and answering a public endpoint as if it were anonymous would hide it.
    """
    raw = getattr(request, "_request", request)  # DRF's Request wraps Django's
    checked = getattr(raw, "_bearer_user_id", _UNCHECKED)
    if checked is not _UNCHECKED:
        return checked
    raw._bearer_user_id = user_id = _checked_user_id(request)
    return user_id


def _checked_user_id(request) -> int | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != KEYWORD.lower() or not token.strip():
        raise exceptions.AuthenticationFailed(f"Authorization header must be '{KEYWORD} <token>'")
    user_id = user_id_from_token(token.strip())
    if user_id is None:
        raise exceptions.AuthenticationFailed("invalid token")
    return user_id


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <signed user id>``; one query, for the user row."""

    def authenticate(self, request):
        user_id = token_user_id(request)
        if user_id is None:
            return None
        user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            raise exceptions.AuthenticationFailed(
                "invalid token: the user no longer exists or is inactive"
            )
        return user, user_id

    def authenticate_header(self, request) -> str:
        # Makes unauthenticated requests 401 (with this challenge) rather than 403.
        return f'{KEYWORD} realm="marketplace"'

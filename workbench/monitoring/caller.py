"""Who made a request, kept where silk records it; and whether to profile it.

Silk masks the ``Authorization`` header and cookies (good: no credentials in its
tables), which also hides who called. :class:`CallerHeaderMiddleware` sets
``X-Workbench-Caller: user <id>`` on the response of a request that authenticated
(a bearer token, or a session user the request already loaded), so silk's recorded
response headers say who called and ``workbench import-silk`` can replay the request as
that user with a fresh token. It reads only what the request already resolved: the
token's signature check (no query) or the cached session user, never a new lookup.
(The ``user `` prefix is needed: silk 5.6 unpacks each header value as a
``(name, value)`` pair when it can, so a two-character value such as ``42`` would be
stored as a header named ``4``.)
"""

from __future__ import annotations

CALLER_HEADER = "X-Workbench-Caller"
CALLER_PREFIX = "user "
PROFILE_PARAMETER = "profile"


def caller_id(request) -> int | None:
    """The id of the user the request authenticated as, or None (anonymous, bad token)."""
    from rest_framework.exceptions import APIException

    from marketplace.api.auth import token_user_id

    try:
        user_id = token_user_id(request)
    except APIException:  # a bad token: the API answered 401 already
        return None
    if user_id is not None:
        return user_id
    cached = getattr(
        request, "_cached_user", None
    )  # set once AuthenticationMiddleware's user loaded
    if cached is not None and getattr(cached, "is_authenticated", False):
        return cached.pk
    return None


class CallerHeaderMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user_id = caller_id(request)
        if user_id is not None:
            response[CALLER_HEADER] = f"{CALLER_PREFIX}{user_id}"
        return response


def wants_profile(request) -> bool:
    """Silk's cProfile on demand: ``?profile=1`` on the request."""
    return request.GET.get(PROFILE_PARAMETER, "") not in ("", "0")


def parse_caller(value: object) -> int | None:
    """The user id in a recorded ``X-Workbench-Caller`` value, or None."""
    text = str(value)
    if not text.startswith(CALLER_PREFIX):
        return None
    try:
        return int(text[len(CALLER_PREFIX) :])
    except ValueError:
        return None

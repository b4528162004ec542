"""What the API caches, under which key, and which generations each entry depends on.

Three kinds, each with a TTL from ``settings.WORKBENCH_CACHE_TTL``:

* ``responses``: the JSON body of a GET endpoint. A response that depends on who asks
  (the caller's applications, saved jobs, payments, wallet; a job's applications) is
  keyed by the caller's user id, after authentication, and so is never served to anyone
  else. Public responses are the same for everybody and share one entry; the one public
  answer that depends on the caller, a draft job shown to its client, is not stored.
* ``ratings``: a user's average rating and review count.
* ``job_stats``: a job's application count.

Correctness comes from the generations (see ``marketplace.cache.store``), which
``marketplace.api.invalidation`` bumps on every write; the TTL only bounds memory.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from marketplace.api import switches
from marketplace.api.auth import require_user
from marketplace.cache import store

Handler = Callable[..., HttpResponse]
# (caller's user id or None, the URL's keyword arguments) -> generations the answer reads.
Depends = Callable[[int | None, dict[str, Any]], list[str]]
_NO_STORE = "_workbench_no_store"
_MAX_KEY = 200


def ttl(kind: str) -> int:
    return int(settings.WORKBENCH_CACHE_TTL[kind])


def do_not_cache(response: HttpResponse) -> HttpResponse:
    """Mark a public endpoint's answer as meant for this caller only (never stored)."""
    setattr(response, _NO_STORE, True)
    return response


def _response_key(name: str, request: HttpRequest, user_id: int | None) -> str:
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    target = f"{request.path}?{query}"
    if len(target) > _MAX_KEY:
        target = hashlib.sha256(target.encode()).hexdigest()
    return f"resp:{name}:{'-' if user_id is None else user_id}:{target}"


def cached_response(name: str, *, per_user: bool, depends: Depends) -> Callable[[Handler], Handler]:
    """Serve a GET handler's 200 answers from Redis while the cache switch is on.

    ``per_user`` endpoints authenticate first (the same query the handler would make) and
    key the entry by the caller's id. Errors (4xx) are never stored.
    """

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            if not switches.caching():
                return handler(request, **kwargs)
            user_id = require_user(request).pk if per_user else None
            key = _response_key(name, request, user_id)
            found = store.read(key, depends(user_id, kwargs), "response")
            if found.value is not None:
                return HttpResponse(found.value, content_type="application/json")
            response = handler(request, **kwargs)
            if response.status_code == 200 and not getattr(response, _NO_STORE, False):
                store.write(key, found.stamp, response.content, ttl("responses"))
            return response

        return view

    return decorate


def _cached_json(name: str, depends_on: list[str], kind: str, compute: Callable[[], Any]) -> Any:
    found = store.read(name, depends_on, kind)
    if found.value is not None:
        return json.loads(found.value)
    value = compute()
    store.write(name, found.stamp, json.dumps(value).encode(), ttl(kind))
    return value


def rating_summary(user_id: int, compute: Callable[[], tuple[float | None, int]]):
    """(average rating, review count) of a user; floats survive JSON exactly (repr round-trips)."""
    average, count = _cached_json(
        f"ratings:{user_id}", [f"reviews:{user_id}"], "ratings", lambda: list(compute())
    )
    return average, count


def application_count(job_id: int, compute: Callable[[], int]) -> int:
    stats = _cached_json(
        f"jobstats:{job_id}", [f"job:{job_id}"], "job_stats", lambda: {"applications": compute()}
    )
    return stats["applications"]

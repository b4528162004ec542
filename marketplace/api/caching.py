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

import hashlib
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from rest_framework.response import Response

from marketplace.api import switches
from marketplace.cache import store

_MAX_KEY = 200


def ttl(kind: str) -> int:
    return int(settings.WORKBENCH_CACHE_TTL[kind])


def _response_key(name: str, request, user_id: int | None) -> str:
    query = urlencode(sorted(request.GET.lists()), doseq=True)
    target = f"{request.path}?{query}"
    if len(target) > _MAX_KEY:
        target = hashlib.sha256(target.encode()).hexdigest()
    return f"resp:{name}:{'-' if user_id is None else user_id}:{target}"


class CachedGet:
    """Serve a DRF view's 200 JSON answers to GET from Redis while the cache switch is on.

    Mixed into a view before DRF's generic class. ``cache_name`` names the entries,
    ``cache_per_user`` keys them by the caller (such views require authentication, which
    DRF has done by the time ``get`` runs), and ``cache_depends(user_id)`` lists the
    generations the answer reads. Only JSON is stored (the browsable API's HTML never is),
    errors never are, and a view may mark one answer as not for sharing with
    ``self.do_not_cache = True`` (a draft job shown to its client).
    """

    cache_name: str
    cache_per_user: bool = False

    def cache_depends(self, user_id: int | None) -> list[str]:
        raise NotImplementedError

    def get(self, request, *args: Any, **kwargs: Any):
        self.do_not_cache = False
        self._pending_store = None
        if not switches.caching() or request.accepted_renderer.format != "json":
            return super().get(request, *args, **kwargs)
        user_id = request.user.pk if self.cache_per_user else None
        key = _response_key(self.cache_name, request, user_id)
        found = store.read(key, self.cache_depends(user_id), "response")
        if found.value is not None:
            return HttpResponse(found.value, content_type="application/json")
        response = super().get(request, *args, **kwargs)
        if response.status_code == 200 and not self.do_not_cache:
            self._pending_store = (key, found.stamp)
        return response

    def finalize_response(self, request, response, *args: Any, **kwargs: Any):
        response = super().finalize_response(request, response, *args, **kwargs)
        pending = getattr(self, "_pending_store", None)
        if pending is not None and isinstance(response, Response):
            self._pending_store = None
            response.render()
            store.write(pending[0], pending[1], response.content, ttl("responses"))
        return response


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

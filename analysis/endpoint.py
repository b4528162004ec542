"""Name each request's queries after its endpoint, so a capture spanning many requests
keeps them apart: N+1 detection works per request, and reports group by route.

Add ``"analysis.endpoint.EndpointMiddleware"`` to ``MIDDLEWARE`` (first, so queries
made by other middleware are attributed too). The scenario is ``"GET /jobs/42/"`` until
URL resolution, then the route pattern, ``"GET jobs/<int:job_id>/"``, which is the same
for every job.
"""

from __future__ import annotations

from collections.abc import Callable

from analysis.capture import _scope, scenario


class EndpointMiddleware:
    """Each request is one unit of work named by its method and route."""

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response

    def __call__(self, request):
        with scenario(f"{request.method} {request.path}"):
            return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs) -> None:
        match = getattr(request, "resolver_match", None)
        current = _scope.get()
        if match is not None and match.route and current is not None:
            _scope.set((f"{request.method} {match.route}", current[1]))  # same unit
        return None

"""The API's HTTP plumbing: JSON errors, JSON bodies and method dispatch.

Every failure a client can cause is an ``ApiError`` turned into a JSON answer here, so a
view never builds error responses by hand and bad input can never escape as a 500.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from marketplace.api.auth import check_credentials
from marketplace.api.errors import ApiError

Handler = Callable[..., HttpResponse]


def ok(data: dict[str, Any], status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status)


def no_content() -> HttpResponse:
    return HttpResponse(status=204)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def json_body(request: HttpRequest) -> dict[str, Any]:
    """The request body as a JSON object; numbers with a fraction stay exact as Decimal.

    The Content-Type is not checked: ``curl -d`` sends form-encoded headers with a JSON
    body, and being strict there would only confuse people.
    """
    try:
        raw = request.body
    except RequestDataTooBig:
        raise ApiError(400, "request body is too large") from None
    try:
        data = json.loads(raw or b"{}", parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise ApiError(400, f"request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "request body must be a JSON object")
    return data


def api_view(**handlers: Handler) -> Callable[..., HttpResponse]:
    """One URL's view: dispatch on the method, answer 405 in JSON, turn ApiError into JSON.

    CSRF is exempted here because bearer-token requests cannot be forged by a browser
    (it never attaches the header by itself); requests authenticated by a session cookie
    are checked for CSRF in ``auth.current_user`` instead, as Django REST framework does.
    """
    by_method = {method.upper(): handler for method, handler in handlers.items()}
    if "GET" in by_method:
        by_method.setdefault("HEAD", by_method["GET"])  # servers drop the body for HEAD
    allowed = ", ".join(sorted(by_method))

    @csrf_exempt
    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        handler = by_method.get(request.method or "")
        if handler is None:
            response = JsonResponse(
                {"error": f"method {request.method} is not allowed here; allowed: {allowed}"},
                status=405,
            )
            response["Allow"] = allowed
            return response
        try:
            check_credentials(request)
            return handler(request, **kwargs)
        except ApiError as exc:
            return exc.response()

    return view


def unknown_endpoint(request: HttpRequest, **kwargs: Any) -> JsonResponse:
    """Unknown paths under /api/ answer JSON too, so clients can always parse the reply."""
    return JsonResponse({"error": f"no endpoint at {request.path}"}, status=404)

"""The one exception every client-caused failure is raised as."""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse


class ApiError(Exception):
    """A client error with its HTTP status and, for validation, the offending field.

    The body is always ``{"error": ...}``, plus ``"field"`` when one input is to blame,
    so clients can show the message next to the right form field.
    """

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field

    def response(self) -> JsonResponse:
        body: dict[str, Any] = {"error": self.message}
        if self.field is not None:
            body["field"] = self.field
        response = JsonResponse(body, status=self.status)
        if self.status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="marketplace"'
        return response


def invalid(field: str, message: str) -> ApiError:
    """A 400 naming the field: the one shape every validation error takes."""
    return ApiError(400, message, field)


def not_found(what: str) -> ApiError:
    return ApiError(404, f"{what} not found")


def forbidden(message: str) -> ApiError:
    return ApiError(403, message)


def conflict(field: str, message: str) -> ApiError:
    """A 409: the input is well formed but repeats something that may exist only once."""
    return ApiError(409, message, field)

"""What every API view shares: lazy authentication, filters from the query string."""

from __future__ import annotations

from django.http import JsonResponse
from rest_framework import generics, permissions

from marketplace.api.auth import token_user_id


class ApiView(generics.GenericAPIView):
    """A generic view whose caller is loaded only when something asks who it is.

    DRF authenticates every request before the handler runs; for a bearer token that is
    a user query even on public endpoints. Here only the token's signature is checked up
    front (a bad token is still a 401 everywhere) and ``request.user`` is resolved on
    first use: by a permission that needs a caller, or by a view whose answer depends on
    who asks. A session cookie is resolved the same lazy way, with DRF's CSRF check.
    """

    permission_classes = [permissions.AllowAny]

    def perform_authentication(self, request) -> None:
        token_user_id(request)

    def filters(self, serializer_class) -> dict:
        """The query string's filters, validated (400 naming the parameter); empty = absent."""
        found = serializer_class(data=self.request.query_params)
        found.is_valid(raise_exception=True)
        return {k: v for k, v in found.validated_data.items() if v not in ("", None)}


class PrivateView(ApiView):
    """Only for a caller (401 otherwise); lists show only the caller's own objects."""

    permission_classes = [permissions.IsAuthenticated]


def unknown_endpoint(request, **kwargs) -> JsonResponse:
    """Unknown paths under /api/ answer JSON too, so clients can always parse the reply."""
    return JsonResponse({"detail": f"no endpoint at {request.path}"}, status=404)

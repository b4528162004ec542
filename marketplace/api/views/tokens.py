"""POST /api/token/: trade an email and password for a bearer token."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response

from marketplace.api import inputs
from marketplace.api.auth import token_for
from marketplace.api.serializers import TokenSerializer
from marketplace.api.views.base import ApiView


class TokenView(ApiView):
    serializer_class = TokenSerializer

    def perform_authentication(self, request) -> None:
        pass

    @extend_schema(request=inputs.TokenInput, responses=TokenSerializer)
    def post(self, request, *args, **kwargs):
        found = inputs.TokenInput(data=request.data)
        found.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            email=found.validated_data["email"],
            password=found.validated_data["password"],
        )
        if user is None:
            raise AuthenticationFailed("invalid email or password")
        return Response(self.get_serializer({"token": token_for(user), "user": user}).data)

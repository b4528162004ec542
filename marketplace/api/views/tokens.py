"""POST /api/token/: trade an email and password for a bearer token."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import HttpRequest, HttpResponse

from marketplace.api import serializers
from marketplace.api import validation as v
from marketplace.api.auth import token_for
from marketplace.api.errors import ApiError, invalid
from marketplace.api.http import api_view, json_body, ok


def obtain_token(request: HttpRequest) -> HttpResponse:
    data = json_body(request)
    v.reject_unknown(data, ("email", "password"))
    email = v.text(v.require(data, "email"), "email", max_length=254, blank=False)
    password = v.require(data, "password")
    if not isinstance(password, str):
        raise invalid("password", "password must be a string")
    user = authenticate(request, email=email, password=password)
    if user is None:
        raise ApiError(401, "invalid email or password")
    return ok({"token": token_for(user), "user": serializers.user_ref(user)})


token = api_view(POST=obtain_token)

"""The API tests talk HTTP to the real views through Django's test client."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from marketplace.api.auth import token_for


class Api:
    """A test client that authenticates as ``user`` with a bearer token and speaks JSON."""

    def __init__(self, client) -> None:
        self.client = client

    def call(
        self,
        method: str,
        path: str,
        *,
        user=None,
        data: Any = None,
        body: bytes | str | None = None,
        params: dict | None = None,
    ):
        headers = {"Authorization": f"Bearer {token_for(user)}"} if user is not None else {}
        if params:
            path = f"{path}?{urlencode(params)}"
        if body is None and data is not None:
            body = json.dumps(data)
        return self.client.generic(
            method, path, data=body or "", content_type="application/json", headers=headers
        )

    def get(self, path: str, user=None, **params):
        return self.call("GET", path, user=user, params=params)

    def post(self, path: str, data: Any = None, user=None, **kw):
        return self.call("POST", path, user=user, data=data, **kw)

    def patch(self, path: str, data: Any = None, user=None, **kw):
        return self.call("PATCH", path, user=user, data=data, **kw)

    def delete(self, path: str, user=None, **kw):
        return self.call("DELETE", path, user=user, **kw)


@pytest.fixture
def api(client, db) -> Api:
    return Api(client)

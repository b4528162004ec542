"""Assertions shared by the API tests."""

from __future__ import annotations


def assert_error(response, status: int, field: str | None = None) -> dict:
    """A JSON error of ``status`` naming ``field`` (when given)."""
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    if field is not None:
        assert body.get("field") == field, body
    return body

"""Assertions shared by the API tests."""

from __future__ import annotations


def assert_error(response, status: int, field: str | None = None) -> dict:
    """A JSON error of ``status`` in DRF's shape, naming ``field`` when given.

    DRF answers ``{"detail": "..."}``, or for invalid input ``{"<field>": ["..."]}``;
    ``body["error"]`` is set here to the message either way, for the tests that read it.
    """
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json"
    body = response.json()
    if field is not None:
        messages = body.get(field)
        assert isinstance(messages, list) and messages, body
        assert all(isinstance(m, str) and m for m in messages), body
        body["error"] = " ".join(messages)
    else:
        assert isinstance(body, dict) and body, body
        detail = body.get("detail")
        if detail is None:  # a validation error: every value a list of messages
            detail = " ".join(m for v in body.values() for m in v)
        assert isinstance(detail, str) and detail, body
        body["error"] = detail
    return body

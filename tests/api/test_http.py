"""What every endpoint shares: JSON errors for wrong methods, bad bodies and unknown paths."""

import pytest

from tests.api import factories as f
from tests.api.checks import assert_error


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("DELETE", "/api/jobs/", "GET, HEAD, POST"),
        ("PUT", "/api/jobs/1/", "GET, HEAD, PATCH"),
        ("PATCH", "/api/users/", "GET, HEAD"),
        ("POST", "/api/users/1/", "GET, HEAD"),
        ("POST", "/api/users/1/reviews/", "GET, HEAD"),
        ("GET", "/api/reviews/", "POST"),
        ("GET", "/api/token/", "POST"),
        ("PUT", "/api/saved-jobs/", "DELETE, GET, HEAD, POST"),
        ("DELETE", "/api/payments/", "GET, HEAD, POST"),
        ("POST", "/api/wallet/", "GET, HEAD"),
        ("POST", "/api/applications/", "GET, HEAD"),
        ("DELETE", "/api/jobs/1/applications/", "GET, HEAD, POST"),
    ],
)
def test_wrong_method_is_405_json(api, method, path, allow):
    # DRF checks the caller before the method: a private endpoint answers 401 first.
    response = api.call(method, path, data={}, user=f.user("client"))
    assert_error(response, 405)
    # DRF also answers OPTIONS (metadata) on every endpoint.
    assert set(response["Allow"].split(", ")) == {*allow.split(", "), "OPTIONS"}


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"[1, 2]", b'"text"', b"\xff\xfe", b'{"budget": NaN}', b"[" * 100_000],
)
def test_invalid_json_body_is_400(api, body):
    response = api.post("/api/jobs/", body=body, user=f.user("client"))
    assert_error(response, 400)


def test_unknown_api_path_is_json_404(api):
    assert_error(api.get("/api/nothing/here/"), 404)


def test_missing_trailing_slash_redirects(api):
    response = api.get("/api/jobs")
    assert response.status_code == 301
    assert response["Location"] == "/api/jobs/"


def test_head_answers_like_get(api):
    assert api.call("HEAD", "/api/jobs/").status_code == 200


def test_too_large_body_is_400(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = api.post("/api/jobs/", {"title": "x" * 200}, user=f.user("client"))
    assert "too large" in assert_error(response, 400)["error"]


def test_401_names_the_scheme(api):
    assert api.get("/api/wallet/")["WWW-Authenticate"] == 'Bearer realm="marketplace"'


def test_browsable_api_answers_a_browser(api):
    f.job()
    response = api.client.get("/api/jobs/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Django REST framework" in page and "application_count" in page
    # JSON stays the default for API clients that send no Accept header.
    assert api.get("/api/jobs/")["Content-Type"] == "application/json"

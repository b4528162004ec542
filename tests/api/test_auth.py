"""Bearer tokens, sessions, CSRF, and the token endpoint."""

import json

import pytest
from django.core import signing
from django.test import Client

from marketplace.api.auth import SALT, token_for, user_id_from_token
from tests.api import factories as f
from tests.api.checks import assert_error

PRIVATE_GETS = [
    "/api/applications/",
    "/api/saved-jobs/",
    "/api/payments/",
    "/api/wallet/",
]
WRITES = [
    ("POST", "/api/jobs/"),
    ("POST", "/api/reviews/"),
    ("POST", "/api/saved-jobs/"),
    ("DELETE", "/api/saved-jobs/"),
    ("POST", "/api/payments/"),
]


def test_token_round_trip_and_salt(db):
    user = f.user()
    assert user_id_from_token(token_for(user)) == user.pk
    # A value signed for another purpose (no salt, or another salt) is not a token.
    assert user_id_from_token(signing.dumps(user.pk)) is None
    assert user_id_from_token(signing.dumps(user.pk, salt=SALT + "x")) is None
    assert user_id_from_token(signing.dumps("1", salt=SALT)) is None
    assert user_id_from_token("garbage") is None


@pytest.mark.parametrize("path", PRIVATE_GETS)
def test_private_reads_need_credentials(api, path):
    assert_error(api.get(path), 401)


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_writes_need_credentials(api, method, path):
    assert_error(api.call(method, path, data={}), 401)


def test_job_scoped_private_endpoints_need_credentials(api):
    job = f.job()
    assert_error(api.get(f"/api/jobs/{job.pk}/applications/"), 401)
    assert_error(api.post(f"/api/jobs/{job.pk}/applications/", {"bid_amount": 1}), 401)
    assert_error(api.patch(f"/api/jobs/{job.pk}/", {"title": "x"}), 401)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Token abc",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-token",
        "Bearer " + signing.dumps(1),
    ],
    # Named by position: the signed token holds the time it was made, and pytest-xdist's
    # workers must collect the same test ids.
    ids=["bare", "bare-space", "token", "basic", "not-a-token", "signed-not-a-bearer-token"],
)
def test_bad_authorization_header_is_401_even_on_public_endpoints(client, db, header):
    response = client.get("/api/jobs/", headers={"Authorization": header})
    assert_error(response, 401)
    assert_error(client.get("/api/wallet/", headers={"Authorization": header}), 401)


def test_token_of_inactive_or_deleted_user_is_rejected(api):
    user = f.user(wallet="1.00")
    token = token_for(user)
    user.is_active = False
    user.save()
    assert_error(api.client.get("/api/wallet/", headers={"Authorization": f"Bearer {token}"}), 401)
    user.delete()
    assert_error(api.client.get("/api/wallet/", headers={"Authorization": f"Bearer {token}"}), 401)


def test_session_authentication(client, db):
    user = f.user(wallet="3.00")
    client.force_login(user)
    assert client.get("/api/wallet/").json()["balance"] == "3.00"


def test_session_writes_need_csrf_token_but_bearer_writes_do_not(db):
    user = f.user("freelancer")
    job = f.job()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    body = json.dumps({"job": job.pk})
    refused = browser.post("/api/saved-jobs/", body, content_type="application/json")
    assert "CSRF" in assert_error(refused, 403)["error"]
    browser.cookies["csrftoken"] = "a" * 32
    accepted = browser.post(
        "/api/saved-jobs/",
        body,
        content_type="application/json",
        headers={"X-CSRFToken": "a" * 32},
    )
    assert accepted.status_code == 201
    # Reads with a session need no CSRF token.
    assert browser.get("/api/saved-jobs/").json()["count"] == 1
    # Bearer requests are exempt: a browser never attaches the header on its own.
    bearer = Client(enforce_csrf_checks=True)
    response = bearer.delete(
        f"/api/saved-jobs/?job={job.pk}", headers={"Authorization": f"Bearer {token_for(user)}"}
    )
    assert response.status_code == 204


def test_obtain_token_with_email_and_password(api):
    user = f.user(password="correct horse")
    response = api.post("/api/token/", {"email": user.email, "password": "correct horse"})
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {"id": user.pk, "username": user.username}
    assert api.client.get(
        "/api/applications/", headers={"Authorization": f"Bearer {body['token']}"}
    ).json() == {"count": 0, "page": 1, "page_size": 20, "results": []}


@pytest.mark.parametrize(
    ("data", "status", "field"),
    [
        ({"email": "nobody@example.test", "password": "x"}, 401, None),
        ({"password": "x"}, 400, "email"),
        ({"email": "a@b.c"}, 400, "password"),
        ({"email": "a@b.c", "password": 5}, 400, "password"),
        ({"email": "a@b.c", "password": "x", "remember": True}, 400, "remember"),
    ],
)
def test_obtain_token_failures(api, data, status, field):
    assert_error(api.post("/api/token/", data), status, field)


def test_wrong_password_is_401(api):
    user = f.user(password="right")
    assert_error(api.post("/api/token/", {"email": user.email, "password": "wrong"}), 401)


def test_json_sent_as_form_encoded_is_415(api):
    """DRF parses by Content-Type: ``curl -d`` needs ``-H 'Content-Type: application/json'``."""
    user = f.user(password="pw")
    response = api.client.post(
        "/api/token/",
        json.dumps({"email": user.email, "password": "pw"}),
        content_type="application/x-www-form-urlencoded",
    )
    assert_error(response, 415)


def test_a_token_signed_with_the_formerly_committed_key_is_refused(db):
    """No secret is in the repository: a key from the source cannot sign a valid token."""
    from django.conf import settings

    user = f.user()
    old = "workbench-local-only-not-secret"  # the default key of earlier versions
    assert old != settings.SECRET_KEY
    forged = signing.dumps(user.pk, key=old, salt=SALT)
    assert user_id_from_token(forged) is None

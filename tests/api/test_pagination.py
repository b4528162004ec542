"""?page= and ?page_size=: the envelope, the limits, and stable pages."""

import pytest

from tests.api import factories as f
from tests.api.checks import assert_error


@pytest.fixture
def jobs(db):
    sub = f.subcategory()
    client = f.user("client")
    return [f.job(client, sub=sub) for _ in range(25)]


def test_default_page_size_is_20(api, jobs):
    body = api.get("/api/jobs/").json()
    assert (body["count"], body["page"], body["page_size"], len(body["results"])) == (
        25,
        1,
        20,
        20,
    )


def test_pages_are_stable_and_complete(api, jobs):
    seen = []
    for page in (1, 2, 3, 4):
        body = api.get("/api/jobs/", page=page, page_size=7).json()
        assert body["page"] == page and body["page_size"] == 7
        seen += [j["id"] for j in body["results"]]
    assert len(seen) == len(set(seen)) == 25
    # Equal dates: the id breaks the tie, newest first.
    assert seen == sorted((j.pk for j in jobs), reverse=True)


def test_page_size_above_100_is_clamped(api, jobs):
    body = api.get("/api/jobs/", page_size=101).json()
    assert body["page_size"] == 100 and len(body["results"]) == 25
    assert api.get("/api/jobs/", page_size="9" * 5000).json()["page_size"] == 100
    assert api.get("/api/jobs/", page_size=100).json()["page_size"] == 100


def test_page_past_the_end_is_empty(api, jobs):
    body = api.get("/api/jobs/", page=99).json()
    assert body == {"count": 25, "page": 99, "page_size": 20, "results": []}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": "1.5"}, "page"),
        ({"page": "٣"}, "page"),
        ({"page": "9" * 5000}, "page"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "-20"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
    ],
)
def test_bad_page_parameters_are_400(api, params, field):
    assert_error(api.get("/api/jobs/", **params), 400, field)


@pytest.mark.parametrize(
    "path", ["/api/users/", "/api/applications/", "/api/saved-jobs/", "/api/payments/"]
)
def test_every_list_validates_page_size(api, path):
    user = f.user("freelancer")
    assert_error(api.get(path, user=user, page_size="x"), 400, "page_size")
    assert api.get(path, user=user, page_size=500).json()["page_size"] == 100

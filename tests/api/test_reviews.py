"""POST /api/reviews/: only between a job's client and an accepted applicant."""

import pytest

from marketplace.rating.models import Review
from tests.api import factories as f
from tests.api.checks import assert_error


def test_client_and_freelancer_review_each_other(api):
    job, client, freelancer = f.hired()
    response = api.post(
        "/api/reviews/",
        {"job": job.pk, "reviewed": freelancer.pk, "rating": 4, "comment": "good"},
        user=client,
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["rating"], body["reviewed_id"], body["reviewer"]["id"]) == (
        4,
        freelancer.pk,
        client.pk,
    )
    back = api.post(
        "/api/reviews/", {"job": job.pk, "reviewed": client.pk, "rating": 5}, user=freelancer
    )
    assert back.status_code == 201
    assert api.get(f"/api/users/{freelancer.pk}/").json()["average_rating"] == 4.0
    duplicate = api.post(
        "/api/reviews/", {"job": job.pk, "reviewed": freelancer.pk, "rating": 1}, user=client
    )
    assert_error(duplicate, 409, "job")
    assert Review.objects.count() == 2


def test_only_people_who_worked_together(api):
    job, client, freelancer = f.hired()
    pending = f.user("freelancer")
    f.application(job, pending, status="pending")
    colleague = f.user("freelancer")
    f.application(job, colleague, status="accepted")
    # An applicant who was not accepted cannot review, nor be reviewed.
    assert_error(
        api.post(
            "/api/reviews/", {"job": job.pk, "reviewed": client.pk, "rating": 1}, user=pending
        ),
        403,
    )
    assert_error(
        api.post(
            "/api/reviews/", {"job": job.pk, "reviewed": pending.pk, "rating": 1}, user=client
        ),
        400,
        "reviewed",
    )
    # Two freelancers on the same job did not work *with each other* as client and hire.
    assert_error(
        api.post(
            "/api/reviews/", {"job": job.pk, "reviewed": colleague.pk, "rating": 1}, user=freelancer
        ),
        400,
        "reviewed",
    )
    outsider = f.user("client")
    assert_error(
        api.post(
            "/api/reviews/", {"job": job.pk, "reviewed": freelancer.pk, "rating": 1}, user=outsider
        ),
        403,
    )
    assert_error(
        api.post("/api/reviews/", {"job": job.pk, "reviewed": client.pk, "rating": 1}, user=client),
        400,
        "reviewed",
    )
    assert not Review.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": 4.5}, "rating"),
        ({"rating": True}, "rating"),
        ({"rating": None}, "rating"),
        ({"job": 999999}, "job"),
        ({"job": "first"}, "job"),
        ({"reviewed": 999999}, "reviewed"),
        ({"reviewed": -1}, "reviewed"),
        ({"comment": 3}, "comment"),
        ({"stars": 5}, "stars"),
    ],
)
def test_review_validation(api, change, field):
    job, client, freelancer = f.hired()
    data = {"job": job.pk, "reviewed": freelancer.pk, "rating": 5, **change}
    data = {k: val for k, val in data.items() if val is not None}
    assert_error(api.post("/api/reviews/", data, user=client), 400, field)
    assert not Review.objects.exists()

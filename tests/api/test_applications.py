"""GET/POST /api/jobs/<id>/applications/ and GET /api/applications/."""

import pytest

from marketplace.jobs.models import Application
from tests.api import factories as f
from tests.api.checks import assert_error


def test_client_lists_applications_to_their_job(api):
    job = f.job()
    first = f.application(job, status="pending")
    second = f.application(job, f.user("freelancer"), status="shortlisted")
    f.application(f.job())  # someone else's job
    body = api.get(f"/api/jobs/{job.pk}/applications/", user=job.client).json()
    assert body["count"] == 2
    assert [a["id"] for a in body["results"]] == [second.pk, first.pk]
    item = body["results"][1]
    assert list(item) == [
        "id",
        "job_id",
        "status",
        "bid_amount",
        "cover_letter",
        "created_at",
        "applicant",
    ]
    assert item["applicant"] == {
        "id": first.applicant_id,
        "username": first.applicant.username,
        "role": "freelancer",
    }
    assert item["bid_amount"] == "400.00"
    filtered = api.get(f"/api/jobs/{job.pk}/applications/", user=job.client, status="shortlisted")
    assert [a["id"] for a in filtered.json()["results"]] == [second.pk]


def test_only_the_client_sees_a_jobs_applications(api):
    job = f.job()
    application = f.application(job)
    assert_error(api.get(f"/api/jobs/{job.pk}/applications/", user=application.applicant), 403)
    assert_error(api.get(f"/api/jobs/{job.pk}/applications/", user=f.user("client")), 403)
    draft = f.job(status="draft")
    assert_error(api.get(f"/api/jobs/{draft.pk}/applications/", user=job.client), 404)
    assert_error(api.get("/api/jobs/999999/applications/", user=job.client), 404)
    assert_error(
        api.get(f"/api/jobs/{job.pk}/applications/", user=job.client, status="won"), 400, "status"
    )


def test_freelancer_applies_once(api):
    job = f.job()
    freelancer = f.user("freelancer")
    response = api.post(
        f"/api/jobs/{job.pk}/applications/",
        {"bid_amount": "300", "cover_letter": "Hire me"},
        user=freelancer,
    )
    assert response.status_code == 201
    body = response.json()
    application = Application.objects.get(pk=body["id"])
    assert (application.applicant, application.employer, application.status) == (
        freelancer,
        job.client,
        "pending",
    )
    assert body["bid_amount"] == "300.00"
    assert body["job"] == {"id": job.pk, "title": job.title, "status": "open"}
    assert body["employer"] == {"id": job.client_id, "username": job.client.username}
    again = api.post(f"/api/jobs/{job.pk}/applications/", {"bid_amount": 1}, user=freelancer)
    assert_error(again, 409, "job")
    assert Application.objects.filter(job=job).count() == 1


@pytest.mark.parametrize("status", ["draft", "in_progress", "completed", "cancelled"])
def test_only_open_jobs_take_applications(api, status):
    job = f.job(status=status)
    response = api.post(
        f"/api/jobs/{job.pk}/applications/", {"bid_amount": 1}, user=f.user("freelancer")
    )
    # A draft is invisible to the freelancer: 404; the others exist but are closed: 400.
    assert_error(response, 404) if status == "draft" else assert_error(response, 400, "job")


def test_apply_rules(api):
    job = f.job()
    assert_error(
        api.post(f"/api/jobs/{job.pk}/applications/", {"bid_amount": 1}, user=f.user("client")),
        403,
    )
    own = f.job(f.user("freelancer"))
    assert_error(
        api.post(f"/api/jobs/{own.pk}/applications/", {"bid_amount": 1}, user=own.client),
        400,
        "job",
    )
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({}, "bid_amount"),
        ({"bid_amount": 0}, "bid_amount"),
        ({"bid_amount": "lots"}, "bid_amount"),
        ({"bid_amount": 5, "cover_letter": 5}, "cover_letter"),
        ({"bid_amount": 5, "status": "accepted"}, "status"),
    ],
)
def test_apply_validation(api, data, field):
    job = f.job()
    response = api.post(f"/api/jobs/{job.pk}/applications/", data, user=f.user("freelancer"))
    assert_error(response, 400, field)


def test_my_applications_are_only_mine(api):
    me = f.user("freelancer")
    other = f.user("freelancer")
    job = f.job()
    mine = f.application(job, me, status="accepted")
    older = f.application(f.job(), me)
    theirs = f.application(job, other)
    body = api.get("/api/applications/", user=me).json()
    assert [a["id"] for a in body["results"]] == [older.pk, mine.pk]
    item = body["results"][1]
    assert list(item) == [
        "id",
        "status",
        "bid_amount",
        "cover_letter",
        "created_at",
        "job",
        "employer",
    ]
    assert item["employer"]["id"] == job.client_id
    assert theirs.pk not in [
        a["id"] for a in api.get("/api/applications/", user=me).json()["results"]
    ]
    accepted = api.get("/api/applications/", user=me, status="accepted").json()
    assert [a["id"] for a in accepted["results"]] == [mine.pk]
    assert_error(api.get("/api/applications/", user=me, status="x"), 400, "status")

"""GET/POST /api/jobs/ and GET/PATCH /api/jobs/<id>/."""

import datetime

import pytest

from marketplace.jobs.models import Job
from tests.api import factories as f
from tests.api.checks import assert_error

JOB_KEYS = [
    "id",
    "title",
    "status",
    "budget",
    "date",
    "created_at",
    "client",
    "industry",
    "subcategory",
    "application_count",
]


def test_job_list_shape_and_values(api):
    job = f.job(budget="1234.50")
    f.application(job)
    f.application(job)
    response = api.get("/api/jobs/")
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["count", "page", "page_size", "results"]
    assert (body["count"], body["page"], body["page_size"]) == (1, 1, 20)
    [item] = body["results"]
    assert list(item) == JOB_KEYS
    assert item["budget"] == "1234.50"
    assert item["date"] == "2024-01-01"
    assert datetime.datetime.fromisoformat(item["created_at"]) == job.created_at
    assert item["client"] == {"id": job.client_id, "username": job.client.username}
    assert item["industry"] == {"id": job.industry_id, "name": job.industry.name}
    assert item["subcategory"] == {"id": job.subcategory_id, "name": job.subcategory.name}
    assert item["application_count"] == 2


def test_job_list_is_newest_date_first_with_id_tiebreak(api):
    day = datetime.date(2024, 5, 1)
    old = f.job(date=day - datetime.timedelta(days=3))
    a = f.job(date=day)
    b = f.job(date=day)
    ids = [j["id"] for j in api.get("/api/jobs/").json()["results"]]
    assert ids == [b.pk, a.pk, old.pk]


def test_job_list_filters_by_status_and_industry(api):
    sub = f.subcategory()
    open_job = f.job(sub=sub)
    done = f.job(sub=sub, status="completed")
    elsewhere = f.job(status="completed")
    assert [j["id"] for j in api.get("/api/jobs/", status="completed").json()["results"]] == [
        elsewhere.pk,
        done.pk,
    ]
    by_industry = api.get("/api/jobs/", industry=sub.industry_id).json()["results"]
    assert {j["id"] for j in by_industry} == {open_job.pk, done.pk}
    both = api.get("/api/jobs/", industry=sub.industry_id, status="open").json()
    assert [j["id"] for j in both["results"]] == [open_job.pk]
    assert api.get("/api/jobs/", status="").json()["count"] == 3  # empty = no filter


def test_drafts_are_never_listed(api):
    draft = f.job(status="draft")
    f.job()
    ids = [j["id"] for j in api.get("/api/jobs/", user=draft.client).json()["results"]]
    assert draft.pk not in ids and len(ids) == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "draft"}, "status"),
        ({"status": "nope"}, "status"),
        ({"industry": "abc"}, "industry"),
        ({"industry": "0"}, "industry"),
        ({"industry": "9" * 30}, "industry"),
    ],
)
def test_job_list_rejects_bad_filters(api, params, field):
    assert_error(api.get("/api/jobs/", **params), 400, field)


def test_job_detail(api):
    job = f.job(description="Build a thing")
    f.application(job)
    body = api.get(f"/api/jobs/{job.pk}/").json()
    assert list(body) == [*JOB_KEYS, "description", "created_by"]
    assert body["description"] == "Build a thing"
    assert body["created_by"] == {"id": job.client_id, "username": job.client.username}
    assert body["application_count"] == 1


def test_job_detail_unknown_and_huge_ids_are_404(api):
    assert_error(api.get("/api/jobs/999999/"), 404)
    assert_error(api.get(f"/api/jobs/{'9' * 25}/"), 404)


def test_draft_detail_only_for_its_client(api):
    draft = f.job(status="draft")
    assert_error(api.get(f"/api/jobs/{draft.pk}/"), 404)
    assert_error(api.get(f"/api/jobs/{draft.pk}/", user=f.user("client")), 404)
    assert api.get(f"/api/jobs/{draft.pk}/", user=draft.client).status_code == 200


# --------------------------------------------------------------------------- POST


@pytest.fixture
def new_job(db):
    sub = f.subcategory()
    return {
        "title": "  Logo design  ",
        "description": "A small logo",
        "budget": 250,
        "industry": sub.industry_id,
        "subcategory": sub.pk,
    }


def test_client_creates_job(api, new_job):
    client = f.user("client")
    response = api.post("/api/jobs/", new_job, user=client)
    assert response.status_code == 201
    body = response.json()
    job = Job.objects.get(pk=body["id"])
    assert (job.client, job.created_by, job.status) == (client, client, "open")
    assert body["title"] == job.title == "Logo design"
    assert body["budget"] == "250.00"
    assert body["application_count"] == 0
    # The answer equals what a later read returns, byte for byte.
    assert api.get(f"/api/jobs/{job.pk}/").content == response.content


def test_client_creates_draft_with_date(api, new_job):
    body = api.post(
        "/api/jobs/",
        {**new_job, "status": "draft", "date": "2025-02-03", "budget": "19.9"},
        user=f.user("client"),
    ).json()
    assert (body["status"], body["date"], body["budget"]) == ("draft", "2025-02-03", "19.90")


def test_create_job_needs_authentication_and_client_role(api, new_job):
    assert_error(api.post("/api/jobs/", new_job), 401)
    assert_error(api.post("/api/jobs/", new_job, user=f.user("freelancer")), 403)
    assert_error(api.post("/api/jobs/", new_job, user=f.user(None)), 403)
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": None}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": 7}, "title"),
        ({"title": "nul\x00byte"}, "title"),
        ({"description": ["a"]}, "description"),
        ({"budget": None}, "budget"),
        ({"budget": 0}, "budget"),
        ({"budget": -5}, "budget"),
        ({"budget": "abc"}, "budget"),
        ({"budget": 1.234}, "budget"),
        ({"budget": True}, "budget"),
        ({"budget": "1e30"}, "budget"),
        ({"budget": 10_000_000_000}, "budget"),
        ({"industry": None}, "industry"),
        ({"industry": 10**6}, "industry"),
        ({"industry": "x"}, "industry"),
        ({"subcategory": 10**6}, "subcategory"),
        ({"status": "completed"}, "status"),
        ({"date": "2024-13-01"}, "date"),
        ({"date": 20240101}, "date"),
        ({"client": 1}, "client"),
    ],
)
def test_create_job_validation(api, new_job, change, field):
    data = {**new_job, **change}
    if change.get(field, "present") is None:
        del data[field]
    assert_error(api.post("/api/jobs/", data, user=f.user("client")), 400, field)
    assert not Job.objects.exists()


def test_create_job_subcategory_must_belong_to_industry(api, new_job):
    other = f.subcategory()
    body = assert_error(
        api.post("/api/jobs/", {**new_job, "subcategory": other.pk}, user=f.user("client")),
        400,
        "subcategory",
    )
    assert "does not belong" in body["error"]


# --------------------------------------------------------------------------- PATCH


def test_owner_updates_fields(api):
    job = f.job()
    other = f.subcategory()
    response = api.patch(
        f"/api/jobs/{job.pk}/",
        {
            "title": "New title",
            "budget": "99.5",
            "industry": other.industry_id,
            "subcategory": other.pk,
            "date": "2024-06-01",
        },
        user=job.client,
    )
    assert response.status_code == 200
    job.refresh_from_db()
    assert (job.title, str(job.budget), job.subcategory_id, str(job.date)) == (
        "New title",
        "99.50",
        other.pk,
        "2024-06-01",
    )
    assert response.content == api.get(f"/api/jobs/{job.pk}/").content


def test_patch_permissions(api):
    job = f.job()
    assert_error(api.patch(f"/api/jobs/{job.pk}/", {"title": "x"}), 401)
    assert_error(api.patch(f"/api/jobs/{job.pk}/", {"title": "x"}, user=f.user("client")), 403)
    draft = f.job(status="draft")
    assert_error(api.patch(f"/api/jobs/{draft.pk}/", {"title": "x"}, user=job.client), 404)
    job.refresh_from_db()
    assert job.title != "x"


@pytest.mark.parametrize(
    ("path", "ok"),
    [
        (["open", "in_progress", "completed"], True),
        (["draft", "open", "cancelled"], True),
        (["in_progress", "cancelled"], True),
        (["open", "open"], True),
        (["open", "draft"], False),
        (["open", "completed"], False),
        (["draft", "in_progress"], False),
        (["completed", "open"], False),
        (["cancelled", "open"], False),
    ],
)
def test_status_transitions(api, path, ok):
    job = f.job(status=path[0])
    for target in path[1:-1]:
        assert (
            api.patch(f"/api/jobs/{job.pk}/", {"status": target}, user=job.client).status_code
            == 200
        )
    response = api.patch(f"/api/jobs/{job.pk}/", {"status": path[-1]}, user=job.client)
    if ok:
        assert response.status_code == 200 and response.json()["status"] == path[-1]
    else:
        assert_error(response, 400, "status")
        job.refresh_from_db()
        assert job.status == path[-2]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"budget": 0}, "budget"),
        ({"title": ""}, "title"),
        ({"status": "bogus"}, "status"),
        ({"subcategory": "new"}, "subcategory"),
        ({"created_by": 3}, "created_by"),
    ],
)
def test_patch_validation(api, data, field):
    job = f.job()
    assert_error(api.patch(f"/api/jobs/{job.pk}/", data, user=job.client), 400, field)


def test_patch_industry_alone_must_match_current_subcategory(api):
    job = f.job()
    other = f.industry()
    assert_error(
        api.patch(f"/api/jobs/{job.pk}/", {"industry": other.pk}, user=job.client),
        400,
        "subcategory",
    )

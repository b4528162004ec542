"""GET/POST/DELETE /api/saved-jobs/."""

import datetime

from django.utils import timezone

from marketplace.jobs.models import SavedJob
from tests.api import factories as f
from tests.api.checks import assert_error


def test_save_list_and_unsave(api):
    me = f.user("freelancer")
    job = f.job(budget="75.00")
    created = api.post("/api/saved-jobs/", {"job": job.pk}, user=me)
    assert created.status_code == 201
    assert created.json()["job"] == {
        "id": job.pk,
        "title": job.title,
        "status": "open",
        "budget": "75.00",
        "date": "2024-01-01",
    }
    again = api.post("/api/saved-jobs/", {"job": job.pk}, user=me)
    assert again.status_code == 200 and again.content == created.content
    assert SavedJob.objects.filter(user=me).count() == 1
    assert api.delete("/api/saved-jobs/", user=me, params={"job": job.pk}).status_code == 204
    assert not SavedJob.objects.exists()
    assert_error(api.delete("/api/saved-jobs/", user=me, params={"job": job.pk}), 404)


def test_unsave_by_json_body(api):
    me = f.user()
    job = f.job()
    f.saved(me, job)
    assert api.delete("/api/saved-jobs/", user=me, data={"job": job.pk}).status_code == 204


def test_list_is_mine_newest_first(api):
    me = f.user("freelancer")
    now = timezone.now()
    old = f.saved(me, f.job(), saved_at=now - datetime.timedelta(days=2))
    new = f.saved(me, f.job(), saved_at=now)
    f.saved(f.user(), old.job)  # someone else's bookmark
    body = api.get("/api/saved-jobs/", user=me).json()
    assert [s["job"]["id"] for s in body["results"]] == [new.job_id, old.job_id]
    assert body["results"][0]["saved_at"] == new.saved_at.isoformat().replace("+00:00", "Z")
    assert list(body["results"][0]) == ["job", "saved_at"]


def test_cannot_delete_someone_elses_bookmark(api):
    theirs = f.saved(f.user(), f.job())
    assert_error(api.delete("/api/saved-jobs/", user=f.user(), params={"job": theirs.job_id}), 404)
    assert SavedJob.objects.filter(pk=theirs.pk).exists()


def test_saved_jobs_validation(api):
    me = f.user()
    draft = f.job(status="draft")
    assert_error(api.post("/api/saved-jobs/", {}, user=me), 400, "job")
    assert_error(api.post("/api/saved-jobs/", {"job": 999999}, user=me), 400, "job")
    assert_error(api.post("/api/saved-jobs/", {"job": draft.pk}, user=me), 400, "job")
    assert_error(api.post("/api/saved-jobs/", {"job": "x"}, user=me), 400, "job")
    assert_error(api.post("/api/saved-jobs/", {"job": 1, "note": "x"}, user=me), 400, "note")
    assert_error(api.delete("/api/saved-jobs/", user=me), 400, "job")
    assert_error(api.delete("/api/saved-jobs/", user=me, params={"job": "abc"}), 400, "job")
    # Its client may bookmark their own draft.
    assert api.post("/api/saved-jobs/", {"job": draft.pk}, user=draft.client).status_code == 201

"""ORM bulk writes (update, delete, bulk_create, bulk_update) invalidate like a save().

Each test caches answers, writes in bulk through the default manager, and compares the
cached answers with the database's (cache off). Before ``marketplace.api.bulk`` these
writes sent no signal and the cached answers stayed stale.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django_redis import get_redis_connection

import marketplace.cache
from marketplace.accounts.models import Profile, User, Wallet
from marketplace.api import invalidation, switches
from marketplace.cache import store
from marketplace.jobs.models import Application, Industry, Job, SavedJob, Subcategory
from marketplace.payment.models import Payment
from marketplace.rating.models import Review
from tests.api import factories as f
from tests.optim.conftest import fetch


def cached(api, path: str, user=None) -> bytes:
    status, body = fetch(api, path, user, "cache")
    assert status == 200, body
    return body


def assert_fresh(api, reads) -> None:
    for path, user in reads:
        assert fetch(api, path, user, "cache") == fetch(api, path, user, "baseline"), path


def warm(api, reads) -> None:
    for path, user in reads:
        cached(api, path, user)


def generations(names) -> list[bytes | None]:
    client = get_redis_connection("default")
    return client.mget([store.key(f"gen:{name}") for name in names])


@pytest.fixture
def sends(monkeypatch) -> list[list[str]]:
    """Every batch of generation bumps sent to Redis (not counting on_commit repeats)."""
    sent: list[list[str]] = []
    original = store._send

    def spy(names):
        sent.append(list(names))
        original(names)

    monkeypatch.setattr(store, "_send", spy)
    return sent


def test_queryset_update_invalidates(api, data):
    job, client = data.jobs[0], data.clients[0]
    reads = [("/api/jobs/", None), (f"/api/jobs/{job.pk}/", None), ("/api/payments/", client)]
    warm(api, reads)
    with switches.named("cache"):
        assert Job.objects.filter(pk=job.pk).update(title="updated in bulk") == 1
    assert b"updated in bulk" in cached(api, "/api/jobs/")
    assert_fresh(api, reads)


def test_queryset_update_moving_rows_invalidates_old_and_new_owner(api, data):
    old, new = data.freelancers[0], data.freelancers[3]
    moved = Application.objects.filter(applicant=old)
    jobs = {a.job_id for a in moved}
    reads = [("/api/applications/", old), ("/api/applications/", new)]
    reads += [(f"/api/jobs/{pk}/applications/", Job.objects.get(pk=pk).client) for pk in jobs]
    warm(api, reads)
    with switches.named("cache"):
        assert moved.update(applicant=new) == len(jobs)
    assert cached(api, "/api/applications/", old).count(b'"id"') == 0
    assert_fresh(api, reads)


def test_related_manager_update_invalidates(api, data):
    job, client = data.jobs[1], data.clients[1]
    reads = [(f"/api/jobs/{job.pk}/applications/", client), (f"/api/jobs/{job.pk}/", None)]
    warm(api, reads)
    with switches.named("cache"):
        assert job.applications.update(status="rejected") > 0
    assert_fresh(api, reads)


def test_queryset_delete_invalidates_with_one_bump(api, data, sends):
    """Django already sends post_delete per row (a receiver listens); now it is one bump."""
    user, job = data.freelancers[0], data.jobs[0]
    reads = [("/api/saved-jobs/", user), ("/api/jobs/", None), ("/api/applications/", user)]
    reads += [("/api/payments/", data.clients[0]), (f"/api/users/{user.pk}/reviews/", None)]
    warm(api, reads)
    with switches.named("cache"):
        SavedJob.objects.filter(user=user).delete()
        Job.objects.filter(pk=job.pk).delete()  # cascades: applications, payments, reviews
    assert len(sends) == 2
    assert {"jobs", f"job:{job.pk}", "jobrefs", f"user:{user.pk}"} <= set(sends[1])
    assert_fresh(api, reads)


@pytest.mark.parametrize("model", list(invalidation.AFFECTS), ids=lambda m: m.__name__)
def test_queryset_delete_bumps_what_single_deletes_bump_at_once(data, model, sends):
    """Per cached model: queryset delete sees every row (Django sends post_delete per row
    because a receiver listens), cascades included, and sends one bump for all of them."""
    rows = list(model.objects.order_by("-pk")[:2])
    if model in (Industry, Subcategory):  # PROTECTed by jobs: delete new ones
        subs = [f.subcategory(), f.subcategory()]
        rows = subs if model is Subcategory else [sub.industry for sub in subs]
    expected = {name for row in rows for name in invalidation.generations_for(row)}
    with switches.named("cache"):
        assert model.objects.filter(pk__in=[row.pk for row in rows]).delete()[0] >= 2
    assert len(sends) == 1
    assert expected <= set(sends[0])


def test_bulk_create_invalidates(api, data):
    user = data.freelancers[3]
    unsaved = [job for job in data.jobs if not SavedJob.objects.filter(user=user, job=job)][:3]
    reads = [("/api/saved-jobs/", user), ("/api/applications/", user), ("/api/jobs/", None)]
    warm(api, reads)
    with switches.named("cache"):
        SavedJob.objects.bulk_create([SavedJob(user=user, job=job) for job in unsaved])
        Application.objects.bulk_create(
            [
                Application(job=job, applicant=user, employer=job.client, bid_amount="1.00")
                for job in unsaved
            ]
        )
    assert_fresh(api, reads)


def test_bulk_update_invalidates_with_one_bump(api, data, sends):
    jobs = list(Job.objects.filter(pk__in=[j.pk for j in data.jobs[:4]]))
    reads = [("/api/jobs/", None), *[(f"/api/jobs/{job.pk}/", None) for job in jobs]]
    reads.append(("/api/saved-jobs/", data.freelancers[0]))
    warm(api, reads)
    for job in jobs:
        job.title, job.budget = f"{job.title} (bulk)", job.budget + Decimal(1)
    with switches.named("cache"):
        assert Job.objects.bulk_update(jobs, ["title", "budget"], batch_size=2) == 4
    assert len(sends) == 1
    assert_fresh(api, reads)


def test_bulk_update_moving_rows_invalidates_old_and_new_owner(api, data):
    old, new = data.freelancers[0], data.freelancers[1]
    rows = list(Application.objects.filter(applicant=old))
    reads = [("/api/applications/", old), ("/api/applications/", new)]
    warm(api, reads)
    for row in rows:
        row.applicant = new
    with switches.named("cache"):
        Application.objects.bulk_update(rows, ["applicant"])
    assert_fresh(api, reads)


def _change(model):
    """A write of one column of each cached model, as (update kwargs, a save() of it)."""
    return {
        Job: {"title": "t"},
        Application: {"status": "rejected"},
        SavedJob: {"saved_at": F("saved_at")},
        Payment: {"amount": Decimal("1.00")},
        Wallet: {"balance": Decimal("3.00")},
        Review: {"rating": 1},
        User: {"username": "renamed"},
        Profile: {"headline": "h"},
        Industry: {"name": "renamed"},
        Subcategory: {"name": "renamed"},
    }[model]


@pytest.mark.parametrize("model", list(invalidation.AFFECTS), ids=lambda m: m.__name__)
def test_update_bumps_the_generations_a_save_bumps(data, model):
    row = model.objects.order_by("pk").first()
    names = invalidation.generations_for(row, False, frozenset(_change(model)))
    before = generations(names)
    with switches.named("cache"):
        model.objects.filter(pk=row.pk).update(**_change(model))
    after = generations(names)
    assert all(a is not None and a != b for a, b in zip(after, before, strict=True)), names


def test_a_large_update_bumps_everything_once_a_login_nothing(data, sends, monkeypatch):
    monkeypatch.setattr(invalidation, "LIMIT", 2)
    with switches.named("cache"):
        assert Job.objects.update(description="all of them") == len(data.jobs) + 1
        User.objects.filter(pk=data.clients[0].pk).update(last_login=None)  # shown nowhere
    assert sends == [[store.GLOBAL]]


def test_a_bulk_write_with_the_cache_off_is_remembered(data, sends, django_assert_num_queries):
    marketplace.cache.reset()  # the dataset was written with the cache off too
    with switches.named("baseline"), django_assert_num_queries(1):  # no reads for the cache
        Job.objects.filter(pk=data.jobs[0].pk).update(title="off")
    assert sends == [] and store._missed.is_set()


def test_raw_sql_then_invalidate_by_table_name(api, data):
    job = data.jobs[0]
    reads = [("/api/jobs/", None), (f"/api/jobs/{job.pk}/", None)]
    warm(api, reads)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE jobs_job SET title = 'raw' WHERE id = %s", [job.pk])
    marketplace.cache.invalidate("jobs_job", pks=[job.pk])
    assert_fresh(api, reads)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE accounts_user SET username = 'raw-name' WHERE id = %s", [job.client_id]
        )
    marketplace.cache.invalidate(User)
    assert_fresh(api, reads)
    with pytest.raises(ValueError, match="not a cached model or table"):
        marketplace.cache.invalidate("no_such_table")

"""The cache layer: per-user isolation, invalidation by every kind of write, TTLs, stats."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django_redis import get_redis_connection

import marketplace.cache
from marketplace.accounts.models import Wallet
from marketplace.api import switches
from marketplace.cache import store
from marketplace.jobs.models import Application, Industry, Job
from marketplace.rating.models import Review
from tests.api import factories as f
from tests.optim.conftest import fetch


def redis():
    return get_redis_connection("default")


def our_keys() -> list[str]:
    return sorted(k.decode() for k in redis().scan_iter(match=store.key("*")))


def fresh(api, path, user=None) -> bytes:
    """What the database says now (cache off)."""
    status, body = fetch(api, path, user, "baseline")
    assert status == 200, body[:200]
    return body


def cached(api, path, user=None, variant: str = "cache") -> bytes:
    status, body = fetch(api, path, user, variant)
    assert status == 200, body[:200]
    return body


def assert_current(api, path, user=None) -> None:
    """The cached answer equals the database's, read twice (the second is a hit)."""
    assert cached(api, path, user) == fresh(api, path, user)
    assert cached(api, path, user) == fresh(api, path, user)


# --------------------------------------------------------------------------- keys and isolation


def test_keys_live_under_the_prefix_and_the_test_database(api, data):
    cached(api, "/api/jobs/")
    cached(api, "/api/payments/", data.clients[0])
    keys = our_keys()
    prefix = f"{settings.CACHES['default']['KEY_PREFIX']}:1:{connection.settings_dict['NAME']}:"
    assert keys and all(k.startswith(prefix) for k in keys)
    assert any(k.endswith(":resp:jobs:-:/api/jobs/?") for k in keys)
    assert any(f":resp:payments:{data.clients[0].pk}:" in k for k in keys)


def test_private_answers_are_never_served_to_another_user(api, data):
    """Same path, different callers: each gets their own entry, never another's."""
    client, freelancer = data.clients[0], data.freelancers[0]
    for path in ("/api/payments/", "/api/saved-jobs/", "/api/wallet/", "/api/applications/"):
        mine = fetch(api, path, client, "cache")
        theirs = fetch(api, path, freelancer, "cache")
        assert fetch(api, path, freelancer, "cache") == theirs
        assert fetch(api, path, client, "cache") == mine
        assert theirs == fetch(api, path, freelancer, "baseline")
        assert mine == fetch(api, path, client, "baseline")
    assert fetch(api, "/api/payments/", client, "cache") != fetch(
        api, "/api/payments/", freelancer, "cache"
    )
    # Anonymous callers of a private endpoint are refused before the cache is consulted.
    assert fetch(api, "/api/payments/", None, "cache")[0] == 401


def test_a_jobs_applications_are_cached_for_its_client_only(api, data):
    job = data.jobs[0]
    path = f"/api/jobs/{job.pk}/applications/"
    assert fetch(api, path, data.clients[0], "cache")[0] == 200
    for other in (data.clients[1], data.freelancers[0]):
        assert fetch(api, path, other, "cache")[0] == 403


def test_a_draft_is_shown_to_its_client_but_never_stored_as_the_public_answer(api, data):
    path = f"/api/jobs/{data.draft.pk}/"
    assert fetch(api, path, data.clients[0], "cache")[0] == 200
    assert fetch(api, path, data.clients[0], "cache")[0] == 200
    assert fetch(api, path, None, "cache")[0] == 404
    assert fetch(api, path, data.freelancers[0], "cache")[0] == 404
    assert not [k for k in our_keys() if f"/api/jobs/{data.draft.pk}/" in k]


def test_public_answers_are_the_same_for_everyone(api, data):
    """So sharing one entry between callers is safe (checked, not assumed)."""
    for path in (
        "/api/jobs/",
        f"/api/jobs/{data.jobs[0].pk}/",
        "/api/users/",
        f"/api/users/{data.freelancers[0].pk}/",
        f"/api/users/{data.freelancers[0].pk}/reviews/",
    ):
        bodies = {fetch(api, path, who, "baseline") for who in [None, *data.users[:7]]}
        assert len(bodies) == 1, path


# --------------------------------------------------------------------------- invalidation


def test_api_writes_invalidate_what_they_change(api, data):
    client, freelancer = data.clients[0], data.freelancers[1]
    job = data.jobs[0]
    watched = [
        ("/api/jobs/", None),
        (f"/api/jobs/{job.pk}/", None),
        (f"/api/jobs/{job.pk}/applications/", client),
        ("/api/saved-jobs/", freelancer),
        ("/api/applications/", freelancer),
        (f"/api/users/{freelancer.pk}/reviews/", None),
    ]
    for path, user in watched:
        cached(api, path, user)
    with switches.named("cache"):
        assert (
            api.patch(f"/api/jobs/{job.pk}/", {"title": "renamed"}, user=client).status_code == 200
        )
        assert api.post("/api/saved-jobs/", {"job": job.pk}, user=freelancer).status_code in (
            200,
            201,
        )
        response = api.post(
            f"/api/jobs/{data.jobs[4].pk}/applications/", {"bid_amount": "10.00"}, user=freelancer
        )
        assert response.status_code in (201, 409), response.content
    for path, user in watched:
        assert_current(api, path, user)
    assert b"renamed" in cached(api, "/api/jobs/")


@pytest.mark.parametrize(
    "write",
    [
        "rename_user",
        "change_role",
        "rename_industry",
        "add_review",
        "delete_review",
        "wallet_balance",
        "move_application",
        "delete_job",
        "queryset_delete",
    ],
)
def test_orm_writes_invalidate_through_signals(api, data, write):
    client, freelancer = data.clients[0], data.freelancers[0]
    job = data.jobs[0]
    watched = [
        ("/api/jobs/", None),
        (f"/api/jobs/{data.jobs[1].pk}/", None),
        (f"/api/jobs/{job.pk}/applications/", client),
        ("/api/users/", None),
        (f"/api/users/{freelancer.pk}/", None),
        (f"/api/users/{freelancer.pk}/reviews/", None),
        ("/api/wallet/", client),
        ("/api/payments/", client),
        ("/api/applications/", freelancer),
    ]
    before = {path: cached(api, path, user) for path, user in watched}
    with switches.named("cache"):
        if write == "rename_user":
            client.username = "renamed-client"
            client.save()
        elif write == "change_role":
            profile = freelancer.profile
            profile.role = "admin"
            profile.save()
        elif write == "rename_industry":
            industry = Industry.objects.get(pk=job.industry_id)
            industry.name = "renamed industry"
            industry.save()
        elif write == "add_review":
            f.review(data.clients[2], freelancer, data.jobs[5], 1)
        elif write == "delete_review":
            Review.objects.filter(reviewed=freelancer).first().delete()
        elif write == "wallet_balance":
            wallet = Wallet.objects.get(user=client)
            wallet.balance = Decimal("999.99")
            wallet.save()
        elif write == "move_application":
            # An update that moves a row: the job it left must be invalidated too.
            application = Application.objects.filter(job=job).first()
            application.job = data.jobs[1]
            application.save()
        elif write == "delete_job":
            Job.objects.get(pk=job.pk).delete()  # cascades to applications, payments...
        elif write == "queryset_delete":
            Application.objects.filter(applicant=freelancer).delete()
    changed = 0
    for path, user in watched:
        status, body = fetch(api, path, user, "baseline")
        if status != 200:
            continue
        assert_current(api, path, user)
        changed += body != before[path]
    assert changed, "the write should have changed at least one answer"


def test_writes_while_the_cache_is_off_are_not_missed(api, data):
    """A process that writes with the switch off bumps everything before it next caches."""
    job = data.jobs[0]
    stale = cached(api, "/api/jobs/")
    with switches.named("baseline"):
        job.title = "changed while off"
        job.save()
    assert cached(api, "/api/jobs/") != stale
    assert_current(api, "/api/jobs/")


def _raw_title(job_id: int, title: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE jobs_job SET title = %s WHERE id = %s", [title, job_id])


def test_raw_sql_is_not_seen_until_invalidate_all_or_clear(api, data):
    """The documented gap: raw SQL sends no signal (QuerySet.update now invalidates)."""
    job = data.jobs[0]
    stale = cached(api, "/api/jobs/")
    with switches.named("cache"):
        _raw_title(job.pk, "updated in bulk")
    assert cached(api, "/api/jobs/") == stale  # not seen: this is why clear() exists
    marketplace.cache.invalidate_all()
    assert b"updated in bulk" in cached(api, "/api/jobs/")
    with switches.named("cache"):
        _raw_title(job.pk, "updated again")
    assert marketplace.cache.clear() > 0
    assert b"updated again" in cached(api, "/api/jobs/")


def test_a_write_in_a_transaction_bumps_again_on_commit(
    api, data, django_capture_on_commit_callbacks
):
    """A reader between the first bump and the commit must not leave a stale entry behind."""
    gen = store.key(f"gen:job:{data.jobs[0].pk}")
    cached(api, f"/api/jobs/{data.jobs[0].pk}/")
    start = int(redis().get(gen))
    with (
        django_capture_on_commit_callbacks(execute=True),
        switches.named("cache"),
        transaction.atomic(),
    ):
        job = Job.objects.get(pk=data.jobs[0].pk)
        job.title = "in a transaction"
        job.save()
        assert int(redis().get(gen)) == start + 1
    assert int(redis().get(gen)) == start + 2


# --------------------------------------------------------------------------- ratings, job stats


def test_ratings_and_job_stats_are_cached_with_their_ttls(api, data):
    cached(api, "/api/users/")
    cached(api, "/api/jobs/")
    client = redis()
    user_id, job_id = data.freelancers[0].pk, data.jobs[0].pk
    ratings_ttl = client.ttl(store.key(f"ratings:{user_id}"))
    stats_ttl = client.ttl(store.key(f"jobstats:{job_id}"))
    response_ttl = client.ttl(store.key("resp:jobs:-:/api/jobs/?"))
    assert 3590 < ratings_ttl <= 3600
    assert 1790 < stats_ttl <= 1800
    assert 590 < response_ttl <= 600
    with override_settings(WORKBENCH_CACHE_TTL={"ratings": 60, "job_stats": 30, "responses": 5}):
        marketplace.cache.clear()
        cached(api, "/api/jobs/")
        cached(api, "/api/users/")
        assert 50 < client.ttl(store.key(f"ratings:{user_id}")) <= 60
        assert 20 < client.ttl(store.key(f"jobstats:{job_id}")) <= 30
        assert 0 < client.ttl(store.key("resp:jobs:-:/api/jobs/?")) <= 5
    # Generations have no TTL: they must outlive every entry stamped with them.
    assert client.ttl(store.key("gen:all")) == -1


def test_cached_ratings_spare_the_per_row_queries(api, data):
    """Under "cache" a missed users page reads ratings from Redis: one query per row, not 3."""
    path = "/api/users/?page_size=5"
    cached(api, path)  # stores the page and every user's ratings
    with switches.named("cache"):
        f.user("client")  # a new user: the page's answer is stale, the ratings are not
    marketplace.cache.reset_stats()
    with switches.named("cache"), CaptureQueriesContext(connection) as captured:
        body = api.get(path).content
    # (read the count before the next request: Django resets the query log per request)
    assert len(captured) == 2 + 5  # COUNT, page, one profile per row
    assert body == fresh(api, path)
    kinds = marketplace.cache.stats()["process"]["kinds"]
    assert kinds["ratings"] == {"hits": 5, "misses": 0, "hit_rate": 1.0}
    assert kinds["response"]["misses"] == 1


def test_a_new_review_updates_the_cached_rating(api, data):
    freelancer = data.freelancers[3]  # no reviews yet
    path = f"/api/users/{freelancer.pk}/"
    assert json.loads(cached(api, path))["average_rating"] is None
    with switches.named("cache"):
        f.review(data.clients[0], freelancer, data.jobs[0], 4)
        f.review(data.clients[1], freelancer, data.jobs[1], 5)
    body = json.loads(cached(api, "/api/users/?page_size=100"))
    row = next(u for u in body["results"] if u["id"] == freelancer.pk)
    assert (row["average_rating"], row["review_count"]) == (4.5, 2)
    assert_current(api, path)


# --------------------------------------------------------------------------- stats


def test_stats_report_our_counters_and_the_servers(api, data):
    marketplace.cache.reset_stats()
    for _ in range(3):
        cached(api, "/api/jobs/")
    stats = marketplace.cache.stats()
    response = stats["process"]["kinds"]["response"]
    assert (response["hits"], response["misses"]) == (2, 1)
    assert response["hit_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert stats["process"]["errors"] == 0
    server = stats["redis"]
    assert server["keyspace_hits"] >= 2 and server["keyspace_misses"] >= 0
    info = redis().info("stats")
    assert server["keyspace_hits"] <= info["keyspace_hits"]


def test_a_generation_that_vanished_never_revives_old_entries(api, data):
    """If Redis loses a generation (eviction, a partial flush) it restarts from the clock."""
    job = data.jobs[0]
    path = f"/api/jobs/{job.pk}/"
    gen = store.key(f"gen:job:{job.pk}")
    with switches.named("cache"):
        job.title = "first"
        job.save()  # bumps a generation that did not exist yet
    assert b"first" in cached(api, path)
    redis().delete(gen)
    with switches.named("cache"):
        job.title = "second"
        job.save()  # the same bump again, from nothing
    assert b"second" in cached(api, path)
    redis().delete(gen)
    assert cached(api, path) == fresh(api, path)  # a read re-creates it: a miss, not a hit


def test_a_description_edit_leaves_the_board_and_lists_cached(api, data):
    """Only the job's own page shows its description: nothing else is invalidated."""
    client, job = data.clients[0], data.jobs[0]
    board, saved = cached(api, "/api/jobs/"), cached(api, "/api/saved-jobs/", data.clients[1])
    with switches.named("cache"):
        response = api.patch(f"/api/jobs/{job.pk}/", {"description": "new words"}, user=client)
    assert response.status_code == 200
    marketplace.cache.reset_stats()
    assert cached(api, "/api/jobs/") == board == fresh(api, "/api/jobs/")
    assert cached(api, "/api/saved-jobs/", data.clients[1]) == saved
    assert marketplace.cache.stats()["process"]["kinds"]["response"] == {
        "hits": 2,
        "misses": 0,
        "hit_rate": 1.0,
    }
    assert b"new words" in cached(api, f"/api/jobs/{job.pk}/")
    assert_current(api, f"/api/jobs/{job.pk}/")


@pytest.mark.parametrize(
    "change",
    [
        {"title": "retitled"},
        {"budget": "1.00"},
        {"date": "2020-02-02"},
        {"status": "cancelled"},
        {"description": "described"},
        {"subcategory": "other"},
    ],
    ids=lambda change: next(iter(change)),
)
def test_every_editable_field_reaches_every_answer_that_shows_it(api, data, change):
    job = data.jobs[0]
    if "subcategory" in change:
        change = {"subcategory": data.jobs[1].subcategory_id}
    watched = [("/api/jobs/", None), ("/api/jobs/?page_size=5&page=2", None)]
    watched.append((f"/api/jobs/{job.pk}/", None))
    for user in data.users[:7]:
        watched.append((f"/api/users/{user.pk}/reviews/", None))
        watched += [(p, user) for p in ("/api/applications/", "/api/saved-jobs/", "/api/payments/")]
    for path, user in watched:
        cached(api, path, user)
    with switches.named("cache"):
        response = api.patch(f"/api/jobs/{job.pk}/", change, user=data.clients[0])
    assert response.status_code == 200, response.content
    for path, user in watched:
        assert_current(api, path, user)


def test_an_update_that_cannot_move_a_row_skips_the_lookup(api, data):
    application = Application.objects.filter(job=data.jobs[0]).first()
    with switches.named("cache"), CaptureQueriesContext(connection) as captured:
        application.status = "rejected"
        application.save(update_fields=["status"])
    assert len(captured) == 1  # the UPDATE alone
    with switches.named("cache"), CaptureQueriesContext(connection) as captured:
        application.save()  # any field may have changed: read the stored keys first
    assert len(captured) == 2

"""GET /api/users/, /api/users/<id>/ and /api/users/<id>/reviews/."""

from decimal import Decimal

from tests.api import factories as f
from tests.api.checks import assert_error


def test_user_list_with_profile_rating_and_review_count(api):
    freelancer = f.user("freelancer")
    freelancer.profile.hourly_rate = Decimal("55.5")
    freelancer.profile.save()
    client = f.user("client")
    job = f.job(client)
    f.review(client, freelancer, job, rating=4)
    f.review(f.user("client"), freelancer, f.job(), rating=5)
    body = api.get("/api/users/", role="freelancer").json()
    assert body["count"] == 1
    [item] = body["results"]
    assert list(item) == [
        "id",
        "username",
        "date_joined",
        "profile",
        "average_rating",
        "review_count",
    ]
    assert "email" not in item
    assert item["profile"] == {
        "role": "freelancer",
        "headline": freelancer.profile.headline,
        "location": "",
        "hourly_rate": "55.50",
    }
    assert (item["average_rating"], item["review_count"]) == (4.5, 2)


def test_user_list_order_roles_and_inactive(api):
    a = f.user("client")
    b = f.user(None)
    c = f.user("admin")
    f.user("client", is_active=False)
    body = api.get("/api/users/").json()
    assert [u["id"] for u in body["results"]] == [a.pk, b.pk, c.pk]
    assert body["results"][1]["profile"] is None
    assert body["results"][0]["average_rating"] is None
    assert body["results"][0]["review_count"] == 0
    assert [u["id"] for u in api.get("/api/users/", role="admin").json()["results"]] == [c.pk]
    assert_error(api.get("/api/users/", role="boss"), 400, "role")


def test_user_detail(api):
    user = f.user("freelancer")
    body = api.get(f"/api/users/{user.pk}/").json()
    assert body["id"] == user.pk
    assert body["profile"]["bio"] == f"bio of {user.username}"
    assert list(body["profile"]) == ["role", "headline", "location", "hourly_rate", "bio"]
    assert_error(api.get("/api/users/999999/"), 404)
    inactive = f.user(is_active=False)
    assert_error(api.get(f"/api/users/{inactive.pk}/"), 404)


def test_user_reviews(api):
    freelancer = f.user("freelancer")
    job = f.job()
    first = f.review(job.client, freelancer, job, rating=3)
    second = f.review(f.user("client"), freelancer, f.job(), rating=5)
    f.review(freelancer, job.client, job)  # given, not received
    body = api.get(f"/api/users/{freelancer.pk}/reviews/").json()
    assert body["count"] == 2
    assert [r["id"] for r in body["results"]] == [second.pk, first.pk]
    item = body["results"][1]
    assert item == {
        "id": first.pk,
        "rating": 3,
        "comment": "fine",
        "created_at": first.created_at.isoformat().replace("+00:00", "Z"),
        "reviewer": {"id": job.client_id, "username": job.client.username},
        "reviewed_id": freelancer.pk,
        "job": {"id": job.pk, "title": job.title, "status": job.status},
    }
    assert_error(api.get("/api/users/999999/reviews/"), 404)

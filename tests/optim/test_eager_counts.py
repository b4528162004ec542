"""Eager loading makes every endpoint's query count independent of the page size.

Measured with CaptureQueriesContext at page sizes 10 and 50 on lists of 55 rows: the
baseline grows with the page (its per-row queries), the eager variant does not.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.accounts.models import Wallet
from marketplace.api.switches import named
from tests.api import factories as f

ROWS = 55


@pytest.fixture
def busy(db):
    """Every list holds at least ROWS rows for the callers below."""
    client = f.user("client")
    freelancer = f.user("freelancer")
    sub = f.subcategory()
    for i in range(ROWS):
        job = f.job(client, sub=sub)
        f.application(job, freelancer, status="accepted")
        f.review(client, freelancer, job, rating=1 + i % 5)
        f.payment(job, freelancer)
        f.saved(freelancer, job)
        f.user("freelancer")
    first_job = client.jobs_as_client.order_by("id").first()
    for _ in range(ROWS):
        f.application(first_job)
    return {"client": client, "freelancer": freelancer, "job": first_job}


# name: (path, caller, eager queries). Eager: COUNT + one page query, plus the caller
# (a bearer token costs one lookup) and the parent object where the URL names one.
LISTS = {
    "jobs": ("/api/jobs/", None, 2),
    "users": ("/api/users/", None, 2),
    "job-applications": ("/api/jobs/{job}/applications/", "client", 4),
    "applications": ("/api/applications/", "freelancer", 3),
    "user-reviews": ("/api/users/{freelancer}/reviews/", None, 3),
    "saved-jobs": ("/api/saved-jobs/", "freelancer", 3),
    "payments": ("/api/payments/", "client", 3),
}


def queries(api, variant: str, path: str, user, **params) -> tuple[int, bytes]:
    with named(variant), CaptureQueriesContext(connection) as captured:
        response = api.get(path, user=user, **params)
    assert response.status_code == 200, response.content[:200]
    if "page_size" in params:
        assert len(response.json()["results"]) == params["page_size"]
    return len(captured), response.content


@pytest.mark.parametrize("name", LISTS)
def test_eager_count_is_constant_in_page_size_while_baseline_grows(api, busy, name):
    template, caller, expected = LISTS[name]
    path = template.format(job=busy["job"].pk, freelancer=busy["freelancer"].pk)
    user = busy[caller] if caller else None
    base_10, base_body_10 = queries(api, "baseline", path, user, page_size=10)
    base_50, base_body_50 = queries(api, "baseline", path, user, page_size=50)
    eager_10, eager_body_10 = queries(api, "eager", path, user, page_size=10)
    eager_50, eager_body_50 = queries(api, "eager", path, user, page_size=50)
    assert (eager_10, eager_50) == (expected, expected)
    assert base_50 - base_10 >= 40, (base_10, base_50)  # at least one query per extra row
    assert (eager_body_10, eager_body_50) == (base_body_10, base_body_50)


@pytest.mark.parametrize("name", LISTS)
def test_a_cache_hit_costs_no_data_query(api, busy, name):
    """Served from Redis: public answers touch no table, private ones only authenticate."""
    template, caller, _ = LISTS[name]
    path = template.format(job=busy["job"].pk, freelancer=busy["freelancer"].pk)
    user = busy[caller] if caller else None
    _, first = queries(api, "all", path, user, page_size=50)
    hit, again = queries(api, "all", path, user, page_size=50)
    assert again == first
    assert hit == (1 if caller else 0)


@pytest.mark.parametrize(
    ("template", "caller", "baseline", "eager", "hit"),
    [
        ("/api/jobs/{job}/", None, 6, 1, 0),
        ("/api/users/{freelancer}/", None, 4, 1, 0),
        ("/api/wallet/", "client", 2, 2, 1),  # the caller, then their wallet
    ],
)
def test_detail_query_counts_per_variant(api, busy, template, caller, baseline, eager, hit):
    Wallet.objects.create(user=busy["client"], balance=Decimal("12.50"))
    path = template.format(job=busy["job"].pk, freelancer=busy["freelancer"].pk)
    user = busy[caller] if caller else None
    counts = {}
    for variant in ("baseline", "eager", "all", "all"):  # the second "all" is a hit
        counts[variant], body = queries(api, variant, path, user)
        assert body == queries(api, "baseline", path, user)[1]
    assert (counts["baseline"], counts["eager"], counts["all"]) == (baseline, eager, hit)

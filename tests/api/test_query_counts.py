"""The baseline's N+1 is real: every list costs a fixed number of queries plus k per row.

These numbers document what the straightforward API does before any optimisation: the
eager-loading variant must make the per-row cost zero without changing a response byte.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from marketplace.accounts.models import Wallet
from tests.api import factories as f

ROWS = 25


@pytest.fixture
def busy(db):
    """A client with 25 jobs, each taken by one freelancer who was reviewed, paid and saved it."""
    client = f.user("client")
    freelancer = f.user("freelancer")
    sub = f.subcategory()
    for _ in range(ROWS):
        job = f.job(client, sub=sub)
        f.application(job, freelancer, status="accepted")
        f.review(client, freelancer, job)
        f.payment(job, freelancer)
        f.saved(freelancer, job)
        f.user("freelancer")
    first_job = client.jobs_as_client.order_by("id").first()
    for _ in range(ROWS - 1):
        f.application(first_job)
    return {"client": client, "freelancer": freelancer, "job": first_job}


def count_queries(api, path, user, page_size):
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path, user=user, page_size=page_size)
    assert response.status_code == 200
    assert len(response.json()["results"]) == page_size
    return len(captured)


# (path, caller, fixed queries, queries per row) -- fixed: COUNT + page, plus the caller
# (1 with a bearer token) and the parent object where the URL names one.
CASES = {
    "jobs": ("/api/jobs/", None, 2, 4),  # client, industry, subcategory, application count
    "users": ("/api/users/", None, 2, 3),  # profile, average rating, review count
    "job-applications": ("/api/jobs/{job}/applications/", "client", 4, 2),  # applicant, profile
    "applications": ("/api/applications/", "freelancer", 3, 2),  # job, employer
    "user-reviews": ("/api/users/{freelancer}/reviews/", None, 3, 2),  # reviewer, job
    "saved-jobs": ("/api/saved-jobs/", "freelancer", 3, 1),  # job
    "payments": ("/api/payments/", "client", 3, 3),  # payer, recipient, job
}


@pytest.mark.parametrize("case", CASES)
def test_list_queries_grow_per_row(api, busy, case):
    path, caller, fixed, per_row = CASES[case]
    path = path.format(job=busy["job"].pk, freelancer=busy["freelancer"].pk)
    user = busy[caller] if caller else None
    at_10 = count_queries(api, path, user, 10)
    at_20 = count_queries(api, path, user, 20)
    assert (at_10, at_20) == (fixed + 10 * per_row, fixed + 20 * per_row)


def test_job_list_at_page_size_10_and_20(api, busy):
    """The issue's example: the job list's query count doubles its per-row part."""
    at_10 = count_queries(api, "/api/jobs/", None, 10)
    at_20 = count_queries(api, "/api/jobs/", None, 20)
    assert at_20 - at_10 == 40


def test_public_endpoints_make_no_authentication_queries(api, busy):
    """A bearer token is checked by signature; the user row is read only when needed."""
    anonymous = count_queries(api, "/api/jobs/", None, 10)
    with_token = count_queries(api, "/api/jobs/", busy["client"], 10)
    assert anonymous == with_token


@pytest.mark.parametrize(
    ("path", "caller"),
    [
        ("/api/jobs/", None),
        ("/api/jobs/{job}/", None),
        ("/api/jobs/{job}/applications/", "client"),
        ("/api/applications/", "freelancer"),
        ("/api/users/", None),
        ("/api/users/{freelancer}/", None),
        ("/api/users/{freelancer}/reviews/", None),
        ("/api/saved-jobs/", "freelancer"),
        ("/api/payments/", "client"),
        ("/api/wallet/", "client"),
    ],
)
def test_responses_are_byte_identical_across_calls(api, busy, path, caller):
    Wallet.objects.create(user=busy["client"], balance=Decimal("1.00"))
    path = path.format(job=busy["job"].pk, freelancer=busy["freelancer"].pk)
    user = busy[caller] if caller else None
    first = api.get(path, user=user)
    assert first.status_code == 200
    assert api.get(path, user=user).content == first.content

"""A small marketplace for the DRF tests, built with the API tests' factories.

3 clients (one job each) and 2 freelancers who apply to every job (6 applications) and
review every client; all 5 users are in one group. Inside the ``db`` fixture's
transaction, rolled back after each test.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from marketplace.jobs.models import Application
from tests.api import factories
from tests.core.drf import serializers


@pytest.fixture
def drf_market(db, monkeypatch):
    # the model property of the "property" case, on the model for this test only
    monkeypatch.setattr(
        Application, "employer_name", property(serializers.employer_name), raising=False
    )
    group = Group.objects.create(name="drf-testers")
    sub = factories.subcategory()
    freelancers = [factories.user("freelancer") for _ in range(2)]
    jobs = []
    for rating in (3, 4, 5):
        client = factories.user("client")
        job = factories.job(client, sub=sub)
        for freelancer in freelancers:
            factories.application(job, freelancer)
            factories.review(freelancer, client, job, rating=rating)
        jobs.append(job)
    users = [job.client for job in jobs] + freelancers
    for user in users:
        user.groups.add(group)
    return {"jobs": jobs, "users": users, "freelancers": freelancers}

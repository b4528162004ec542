"""Fixtures for the measurement core: a small marketplace and a synthetic table with volume.

Everything is created inside the ``db`` fixture's transaction and rolled back, so the
shared test database is left as it was.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.db import connection

from marketplace.accounts.models import Profile, User
from marketplace.jobs.models import Application, Industry, Job, Subcategory
from marketplace.rating.models import Review

VIEWS = Path(__file__).with_name("views.py")


def marker_line(marker: str, path: Path = VIEWS) -> int:
    """The line number carrying ``# <marker>`` in ``path``."""
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        if f"# {marker}" in text:
            return number
    raise LookupError(marker)


def run_sql(*statements: str, params=None) -> list[tuple]:
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, params)
            if cursor.description:
                rows = cursor.fetchall()
    return rows


@pytest.fixture
def market(db):
    """4 users (with profiles and a group), 6 jobs, 2 applications each, a few reviews."""
    group = Group.objects.create(name="core-testers")
    users = [
        User.objects.create(email=f"core{i}@example.com", username=f"core{i}") for i in range(4)
    ]
    for i, user in enumerate(users):
        Profile.objects.create(user=user, role="client" if i % 2 else "freelancer")
        user.groups.add(group)
    industry = Industry.objects.create(name="core-industry")
    sub = Subcategory.objects.create(industry=industry, name="core-sub")
    jobs = []
    for i in range(6):
        jobs.append(
            Job.objects.create(
                client=users[i % 4],
                created_by=users[(i + 1) % 4],
                industry=industry,
                subcategory=sub,
                title=f"core job {i}",
                budget=Decimal("100.00"),
            )
        )
    for job in jobs:
        for applicant in users[:2]:
            Application.objects.create(
                job=job, applicant=applicant, employer=job.client, bid_amount=Decimal("50")
            )
    Review.objects.create(reviewer=users[0], reviewed=users[1], job=jobs[0], rating=4)
    Review.objects.create(reviewer=users[2], reviewed=users[1], job=jobs[1], rating=2)
    return {"users": users, "jobs": jobs, "group": group}


@pytest.fixture
def items(db):
    """``core_items``: 60,000 rows, ``a`` = i % 100 and ``b`` = i % 100 (correlated), analyzed.

    A real (not temporary) table, because parallel workers cannot read temporary ones;
    the test transaction's rollback removes it.
    """
    run_sql(
        "CREATE TABLE core_items (id int PRIMARY KEY, a int NOT NULL, b int NOT NULL, "
        "c text NOT NULL, d int NOT NULL)",
        "INSERT INTO core_items SELECT i, i % 100, i % 100, md5(i::text), (i * 7919) % 60000 "
        "FROM generate_series(1, 60000) AS i",
        "CREATE TABLE core_groups (id int PRIMARY KEY, label text NOT NULL)",
        "INSERT INTO core_groups SELECT i, 'group ' || i FROM generate_series(0, 99) AS i",
        "ANALYZE core_items",
        "ANALYZE core_groups",
    )
    return "core_items"

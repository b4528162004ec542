"""Property: API writes, ORM bulk writes and cached reads interleaved never show a stale answer.

The same World as ``test_property`` (its API and single-object ORM writes), plus the ORM
bulk writes no signal sees: ``QuerySet.update`` (moving rows to another user included),
queryset ``delete``, ``bulk_create`` and ``bulk_update``. A bulk write concerns every
user of the small marketplace, so each of them reads every endpoint before it (cache on)
and after it, when each cached answer is compared with the same read with the cache off.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import F
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import marketplace.cache
from marketplace.accounts.models import User, Wallet
from marketplace.api import invalidation
from marketplace.jobs.models import Application, Job, SavedJob
from marketplace.payment.models import Payment
from marketplace.rating.models import Review
from tests.optim import test_property as single
from tests.optim.test_property import World, freelancer_ix, job_ix, user_ix

jobs_ix = st.lists(job_ix, min_size=1, max_size=3, unique=True)
BULK = (
    st.tuples(st.just("update_jobs"), jobs_ix, st.sampled_from(single.PATCHES)),
    st.tuples(st.just("move_applications"), job_ix, freelancer_ix),
    st.tuples(st.just("update_wallets"), st.lists(user_ix, max_size=3), st.integers(1, 9)),
    st.tuples(st.just("update_money"), job_ix, st.integers(1, 5)),
    st.tuples(st.just("delete_saved"), user_ix),
    st.tuples(st.just("delete_applications"), job_ix),
    st.tuples(st.just("create_saved"), user_ix, jobs_ix),
    st.tuples(st.just("create_applications"), freelancer_ix, jobs_ix),
    st.tuples(st.just("bulk_update_jobs"), jobs_ix, st.integers(0, 99)),
    st.tuples(st.just("bulk_rename"), st.lists(user_ix, min_size=1, max_size=3, unique=True)),
    st.tuples(st.just("bulk_move_saved"), user_ix, user_ix),
)
writes = st.one_of(single.writes, *BULK)
steps = st.tuples(writes, user_ix, st.booleans())


class BulkWorld(World):
    def concerned(self, op: tuple, reader: int):
        if op[0] not in _BULK_OPS:
            return super().concerned(op, reader)
        jobs = {self.job(i) for i in _jobs_of(op)}
        return sorted(self.users, key=lambda u: u.pk), sorted(jobs, key=lambda j: j.pk)

    def jobs_at(self, indexes) -> list[Job]:
        jobs = {job.pk: job for job in (self.job(i) for i in indexes)}  # -1 may be 3
        return list(jobs.values())

    def update_jobs(self, indexes, field: str) -> None:
        change = {
            "title": {"title": "bulk title"},
            "budget": {"budget": F("budget") + 1},
            "status": {"status": "cancelled"},
            "date": {"date": "2022-02-02"},
            "description": {"description": "bulk description"},
        }[field]
        Job.objects.filter(pk__in=[j.pk for j in self.jobs_at(indexes)]).update(**change)

    def move_applications(self, job_index: int, freelancer_index: int) -> None:
        freelancer = self.freelancers[freelancer_index]
        self.job(job_index).applications.update(applicant=freelancer)

    def update_wallets(self, user_indexes, amount: int) -> None:
        users = [self.users[i].pk for i in user_indexes]
        Wallet.objects.filter(user__in=users).update(balance=F("balance") + amount)

    def update_money(self, job_index: int, amount: int) -> None:
        job = self.job(job_index)
        Payment.objects.filter(job=job).update(amount=F("amount") + amount, status="held")
        Review.objects.filter(job=job).update(rating=amount)

    def delete_saved(self, user_index: int) -> None:
        SavedJob.objects.filter(user=self.users[user_index]).delete()

    def delete_applications(self, job_index: int) -> None:
        Application.objects.filter(job=self.job(job_index), status="pending").delete()

    def create_saved(self, user_index: int, indexes) -> None:
        user = self.users[user_index]
        saved = set(SavedJob.objects.filter(user=user).values_list("job_id", flat=True))
        new = [SavedJob(user=user, job=j) for j in self.jobs_at(indexes) if j.pk not in saved]
        SavedJob.objects.bulk_create(new)

    def create_applications(self, freelancer_index: int, indexes) -> None:
        freelancer = self.freelancers[freelancer_index]
        Application.objects.bulk_create(
            [
                Application(job=j, applicant=freelancer, employer=j.client, bid_amount="7.00")
                for j in self.jobs_at(indexes)
            ]
        )

    def bulk_update_jobs(self, indexes, n: int) -> None:
        jobs = self.jobs_at(indexes)
        for job in jobs:
            job.title, job.budget = f"{job.title[:20]}~{n}", job.budget + Decimal(n)
        Job.objects.bulk_update(jobs, ["title", "budget"])

    def bulk_rename(self, user_indexes) -> None:
        users = list(User.objects.filter(pk__in=[self.users[i].pk for i in user_indexes]))
        for user in users:
            user.username = f"{user.username.split('~')[0]}~b{user.pk}{len(users)}"
        User.objects.bulk_update(users, ["username"])

    def bulk_move_saved(self, from_index: int, to_index: int) -> None:
        """bulk_update of a foreign key: rows move to another user (where none clash)."""
        source, target = self.users[from_index], self.users[to_index]
        taken = set(SavedJob.objects.filter(user=target).values_list("job_id", flat=True))
        rows = [s for s in SavedJob.objects.filter(user=source) if s.job_id not in taken]
        for row in rows:
            row.user = target
        SavedJob.objects.bulk_update(rows, ["user"])


_BULK_OPS = {
    "update_jobs", "move_applications", "update_wallets", "update_money", "delete_saved",
    "delete_applications", "create_saved", "create_applications", "bulk_update_jobs",
    "bulk_rename", "bulk_move_saved",
}  # fmt: skip


def _jobs_of(op: tuple) -> list[int]:
    name, args = op[0], op[1:]
    if name in ("update_jobs", "bulk_update_jobs"):
        return list(args[0])
    if name in ("create_saved", "create_applications"):
        return list(args[1])
    if name in ("move_applications", "update_money", "delete_applications"):
        return [args[0]]
    return []


@pytest.fixture
def bulk_example(api, db):
    """As test_property's ``example``: a fresh world in a rolled-back savepoint, no cache."""

    def start(steps: list[tuple]) -> None:
        with transaction.atomic():
            marketplace.cache.clear()
            marketplace.cache.reset()
            try:
                single.run(BulkWorld(api), steps)
            finally:
                transaction.set_rollback(True)
                marketplace.cache.clear()

    return start


@settings(
    max_examples=12,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(steps, min_size=2, max_size=4))
def test_bulk_writes_never_leave_a_stale_or_foreign_answer(bulk_example, steps):
    bulk_example(steps)


def test_the_property_catches_a_bulk_write_nobody_sees(bulk_example, monkeypatch):
    """Guard: with bulk writes unreported (as before), the same check fails."""
    monkeypatch.setattr(invalidation, "rows_written", lambda *args, **kwargs: None)
    with pytest.raises(AssertionError, match="stale or someone else's"):
        bulk_example([(("update_jobs", [2], "title"), 0, False)])

"""Who the scenarios call as and what they ask about, picked from whatever data is loaded.

A scenario's callers and the objects it requests are *subjects*, chosen
deterministically from the data (ties broken by the smallest id):

* ``busy_client``: the active client with the most jobs;
* ``busy_freelancer``: the active freelancer with the most applications;
* ``typical_client`` / ``typical_freelancer``: the median one of those (by jobs, by
  applications, among those with at least one), the request most users make;
* ``job``: the busy client's published job with the most applications.

The rankings behind them (:func:`ranked_clients`, :func:`ranked_freelancers`,
:func:`published_jobs`, :func:`ranked_reviewed`) also give the mixed workload its
many subjects, most popular first.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.db.models import Count

from marketplace.accounts.models import Profile, User
from marketplace.jobs.models import Application, Job
from marketplace.rating.models import Review

PERSONAS = ("busy_client", "busy_freelancer", "typical_client", "typical_freelancer")


class NoData(ValueError):
    """The database holds no data to pick subjects from (seed it first)."""


@dataclass(frozen=True)
class Subjects:
    """User and job ids the scenarios request, picked from the data."""

    busy_client: int
    busy_freelancer: int
    typical_client: int
    typical_freelancer: int
    job: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def active(role: str):
    """Active users in one role (a queryset)."""
    return User.objects.filter(is_active=True, profile__role=role)


def ranked_clients() -> list[tuple[int, int]]:
    """(client id, jobs) of active clients with jobs, busiest first."""
    rows = (
        Job.objects.filter(client__in=active(Profile.Role.CLIENT))
        .values("client_id")
        .annotate(n=Count("id"))
        .order_by("-n", "client_id")
        .values_list("client_id", "n")
    )
    return list(rows)


def ranked_freelancers() -> list[tuple[int, int]]:
    """(freelancer id, applications) of active freelancers who applied, busiest first."""
    rows = (
        Application.objects.filter(applicant__in=active(Profile.Role.FREELANCER))
        .values("applicant_id")
        .annotate(n=Count("id"))
        .order_by("-n", "applicant_id")
        .values_list("applicant_id", "n")
    )
    return list(rows)


def ranked_reviewed(depth: int) -> list[int]:
    """Ids of the ``depth`` active users with the most reviews received, most first."""
    return list(
        Review.objects.filter(reviewed__is_active=True)
        .values("reviewed_id")
        .annotate(n=Count("id"))
        .order_by("-n", "reviewed_id")
        .values_list("reviewed_id", flat=True)[:depth]
    )


def median(ranked: list[tuple[int, int]]) -> int:
    """The middle subject by activity (ascending activity, then id)."""
    ordered = sorted(ranked, key=lambda row: (row[1], row[0]))
    return ordered[(len(ordered) - 1) // 2][0]


def published_jobs(client_id: int | None = None):
    """Jobs past draft, the most applied-to first (newest first on ties); one client's if given."""
    jobs = Job.objects.exclude(status=Job.Status.DRAFT)
    if client_id is not None:
        jobs = jobs.filter(client_id=client_id)
    return jobs.annotate(n=Count("applications")).order_by("-n", "-id")


def pick_subjects() -> Subjects:
    """The callers and objects the scenarios use; the same data gives the same subjects."""
    clients, freelancers = ranked_clients(), ranked_freelancers()
    if not clients or not freelancers:
        raise NoData("no active client with jobs or freelancer with applications: seed first")
    busy_client = clients[0][0]
    job = published_jobs(busy_client).values_list("id", flat=True).first()
    if job is None:
        job = published_jobs().values_list("id", flat=True).first()
    return Subjects(
        busy_client=busy_client,
        busy_freelancer=freelancers[0][0],
        typical_client=median(clients),
        typical_freelancer=median(freelancers),
        job=job,
    )

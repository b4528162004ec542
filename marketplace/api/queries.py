"""The reads the API shares: per-row figures, eager annotations, and small lookups.

Each view builds its own queryset in ``get_queryset`` (the place a Django REST framework
project fixes an N+1). With both switches off (the default) those querysets are the
straightforward ones on purpose, so serialising a page issues the classic per-row
queries: the baseline the workbench measures. Under ``settings.WORKBENCH_EAGER`` (read
per call, see ``switches``) the views add ``select_related`` and the annotations below,
which the per-row functions here read instead of querying. ``settings.WORKBENCH_CACHE``
serves ratings and job statistics from Redis when they were not annotated.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, FloatField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from marketplace.accounts.models import Profile, Wallet
from marketplace.api import caching, switches
from marketplace.jobs.models import Application, Job, SavedJob
from marketplace.rating.models import Review

User = get_user_model()

# Newest first, with the primary key as tie-breaker so pages never overlap or skip rows.
JOB_ORDER = ("-date", "-id")
NEWEST_FIRST = ("-created_at", "-id")

_MISSING = object()
# Annotation names: present on a row only when it was loaded eagerly. They are the names
# the workbench's N+1 findings print (``annotate(count_applications=Count(...))``), so a
# printed fix pasted into a view's get_queryset is read by the serializer as it is.
APPLICATION_COUNT = "count_applications"
AVERAGE_RATING = "avg_rating"
REVIEW_COUNT = "count_reviews_received"
_CACHED_RATINGS = "_cached_ratings"


def related(queryset: QuerySet, *fields: str) -> QuerySet:
    """``select_related(*fields)`` under the eager switch, the lazy queryset otherwise."""
    return queryset.select_related(*fields) if switches.eager_loading() else queryset


def with_application_count(jobs: QuerySet) -> QuerySet:
    """A correlated COUNT subquery, not a JOIN + GROUP BY.

    Joining every application and grouping would aggregate the whole table before the
    page's LIMIT; PostgreSQL evaluates a subquery in the select list only for the rows
    returned, each one an index lookup on application.job_id.
    """
    per_job = (
        Application.objects.filter(job=OuterRef("pk"))
        .order_by()
        .values("job")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return jobs.annotate(**{APPLICATION_COUNT: Coalesce(Subquery(per_job), 0)})


def with_ratings(users: QuerySet) -> QuerySet:
    """Average rating and review count as subqueries (same AVG as Review.get_average_rating)."""
    received = Review.objects.filter(reviewed=OuterRef("pk")).order_by().values("reviewed")
    return users.annotate(
        **{
            AVERAGE_RATING: Subquery(
                received.annotate(a=Avg("rating")).values("a"), output_field=FloatField()
            ),
            REVIEW_COUNT: Coalesce(Subquery(received.annotate(n=Count("pk")).values("n")), 0),
        }
    )


# --------------------------------------------------------------------------- per-row figures


def application_count(job: Job) -> int:
    annotated = getattr(job, APPLICATION_COUNT, _MISSING)
    if annotated is not _MISSING:
        return annotated
    if switches.caching():
        return caching.application_count(job.pk, lambda: job.applications.count())
    return job.applications.count()


def _rounded(average: float | None) -> float | None:
    """The rounding Review.get_average_rating applies, for the annotated average."""
    return round(float(average), 2) if average is not None else None


def _cached_ratings(user) -> tuple[float | None, int]:
    """Both figures from Redis (computed together on a miss), read once per row."""
    found = getattr(user, _CACHED_RATINGS, None)
    if found is None:
        found = caching.rating_summary(
            user.pk,
            lambda: (
                Review.get_average_rating(user.pk),
                Review.objects.filter(reviewed_id=user.pk).count(),
            ),
        )
        setattr(user, _CACHED_RATINGS, found)
    return found


def average_rating(user) -> float | None:
    annotated = getattr(user, AVERAGE_RATING, _MISSING)
    if annotated is not _MISSING:
        return _rounded(annotated)
    if switches.caching():
        return _cached_ratings(user)[0]
    return Review.get_average_rating(user.pk)


def review_count(user) -> int:
    annotated = getattr(user, REVIEW_COUNT, _MISSING)
    if annotated is not _MISSING:
        return annotated
    if switches.caching():
        return _cached_ratings(user)[1]
    return Review.objects.filter(reviewed_id=user.pk).count()


# --------------------------------------------------------------------------- lookups


def job_by_id(job_id: int) -> Job | None:
    return Job.objects.filter(pk=job_id).first()


def user_by_id(user_id: int):
    return User.objects.filter(pk=user_id, is_active=True).first()


def role_of(user) -> str | None:
    try:
        return user.profile.role
    except Profile.DoesNotExist:
        return None


def has_applied(job: Job, user) -> bool:
    return Application.objects.filter(job=job, applicant=user).exists()


def accepted_applicant_ids(job: Job) -> set[int]:
    return set(
        Application.objects.filter(job=job, status=Application.Status.ACCEPTED).values_list(
            "applicant_id", flat=True
        )
    )


def review_exists(reviewer, reviewed, job: Job) -> bool:
    return Review.objects.filter(reviewer=reviewer, reviewed=reviewed, job=job).exists()


def saved_job(user, job_id: int) -> SavedJob | None:
    return SavedJob.objects.filter(user=user, job_id=job_id).first()


def wallet_of(user) -> Wallet | None:
    return Wallet.objects.filter(user=user).first()

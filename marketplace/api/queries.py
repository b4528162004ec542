"""Every read the API makes, one small function per endpoint or per-row lookup.

With both switches off (the default) this is the straightforward version on purpose:
serialising a page issues the classic per-row queries (a job's client, industry,
subcategory and application count; a user's profile, average rating and review count),
which is the baseline the workbench measures.

``settings.WORKBENCH_EAGER`` (read per call, see ``switches``) turns every per-row
relation into a ``select_related`` join and every per-row count or average into a
correlated subquery annotation, so a page costs one query whatever its size. No endpoint
serialises a to-many relation, so there is nothing for ``prefetch_related`` to do.
``settings.WORKBENCH_CACHE`` serves ratings and job statistics from Redis when they were
not annotated (see ``caching``). Views and serializers only call these functions, so the
variants change this module, not the endpoints.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Avg, Count, FloatField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from marketplace.accounts.models import Profile, Wallet
from marketplace.api import caching, switches
from marketplace.jobs.models import Application, Job, SavedJob
from marketplace.payment.models import Payment
from marketplace.rating.models import Review

User = get_user_model()

# Newest first, with the primary key as tie-breaker so pages never overlap or skip rows.
JOB_ORDER = ("-date", "-id")
NEWEST_FIRST = ("-created_at", "-id")


_MISSING = object()
# Annotation names: present on a row only when it was loaded eagerly.
APPLICATION_COUNT = "eager_application_count"
AVERAGE_RATING = "eager_average_rating"
REVIEW_COUNT = "eager_review_count"


def _related(queryset: QuerySet, *fields: str) -> QuerySet:
    """``select_related(*fields)`` under the eager switch, the lazy queryset otherwise."""
    return queryset.select_related(*fields) if switches.eager_loading() else queryset


def _with_application_count(jobs: QuerySet) -> QuerySet:
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


def _with_ratings(users: QuerySet) -> QuerySet:
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


@dataclass(frozen=True)
class JobFilters:
    status: str | None = None
    industry: int | None = None


@dataclass(frozen=True)
class StatusFilter:
    status: str | None = None


@dataclass(frozen=True)
class UserFilters:
    role: str | None = None


# --------------------------------------------------------------------------- jobs


def job_list_queryset(filters: JobFilters) -> QuerySet:
    """Published jobs: drafts are their client's business and never listed publicly."""
    jobs = Job.objects.exclude(status=Job.Status.DRAFT)
    if filters.status is not None:
        jobs = jobs.filter(status=filters.status)
    if filters.industry is not None:
        jobs = jobs.filter(industry_id=filters.industry)
    if switches.eager_loading():
        jobs = _with_application_count(jobs.select_related("client", "industry", "subcategory"))
    return jobs.order_by(*JOB_ORDER)


def job_by_id(job_id: int) -> Job | None:
    return Job.objects.filter(pk=job_id).first()


def job_for_detail(job_id: int) -> Job | None:
    """The job with everything its detail shows, in one query under the eager switch."""
    if not switches.eager_loading():
        return job_by_id(job_id)
    jobs = Job.objects.filter(pk=job_id).select_related(
        "client", "created_by", "industry", "subcategory"
    )
    return _with_application_count(jobs).first()


def application_count(job: Job) -> int:
    annotated = getattr(job, APPLICATION_COUNT, _MISSING)
    if annotated is not _MISSING:
        return annotated
    if switches.caching():
        return caching.application_count(job.pk, lambda: job.applications.count())
    return job.applications.count()


def job_applications_queryset(job: Job, filters: StatusFilter) -> QuerySet:
    applications = Application.objects.filter(job=job)
    if filters.status is not None:
        applications = applications.filter(status=filters.status)
    return _related(applications, "applicant__profile").order_by(*NEWEST_FIRST)


def has_applied(job: Job, user) -> bool:
    return Application.objects.filter(job=job, applicant=user).exists()


def accepted_applicant_ids(job: Job) -> set[int]:
    return set(
        Application.objects.filter(job=job, status=Application.Status.ACCEPTED).values_list(
            "applicant_id", flat=True
        )
    )


def my_applications_queryset(user, filters: StatusFilter) -> QuerySet:
    applications = Application.objects.filter(applicant=user)
    if filters.status is not None:
        applications = applications.filter(status=filters.status)
    return _related(applications, "job", "employer").order_by(*NEWEST_FIRST)


# --------------------------------------------------------------------------- users


def user_list_queryset(filters: UserFilters) -> QuerySet:
    users = User.objects.filter(is_active=True)
    if filters.role is not None:
        users = users.filter(profile__role=filters.role)
    if switches.eager_loading():
        users = _with_ratings(users.select_related("profile"))
    return users.order_by("id")


def user_by_id(user_id: int):
    return User.objects.filter(pk=user_id, is_active=True).first()


def user_for_detail(user_id: int):
    """The user with profile and ratings, in one query under the eager switch."""
    if not switches.eager_loading():
        return user_by_id(user_id)
    users = User.objects.filter(pk=user_id, is_active=True).select_related("profile")
    return _with_ratings(users).first()


def profile_of(user) -> Profile | None:
    try:
        return user.profile
    except Profile.DoesNotExist:
        return None


def role_of(user) -> str | None:
    profile = profile_of(user)
    return profile.role if profile is not None else None


def average_rating(user) -> float | None:
    return Review.get_average_rating(user.pk)


def review_count(user) -> int:
    return Review.objects.filter(reviewed_id=user.pk).count()


def _rounded(average: float | None) -> float | None:
    """The rounding Review.get_average_rating applies, for the annotated average."""
    return round(float(average), 2) if average is not None else None


def rating_summary(user) -> tuple[float | None, int]:
    """(average rating, review count): annotated, cached, or two queries (the baseline)."""
    annotated = getattr(user, AVERAGE_RATING, _MISSING)
    if annotated is not _MISSING:
        return _rounded(annotated), getattr(user, REVIEW_COUNT)
    if switches.caching():
        return caching.rating_summary(user.pk, lambda: (average_rating(user), review_count(user)))
    return average_rating(user), review_count(user)


def user_reviews_queryset(user) -> QuerySet:
    return _related(Review.objects.filter(reviewed=user), "reviewer", "job").order_by(*NEWEST_FIRST)


def review_exists(reviewer, reviewed, job: Job) -> bool:
    return Review.objects.filter(reviewer=reviewer, reviewed=reviewed, job=job).exists()


# --------------------------------------------------------------------------- the caller's own


def saved_jobs_queryset(user) -> QuerySet:
    return _related(SavedJob.objects.filter(user=user), "job").order_by("-saved_at", "-id")


def saved_job(user, job_id: int) -> SavedJob | None:
    return SavedJob.objects.filter(user=user, job_id=job_id).first()


def payments_queryset(user, filters: StatusFilter) -> QuerySet:
    payments = Payment.objects.filter(Q(payer=user) | Q(recipient=user))
    if filters.status is not None:
        payments = payments.filter(status=filters.status)
    return _related(payments, "payer", "recipient", "job").order_by(*NEWEST_FIRST)


def wallet_of(user) -> Wallet | None:
    return Wallet.objects.filter(user=user).first()

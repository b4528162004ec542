"""Every read the API makes, one small function per endpoint or per-row lookup.

This is the first, straightforward version on purpose: no select_related,
prefetch_related, annotations or caching. Serialising a page therefore issues the
classic per-row queries (a job's client, industry, subcategory and application count; a
user's profile, average rating and review count), which is the baseline the workbench
measures. Because views and serializers only call these functions, an eager-loading or
caching variant changes this module, not the endpoints.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from marketplace.accounts.models import Profile, Wallet
from marketplace.jobs.models import Application, Job, SavedJob
from marketplace.payment.models import Payment
from marketplace.rating.models import Review

User = get_user_model()

# Newest first, with the primary key as tie-breaker so pages never overlap or skip rows.
JOB_ORDER = ("-date", "-id")
NEWEST_FIRST = ("-created_at", "-id")


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
    return jobs.order_by(*JOB_ORDER)


def job_by_id(job_id: int) -> Job | None:
    return Job.objects.filter(pk=job_id).first()


def application_count(job: Job) -> int:
    return job.applications.count()


def job_applications_queryset(job: Job, filters: StatusFilter) -> QuerySet:
    applications = Application.objects.filter(job=job)
    if filters.status is not None:
        applications = applications.filter(status=filters.status)
    return applications.order_by(*NEWEST_FIRST)


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
    return applications.order_by(*NEWEST_FIRST)


# --------------------------------------------------------------------------- users


def user_list_queryset(filters: UserFilters) -> QuerySet:
    users = User.objects.filter(is_active=True)
    if filters.role is not None:
        users = users.filter(profile__role=filters.role)
    return users.order_by("id")


def user_by_id(user_id: int):
    return User.objects.filter(pk=user_id, is_active=True).first()


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


def user_reviews_queryset(user) -> QuerySet:
    return Review.objects.filter(reviewed=user).order_by(*NEWEST_FIRST)


def review_exists(reviewer, reviewed, job: Job) -> bool:
    return Review.objects.filter(reviewer=reviewer, reviewed=reviewed, job=job).exists()


# --------------------------------------------------------------------------- the caller's own


def saved_jobs_queryset(user) -> QuerySet:
    return SavedJob.objects.filter(user=user).order_by("-saved_at", "-id")


def saved_job(user, job_id: int) -> SavedJob | None:
    return SavedJob.objects.filter(user=user, job_id=job_id).first()


def payments_queryset(user, filters: StatusFilter) -> QuerySet:
    payments = Payment.objects.filter(Q(payer=user) | Q(recipient=user))
    if filters.status is not None:
        payments = payments.filter(status=filters.status)
    return payments.order_by(*NEWEST_FIRST)


def wallet_of(user) -> Wallet | None:
    return Wallet.objects.filter(user=user).first()

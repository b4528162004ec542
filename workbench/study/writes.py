"""A small default workload: the reads the marketplace's endpoints make, as plain ORM calls.

The index audit needs statements that filter and order the way the endpoints do (jobs
by status newest first, a client's jobs, a job's applications by status, a user's saved
jobs, payments, reviews, a login by email). Each function is one such read; it returns
a list so the query really runs. ``default_workload`` binds them to a *typical* subject
picked from the data (the median-activity client, job, user), so the plans are the ones
most requests get rather than the busiest outlier's. The scenario runner passes the
real endpoints instead; this is what ``workbench indexes audit`` uses on its own.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Count, Q

from marketplace.accounts.models import Profile, User
from marketplace.jobs.models import Application, Job, SavedJob
from marketplace.payment.models import Payment
from marketplace.rating.models import Review

PAGE = 20
NEWEST_FIRST = ("-created_at", "-id")


def open_jobs(page_size: int = PAGE) -> list:
    """GET /jobs?status=open: the public job list, newest first."""
    return list(Job.objects.filter(status=Job.Status.OPEN).order_by("-date", "-id")[:page_size])


def client_jobs(client_id: int, page_size: int = PAGE) -> list:
    """A client's own jobs, newest first."""
    return list(Job.objects.filter(client_id=client_id).order_by("-date", "-id")[:page_size])


def job_applications(job_id: int, status: str = "pending", page_size: int = PAGE) -> list:
    """GET /jobs/<id>/applications?status=...: a job's applications in one status."""
    qs = Application.objects.filter(job_id=job_id, status=status).order_by(*NEWEST_FIRST)
    return list(qs[:page_size])


def my_applications(applicant_id: int, page_size: int = PAGE) -> list:
    """A freelancer's own applications."""
    qs = Application.objects.filter(applicant_id=applicant_id).order_by(*NEWEST_FIRST)
    return list(qs[:page_size])


def saved_jobs(user_id: int, page_size: int = PAGE) -> list:
    """GET /me/saved-jobs: most recently saved first."""
    return list(SavedJob.objects.filter(user_id=user_id).order_by("-saved_at", "-id")[:page_size])


def my_payments(user_id: int, status: str | None = None, page_size: int = PAGE) -> list:
    """GET /me/payments: paid or received, optionally in one status."""
    qs = Payment.objects.filter(Q(payer_id=user_id) | Q(recipient_id=user_id))
    if status is not None:
        qs = qs.filter(status=status)
    return list(qs.order_by(*NEWEST_FIRST)[:page_size])


def payments_by_status(status: str = "held", page_size: int = PAGE) -> list:
    """An admin's view of payments in one status."""
    return list(Payment.objects.filter(status=status).order_by(*NEWEST_FIRST)[:page_size])


def user_reviews(user_id: int, page_size: int = PAGE) -> list:
    """GET /users/<id>/reviews plus the average rating shown beside them."""
    reviews = list(Review.objects.filter(reviewed_id=user_id).order_by(*NEWEST_FIRST)[:page_size])
    return [*reviews, Review.get_average_rating(user_id)]


def user_by_email(email: str) -> list:
    """The login lookup (USERNAME_FIELD is email)."""
    return list(User.objects.filter(email=email))


def freelancers(page_size: int = PAGE) -> list:
    """GET /users?role=freelancer."""
    qs = Profile.objects.filter(role=Profile.Role.FREELANCER).order_by("id")
    return list(qs[:page_size])


def _typical(queryset, field: str):
    """The median-activity value of ``field`` (ties broken by value), or None if no rows."""
    groups = queryset.values(field).annotate(n=Count("pk")).order_by("n", field)
    total = groups.count()
    return groups[total // 2][field] if total else None


def default_workload() -> list[tuple[str, Callable[[], object]]]:
    """The workload bound to typical subjects from the current data (picked outside capture)."""
    client = _typical(Job.objects.all(), "client_id")
    job = _typical(Application.objects.all(), "job_id")
    applicant = _typical(Application.objects.all(), "applicant_id")
    saver = _typical(SavedJob.objects.all(), "user_id")
    payer = _typical(Payment.objects.all(), "payer_id")
    reviewed = _typical(Review.objects.all(), "reviewed_id")
    email = User.objects.filter(pk=client).values_list("email", flat=True).first() or ""
    return [
        ("open_jobs", open_jobs),
        ("client_jobs", lambda: client_jobs(client or 0)),
        ("job_applications", lambda: job_applications(job or 0)),
        ("my_applications", lambda: my_applications(applicant or 0)),
        ("saved_jobs", lambda: saved_jobs(saver or 0)),
        ("my_payments", lambda: my_payments(payer or 0)),
        ("payments_by_status", payments_by_status),
        ("user_reviews", lambda: user_reviews(reviewed or 0)),
        ("login_by_email", lambda: user_by_email(email)),
        ("freelancers", freelancers),
    ]

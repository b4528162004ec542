"""Small views and loops with the classic N+1 shapes, and their fixed twins.

Each offending line carries a ``# N+1:`` marker so tests can find its line number.
"""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpResponse
from django.urls import path

from marketplace.accounts.models import User
from marketplace.jobs.models import Job
from marketplace.rating.models import Review


def job_list(request):
    jobs = Job.objects.order_by("id")
    if request.GET.get("eager"):
        jobs = jobs.select_related("client")
    lines = []
    for job in jobs:
        lines.append(f"{job.title} by {job.client.username}")  # N+1: client
    return HttpResponse("\n".join(lines))


urlpatterns = [path("jobs/", job_list)]


def applicants_per_job(eager: bool = False) -> dict[str, list[int]]:
    jobs = Job.objects.order_by("id")
    if eager:
        jobs = jobs.prefetch_related("applications")
    out = {}
    for job in jobs:
        out[job.title] = [a.applicant_id for a in job.applications.all()]  # N+1: applications
    return out


def application_counts(eager: bool = False) -> dict[str, int]:
    if eager:
        jobs = Job.objects.annotate(n=Count("applications")).order_by("id")
        return {job.title: job.n for job in jobs}
    out = {}
    for job in Job.objects.order_by("id"):
        out[job.title] = job.applications.count()  # N+1: count
    return out


def average_ratings() -> dict[str, float | None]:
    out = {}
    for user in User.objects.order_by("id"):
        out[user.username] = Review.get_average_rating(user.id)  # N+1: rating
    return out


def roles() -> list[str]:
    out = []
    for user in User.objects.order_by("id"):
        out.append(user.profile.role)  # N+1: profile
    return out


def group_names() -> list[list[str]]:
    out = []
    for user in User.objects.order_by("id"):
        out.append([g.name for g in user.groups.all()])  # N+1: groups
    return out


def clients_by_get() -> list[str]:
    out = []
    for job in Job.objects.order_by("id"):
        out.append(User.objects.get(pk=job.client_id).username)  # N+1: get
    return out


def retitle_one_by_one() -> None:
    for job in Job.objects.order_by("id"):
        job.title = job.title.upper()
        job.save(update_fields=["title"])  # N+1: save


def same_user_twice(user_id: int) -> list[str]:
    return [User.objects.get(pk=user_id).username for _ in range(3)]  # duplicate

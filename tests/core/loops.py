"""Loops whose N+1 is named by the attribute that issued it, not by the SQL alone.

Each offending line carries a ``# N+1:`` marker (``conftest.marker_line``); each loop
takes the fix the detector prints as its ``fix`` argument, so a test can run it fixed.
"""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from marketplace.jobs.models import Application, Job


def _fixed(queryset: QuerySet, fix: str | None) -> QuerySet:
    if fix is None:
        return queryset
    method, _, lookups = fix.partition(":")
    if method == "select_related":
        return queryset.select_related(*lookups.split(","))
    return queryset.prefetch_related(*lookups.split(","))


def employers(job: Job, fix: str | None = None) -> list[str]:
    """Every application to one job has the same employer: still one lookup per row."""
    applications = _fixed(Application.objects.filter(job=job).order_by("id"), fix)  # loop: one
    return [a.employer.username for a in applications]  # N+1: same employer


def employers_after_jobs(fix: str | None = None) -> list[str]:
    """The job (another table pointing at users) is read between the employer lookups."""
    out = []
    for application in _fixed(Application.objects.order_by("id"), fix):
        title = application.job.title  # N+1: job
        out.append(f"{title}: {application.employer.username}")  # N+1: employer
    return out


def applicant_roles(fix: str | None = None) -> list[str]:
    """The profile of the applicant of each application: a path of two relations."""
    out = []
    for application in _fixed(Application.objects.order_by("id"), fix):  # loop: nested
        out.append(application.applicant.profile.role)  # N+1: applicant profile
    return out


def applicants_per_job(fix: str | None = None) -> list[list[str]]:
    """A to-many relation, then a forward one from each of its rows."""
    out = []
    for job in _fixed(Job.objects.order_by("id"), fix):
        out.append([a.applicant.username for a in job.applications.all()])  # N+1: to-many
    return out


def pending_per_job(prefetch: bool = False) -> list[list[int]]:
    """A filtered to-many relation: the fix is a ``Prefetch`` with that filter."""
    jobs = Job.objects.order_by("id")
    if prefetch:
        pending = Application.objects.filter(status="pending")
        jobs = jobs.prefetch_related(Prefetch("applications", queryset=pending))
        return [[a.pk for a in job.applications.all()] for job in jobs]
    return [
        [a.pk for a in job.applications.filter(status="pending")]  # N+1: filtered
        for job in jobs
    ]

"""Who may see and change what, in one place so every endpoint answers the same way.

The rule: an object everybody may see (a published job, a user) answers 403 when the
caller may not act on it; an object only its owners may see (a draft job, an application,
a payment, a wallet, a saved job) answers 404 to everyone else, exactly as if it did not
exist, so ids cannot be probed. Lists of private objects are filtered to the caller's own.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from marketplace.api import queries
from marketplace.api.auth import current_user
from marketplace.api.errors import forbidden, not_found
from marketplace.jobs.models import Job


def visible_job(
    request: HttpRequest, job_id: int, load: Callable[[int], Job | None] = queries.job_by_id
) -> Job:
    """The job if the caller may see it; a draft only to its client (404 otherwise)."""
    job = load(job_id)
    if job is None:
        raise not_found("job")
    if job.status == Job.Status.DRAFT:
        viewer = current_user(request)
        if viewer is None or viewer.pk != job.client_id:
            raise not_found("job")
    return job


def require_client_of(job: Job, user, action: str) -> None:
    if job.client_id != user.pk:
        raise forbidden(f"only the job's client can {action}")


def require_role(user, role: str, action: str) -> None:
    """Roles live on the profile; a user without one has no role and may do none of this."""
    if queries.role_of(user) != role:
        raise forbidden(f"only {role}s can {action}")

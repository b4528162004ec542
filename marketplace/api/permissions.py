"""Who may see and change what, in one place so every endpoint answers the same way.

The rule: an object everybody may see (a published job, a user) answers 403 when the
caller may not act on it; an object only its owners may see (a draft job, an application,
a payment, a wallet, a saved job) answers 404 to everyone else, exactly as if it did not
exist, so ids cannot be probed. Lists of private objects are filtered to the caller's own
in the views' ``get_queryset``.
"""

from __future__ import annotations

from collections.abc import Callable

from rest_framework import permissions
from rest_framework.exceptions import APIException, NotFound, PermissionDenied

from marketplace.api import queries
from marketplace.jobs.models import Job


class Conflict(APIException):
    """409: the input is well formed but repeats something that may exist only once."""

    status_code = 409
    default_detail = "conflict"
    default_code = "conflict"


class IsAuthenticatedToWrite(permissions.BasePermission):
    """Anyone may read; writing needs a caller (401 otherwise)."""

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return bool(request.user and request.user.is_authenticated)


def caller(request):
    """The authenticated user or None, resolving the token only when asked."""
    user = request.user
    return user if user is not None and user.is_authenticated else None


def visible_job(request, job_id: int, load: Callable[[int], Job | None] = queries.job_by_id) -> Job:
    """The job if the caller may see it; a draft only to its client (404 otherwise)."""
    job = load(job_id)
    if job is None:
        raise NotFound("job not found")
    if job.status == Job.Status.DRAFT:
        viewer = caller(request)
        if viewer is None or viewer.pk != job.client_id:
            raise NotFound("job not found")
    return job


def require_client_of(job: Job, user, action: str) -> None:
    if job.client_id != user.pk:
        raise PermissionDenied(f"only the job's client can {action}")


def require_role(user, role: str, action: str) -> None:
    """Roles live on the profile; a user without one has no role and may do none of this."""
    if queries.role_of(user) != role:
        raise PermissionDenied(f"only {role}s can {action}")

"""/api/saved-jobs/: the caller's bookmarks; saving twice is harmless, DELETE is by job id."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse

from marketplace.api import queries, serializers
from marketplace.api import validation as v
from marketplace.api.auth import require_user
from marketplace.api.caching import cached_response
from marketplace.api.errors import invalid, not_found
from marketplace.api.http import api_view, json_body, no_content, ok
from marketplace.api.pagination import page_from, paginate
from marketplace.jobs.models import Job, SavedJob


@cached_response(
    "saved-jobs", per_user=True, depends=lambda user_id, kw: [f"user:{user_id}", "jobrefs"]
)
def list_saved(request: HttpRequest) -> HttpResponse:
    user = require_user(request)
    page = page_from(request.GET)
    return ok(paginate(queries.saved_jobs_queryset(user), page, serializers.saved_job))


def save(request: HttpRequest) -> HttpResponse:
    """201 when newly saved, 200 with the existing bookmark when it was saved already."""
    user = require_user(request)
    data = json_body(request)
    v.reject_unknown(data, ("job",))
    job_id = v.object_id(v.require(data, "job"), "job")
    job = queries.job_by_id(job_id)
    if job is None or (job.status == Job.Status.DRAFT and job.client_id != user.pk):
        raise invalid("job", f"no job with id {job_id}")
    existing = queries.saved_job(user, job_id)
    if existing is not None:
        return ok(serializers.saved_job(existing))
    try:
        with transaction.atomic():
            saved = SavedJob.objects.create(user=user, job=job)
    except IntegrityError:  # saved by a concurrent request in between
        return ok(serializers.saved_job(queries.saved_job(user, job_id)))
    return ok(serializers.saved_job(saved), status=201)


def unsave(request: HttpRequest) -> HttpResponse:
    """The job id comes as ``?job=<id>`` or as a JSON body ``{"job": <id>}``."""
    user = require_user(request)
    raw = request.GET.get("job")
    if raw is None:
        raw = json_body(request).get("job")
    if raw is None or raw == "":
        raise invalid("job", "job is required (?job=<id>)")
    job_id = v.object_id(raw, "job")
    saved = queries.saved_job(user, job_id)
    if saved is None:
        raise not_found("saved job")
    saved.delete()
    return no_content()


saved_jobs = api_view(GET=list_saved, POST=save, DELETE=unsave)

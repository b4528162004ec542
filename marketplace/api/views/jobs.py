"""/api/jobs/ and /api/jobs/<id>/: the public job board, and clients posting and editing jobs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from marketplace.api import queries, serializers
from marketplace.api import validation as v
from marketplace.api.access import require_client_of, require_role, visible_job
from marketplace.api.auth import require_user
from marketplace.api.caching import cached_response, do_not_cache
from marketplace.api.errors import invalid
from marketplace.api.http import api_view, json_body, ok
from marketplace.api.pagination import page_from, paginate
from marketplace.jobs.models import Industry, Job, Subcategory

Status = Job.Status
PUBLIC_STATUSES = [s for s in Status.values if s != Status.DRAFT]
# Where a job may go from each status; staying put is always allowed (PATCH is idempotent).
TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.OPEN, Status.CANCELLED},
    Status.OPEN: {Status.IN_PROGRESS, Status.CANCELLED},
    Status.IN_PROGRESS: {Status.COMPLETED, Status.CANCELLED},
    Status.COMPLETED: set(),
    Status.CANCELLED: set(),
}
EDITABLE = ("title", "description", "budget", "date", "industry", "subcategory", "status")


@cached_response("jobs", per_user=False, depends=lambda user_id, kw: ["jobs", "names"])
def list_jobs(request: HttpRequest) -> HttpResponse:
    filters = queries.JobFilters(
        status=v.optional(request.GET, "status", v.choice, PUBLIC_STATUSES),
        industry=v.optional(request.GET, "industry", v.object_id),
    )
    page = page_from(request.GET)
    return ok(paginate(queries.job_list_queryset(filters), page, serializers.job_item))


def _category(data: dict[str, Any], job: Job | None) -> tuple[Industry, Subcategory]:
    """The industry and subcategory from the body (or the job's), checked to belong together."""
    if job is None:
        v.require(data, "industry")
        v.require(data, "subcategory")
    if "industry" in data:
        industry_id = v.object_id(data["industry"], "industry")
        industry = Industry.objects.filter(pk=industry_id).first()
        if industry is None:
            raise invalid("industry", f"no industry with id {industry_id}")
    else:
        industry = job.industry
    if "subcategory" in data:
        subcategory_id = v.object_id(data["subcategory"], "subcategory")
        subcategory = Subcategory.objects.filter(pk=subcategory_id).first()
        if subcategory is None:
            raise invalid("subcategory", f"no subcategory with id {subcategory_id}")
    else:
        subcategory = job.subcategory
    if subcategory.industry_id != industry.pk:
        raise invalid(
            "subcategory",
            f"subcategory {subcategory.pk} does not belong to industry {industry.pk}",
        )
    return industry, subcategory


def create_job(request: HttpRequest) -> HttpResponse:
    user = require_user(request)
    data = json_body(request)
    require_role(user, "client", "post jobs")
    v.reject_unknown(data, EDITABLE)
    title = v.text(v.require(data, "title"), "title", max_length=200, blank=False)
    description = v.text(data.get("description", ""), "description")
    budget = v.money(v.require(data, "budget"), "budget")
    industry, subcategory = _category(data, None)
    status = v.choice(data.get("status", Status.OPEN), "status", [Status.DRAFT, Status.OPEN])
    date = v.iso_date(data["date"], "date") if "date" in data else timezone.localdate()
    job = Job.objects.create(
        client=user,
        created_by=user,
        industry=industry,
        subcategory=subcategory,
        title=title,
        description=description,
        status=status,
        date=date,
        budget=budget,
    )
    return ok(serializers.job_detail(job), status=201)


@cached_response(
    "job", per_user=False, depends=lambda user_id, kw: [f"job:{kw['job_id']}", "names"]
)
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = visible_job(request, job_id, queries.job_for_detail)
    response = ok(serializers.job_detail(job))
    # A draft is shown to its client only: that answer must not become the public one.
    return do_not_cache(response) if job.status == Status.DRAFT else response


def update_job(request: HttpRequest, job_id: int) -> HttpResponse:
    user = require_user(request)
    job = visible_job(request, job_id, queries.job_for_detail)
    require_client_of(job, user, "change it")
    data = json_body(request)
    v.reject_unknown(data, EDITABLE)
    changed: list[str] = []
    if "title" in data:
        job.title = v.text(data["title"], "title", max_length=200, blank=False)
        changed.append("title")
    if "description" in data:
        job.description = v.text(data["description"], "description")
        changed.append("description")
    if "budget" in data:
        job.budget = v.money(data["budget"], "budget")
        changed.append("budget")
    if "date" in data:
        job.date = v.iso_date(data["date"], "date")
        changed.append("date")
    if "industry" in data or "subcategory" in data:
        job.industry, job.subcategory = _category(data, job)
        changed += ["industry", "subcategory"]
    if "status" in data:
        status = v.choice(data["status"], "status", Status.values)
        if status != job.status and status not in TRANSITIONS[job.status]:
            allowed = ", ".join(sorted(TRANSITIONS[job.status])) or "none"
            raise invalid(
                "status", f"a {job.status} job cannot become {status} (allowed: {allowed})"
            )
        job.status = status
        changed.append("status")
    if changed:
        job.save(update_fields=changed)
    return ok(serializers.job_detail(job))


jobs = api_view(GET=list_jobs, POST=create_job)
job = api_view(GET=job_detail, PATCH=update_job)

"""Applications: a job's applicants (its client only), applying, and the caller's own."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse

from marketplace.api import queries, serializers
from marketplace.api import validation as v
from marketplace.api.access import require_client_of, require_role, visible_job
from marketplace.api.auth import require_user
from marketplace.api.caching import cached_response
from marketplace.api.errors import conflict, invalid
from marketplace.api.http import api_view, json_body, ok
from marketplace.api.pagination import page_from, paginate
from marketplace.jobs.models import Application, Job


def _status_filter(request: HttpRequest) -> queries.StatusFilter:
    return queries.StatusFilter(
        v.optional(request.GET, "status", v.choice, Application.Status.values)
    )


@cached_response(
    "job-applications", per_user=True, depends=lambda user_id, kw: [f"job:{kw['job_id']}", "names"]
)
def job_applications(request: HttpRequest, job_id: int) -> HttpResponse:
    user = require_user(request)
    job = visible_job(request, job_id)
    require_client_of(job, user, "see its applications")
    filters = _status_filter(request)
    page = page_from(request.GET)
    return ok(
        paginate(
            queries.job_applications_queryset(job, filters),
            page,
            serializers.application_for_client,
        )
    )


def apply(request: HttpRequest, job_id: int) -> HttpResponse:
    user = require_user(request)
    job = visible_job(request, job_id)
    data = json_body(request)
    require_role(user, "freelancer", "apply to jobs")
    v.reject_unknown(data, ("bid_amount", "cover_letter"))
    bid_amount = v.money(v.require(data, "bid_amount"), "bid_amount")
    cover_letter = v.text(data.get("cover_letter", ""), "cover_letter")
    if job.client_id == user.pk:
        raise invalid("job", "you cannot apply to your own job")
    with transaction.atomic():
        # Locking the job row serialises concurrent applications by the same freelancer,
        # so "once per job" holds without a unique constraint in the schema.
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status != Job.Status.OPEN:
            raise invalid("job", f"the job is {job.status}, not open for applications")
        if queries.has_applied(job, user):
            raise conflict("job", "you have already applied to this job")
        application = Application.objects.create(
            job=job,
            applicant=user,
            employer_id=job.client_id,
            bid_amount=bid_amount,
            cover_letter=cover_letter,
        )
    return ok(serializers.application_for_applicant(application), status=201)


@cached_response(
    "applications",
    per_user=True,
    depends=lambda user_id, kw: [f"user:{user_id}", "jobrefs", "names"],
)
def my_applications(request: HttpRequest) -> HttpResponse:
    user = require_user(request)
    filters = _status_filter(request)
    page = page_from(request.GET)
    return ok(
        paginate(
            queries.my_applications_queryset(user, filters),
            page,
            serializers.application_for_applicant,
        )
    )


job_applications_view = api_view(GET=job_applications, POST=apply)
my_applications_view = api_view(GET=my_applications)

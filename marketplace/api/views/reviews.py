"""POST /api/reviews/: a client and a freelancer who worked together on a job rate each other."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse

from marketplace.api import queries, serializers
from marketplace.api import validation as v
from marketplace.api.auth import require_user
from marketplace.api.errors import conflict, forbidden, invalid
from marketplace.api.http import api_view, json_body, ok
from marketplace.jobs.models import Job
from marketplace.rating.models import Review


def create_review(request: HttpRequest) -> HttpResponse:
    """Allowed only between a job's client and one of its accepted applicants, either way."""
    reviewer = require_user(request)
    data = json_body(request)
    v.reject_unknown(data, ("reviewed", "job", "rating", "comment"))
    job_id = v.object_id(v.require(data, "job"), "job")
    reviewed_id = v.object_id(v.require(data, "reviewed"), "reviewed")
    rating = v.integer(v.require(data, "rating"), "rating", low=1, high=5)
    comment = v.text(data.get("comment", ""), "comment")

    job = queries.job_by_id(job_id)
    if job is None or (job.status == Job.Status.DRAFT and job.client_id != reviewer.pk):
        raise invalid("job", f"no job with id {job_id}")
    reviewed = queries.user_by_id(reviewed_id)
    if reviewed is None:
        raise invalid("reviewed", f"no user with id {reviewed_id}")
    if reviewed.pk == reviewer.pk:
        raise invalid("reviewed", "you cannot review yourself")
    accepted = queries.accepted_applicant_ids(job)
    if reviewer.pk == job.client_id:
        counterpart_ok = reviewed.pk in accepted
    elif reviewer.pk in accepted:
        counterpart_ok = reviewed.pk == job.client_id
    else:
        raise forbidden("you can only review people you worked with on this job")
    if not counterpart_ok:
        raise invalid("reviewed", "you did not work with this user on this job")
    if queries.review_exists(reviewer, reviewed, job):
        raise conflict("job", "you have already reviewed this user for this job")
    try:
        with transaction.atomic():
            review = Review.objects.create(
                reviewer=reviewer, reviewed=reviewed, job=job, rating=rating, comment=comment
            )
    except IntegrityError:  # the same review posted twice at once
        raise conflict("job", "you have already reviewed this user for this job") from None
    return ok(serializers.review(review), status=201)


reviews = api_view(POST=create_review)

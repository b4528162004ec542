"""POST /api/reviews/: a client and a freelancer who worked together on a job rate each other."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from marketplace.api import inputs, queries
from marketplace.api.permissions import Conflict
from marketplace.api.serializers import ReviewSerializer
from marketplace.api.views.base import PrivateView
from marketplace.jobs.models import Job
from marketplace.rating.models import Review

ALREADY = "you have already reviewed this user for this job"


class ReviewCreateView(PrivateView, generics.CreateAPIView):
    """Allowed only between a job's client and one of its accepted applicants, either way."""

    serializer_class = ReviewSerializer
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(request=inputs.ReviewInput, responses={201: ReviewSerializer})
    def post(self, request, *args, **kwargs):
        reviewer = request.user
        found = inputs.ReviewInput(data=request.data)
        found.is_valid(raise_exception=True)
        data = found.validated_data
        job = queries.job_by_id(data["job"])
        if job is None or (job.status == Job.Status.DRAFT and job.client_id != reviewer.pk):
            raise ValidationError({"job": [f"no job with id {data['job']}"]})
        reviewed = queries.user_by_id(data["reviewed"])
        if reviewed is None:
            raise ValidationError({"reviewed": [f"no user with id {data['reviewed']}"]})
        if reviewed.pk == reviewer.pk:
            raise ValidationError({"reviewed": ["you cannot review yourself"]})
        accepted = queries.accepted_applicant_ids(job)
        if reviewer.pk == job.client_id:
            counterpart_ok = reviewed.pk in accepted
        elif reviewer.pk in accepted:
            counterpart_ok = reviewed.pk == job.client_id
        else:
            raise PermissionDenied("you can only review people you worked with on this job")
        if not counterpart_ok:
            raise ValidationError({"reviewed": ["you did not work with this user on this job"]})
        if queries.review_exists(reviewer, reviewed, job):
            raise Conflict({"job": [ALREADY]})
        try:
            with transaction.atomic():
                review = Review.objects.create(
                    reviewer=reviewer,
                    reviewed=reviewed,
                    job=job,
                    rating=data["rating"],
                    comment=data["comment"],
                )
        except IntegrityError:  # the same review posted twice at once
            raise Conflict({"job": [ALREADY]}) from None
        return Response(self.get_serializer(review).data, status=status.HTTP_201_CREATED)

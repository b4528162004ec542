"""/api/jobs/ and /api/jobs/<id>/: the public job board, and clients posting and editing jobs."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.response import Response

from marketplace.api import inputs, queries, switches
from marketplace.api.caching import CachedGet
from marketplace.api.permissions import (
    IsAuthenticatedToWrite,
    require_client_of,
    require_role,
    visible_job,
)
from marketplace.api.serializers import JobDetailSerializer, JobSerializer
from marketplace.api.views.base import ApiView
from marketplace.jobs.models import Job


def job_for_detail(job_id: int) -> Job | None:
    """The job with everything its detail shows, in one query under the eager switch."""
    jobs = Job.objects.filter(pk=job_id)
    if switches.eager_loading():
        jobs = queries.with_application_count(
            jobs.select_related("client", "created_by", "industry", "subcategory")
        )
    return jobs.first()


@extend_schema_view(get=extend_schema(parameters=[inputs.JobFilters]))
class JobListView(CachedGet, ApiView, generics.ListAPIView):
    """Published jobs, newest first; clients post new ones."""

    serializer_class = JobSerializer
    permission_classes = [IsAuthenticatedToWrite]
    cache_name = "jobs"

    def cache_depends(self, user_id: int | None) -> list[str]:
        return ["jobs", "names"]

    def get_queryset(self):
        jobs = Job.objects.exclude(status=Job.Status.DRAFT)
        found = self.filters(inputs.JobFilters)
        if "status" in found:
            jobs = jobs.filter(status=found["status"])
        if "industry" in found:
            jobs = jobs.filter(industry_id=found["industry"])
        if switches.eager_loading():
            jobs = queries.with_application_count(
                jobs.select_related("client", "industry", "subcategory")
            )
        return jobs.order_by(*queries.JOB_ORDER)

    @extend_schema(request=inputs.JobInput, responses={201: JobDetailSerializer})
    def post(self, request, *args, **kwargs):
        user = request.user
        require_role(user, "client", "post jobs")
        found = inputs.JobInput(data=request.data)
        found.is_valid(raise_exception=True)
        job = found.save(client=user, created_by=user)
        data = JobDetailSerializer(job, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)


class JobDetailView(CachedGet, ApiView, generics.RetrieveAPIView):
    """One job; a draft only to its client. Its client edits it with PATCH."""

    serializer_class = JobDetailSerializer
    permission_classes = [IsAuthenticatedToWrite]
    http_method_names = ["get", "patch", "head", "options"]
    cache_name = "job"

    def cache_depends(self, user_id: int | None) -> list[str]:
        return [f"job:{self.kwargs['job_id']}", "names"]

    def get_object(self) -> Job:
        return visible_job(self.request, self.kwargs["job_id"], job_for_detail)

    def retrieve(self, request, *args, **kwargs):
        job = self.get_object()
        # A draft is shown to its client only: that answer must not become the public one.
        self.do_not_cache = job.status == Job.Status.DRAFT
        return Response(self.get_serializer(job).data)

    @extend_schema(request=inputs.JobInput, responses=JobDetailSerializer)
    def patch(self, request, *args, **kwargs):
        job = self.get_object()
        require_client_of(job, request.user, "change it")
        found = inputs.JobInput(job, data=request.data, partial=True)
        found.is_valid(raise_exception=True)
        changed = list(found.validated_data)
        if changed:
            for name, value in found.validated_data.items():
                setattr(job, name, value)
            job.save(update_fields=changed)
        return Response(self.get_serializer(job).data)

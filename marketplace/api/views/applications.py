"""Applications: a job's applicants (its client only), applying, and the caller's own."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from marketplace.api import inputs, queries, switches
from marketplace.api.caching import CachedGet
from marketplace.api.permissions import Conflict, require_client_of, require_role, visible_job
from marketplace.api.serializers import ApplicationForClientSerializer, ApplicationSerializer
from marketplace.api.views.base import PrivateView
from marketplace.jobs.models import Application, Job


@extend_schema_view(get=extend_schema(parameters=[inputs.StatusFilter]))
class JobApplicationsView(CachedGet, PrivateView, generics.ListAPIView):
    """A job's applications, for its client; freelancers apply with POST."""

    serializer_class = ApplicationForClientSerializer
    permission_classes = [permissions.IsAuthenticated]
    cache_name = "job-applications"
    cache_per_user = True

    def cache_depends(self, user_id: int | None) -> list[str]:
        return [f"job:{self.kwargs['job_id']}", "names"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the types
            return Application.objects.none()
        job = visible_job(self.request, self.kwargs["job_id"])
        require_client_of(job, self.request.user, "see its applications")
        applications = Application.objects.filter(job=job)
        found = self.filters(inputs.StatusFilter)
        if "status" in found:
            applications = applications.filter(status=found["status"])
        if switches.eager_loading():
            applications = applications.select_related("applicant__profile")
        return applications.order_by(*queries.NEWEST_FIRST)

    @extend_schema(request=inputs.ApplicationInput, responses={201: ApplicationSerializer})
    def post(self, request, *args, **kwargs):
        user = request.user
        job = visible_job(request, self.kwargs["job_id"])
        found = inputs.ApplicationInput(data=request.data)
        require_role(user, "freelancer", "apply to jobs")
        found.is_valid(raise_exception=True)
        if job.client_id == user.pk:
            raise ValidationError({"job": ["you cannot apply to your own job"]})
        with transaction.atomic():
            # Locking the job row serialises concurrent applications by the same freelancer,
            # so "once per job" holds without a unique constraint in the schema.
            job = Job.objects.select_for_update().get(pk=job.pk)
            if job.status != Job.Status.OPEN:
                raise ValidationError(
                    {"job": [f"the job is {job.status}, not open for applications"]}
                )
            if queries.has_applied(job, user):
                raise Conflict({"job": ["you have already applied to this job"]})
            application = Application.objects.create(
                job=job,
                applicant=user,
                employer_id=job.client_id,
                **found.validated_data,
            )
        data = ApplicationSerializer(application, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)


@extend_schema_view(get=extend_schema(parameters=[inputs.StatusFilter]))
class MyApplicationsView(CachedGet, PrivateView, generics.ListAPIView):
    """The caller's own applications, newest first."""

    serializer_class = ApplicationSerializer
    cache_name = "applications"
    cache_per_user = True

    def cache_depends(self, user_id: int | None) -> list[str]:
        return [f"user:{user_id}", "jobrefs", "names"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Application.objects.none()
        applications = Application.objects.filter(applicant=self.request.user)
        found = self.filters(inputs.StatusFilter)
        if "status" in found:
            applications = applications.filter(status=found["status"])
        if switches.eager_loading():
            applications = applications.select_related("job", "employer")
        return applications.order_by(*queries.NEWEST_FIRST)

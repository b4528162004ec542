"""/api/saved-jobs/: the caller's bookmarks; saving twice is harmless, DELETE is by job id."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from marketplace.api import inputs, queries, switches
from marketplace.api.caching import CachedGet
from marketplace.api.serializers import SavedJobSerializer
from marketplace.api.views.base import PrivateView
from marketplace.jobs.models import Job, SavedJob


class JobQuery(serializers.Serializer):
    job = inputs.object_id()


class SavedJobsView(CachedGet, PrivateView, generics.ListAPIView):
    serializer_class = SavedJobSerializer
    cache_name = "saved-jobs"
    cache_per_user = True

    def cache_depends(self, user_id: int | None) -> list[str]:
        return [f"user:{user_id}", "jobrefs"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SavedJob.objects.none()
        saved = SavedJob.objects.filter(user=self.request.user)
        if switches.eager_loading():
            saved = saved.select_related("job")
        return saved.order_by("-saved_at", "-id")

    @extend_schema(
        request=inputs.SavedJobInput, responses={200: SavedJobSerializer, 201: SavedJobSerializer}
    )
    def post(self, request, *args, **kwargs):
        """201 when newly saved, 200 with the existing bookmark when it was saved already."""
        user = request.user
        found = inputs.SavedJobInput(data=request.data)
        found.is_valid(raise_exception=True)
        job_id = found.validated_data["job"]
        job = queries.job_by_id(job_id)
        if job is None or (job.status == Job.Status.DRAFT and job.client_id != user.pk):
            raise ValidationError({"job": [f"no job with id {job_id}"]})
        existing = queries.saved_job(user, job_id)
        if existing is not None:
            return Response(self.get_serializer(existing).data)
        try:
            with transaction.atomic():
                saved = SavedJob.objects.create(user=user, job=job)
        except IntegrityError:  # saved by a concurrent request in between
            return Response(self.get_serializer(queries.saved_job(user, job_id)).data)
        return Response(self.get_serializer(saved).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[JobQuery], request=None, responses={204: None})
    def delete(self, request, *args, **kwargs):
        """The job id comes as ``?job=<id>`` or as a JSON body ``{"job": <id>}``."""
        source = request.query_params if "job" in request.query_params else request.data
        found = JobQuery(data=source)
        found.is_valid(raise_exception=True)
        saved = queries.saved_job(request.user, found.validated_data["job"])
        if saved is None:
            raise NotFound("saved job not found")
        saved.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

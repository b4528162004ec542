"""Generic views and a viewset serving the serializers of ``serializers.py``.

Each line where a view's queryset is written carries a ``# fix-site:`` marker, so the
tests can check the line a finding names. No authentication, no permission, JSON only:
the views run through ``APIRequestFactory`` whatever the project's DRF settings are.
"""

from __future__ import annotations

from rest_framework import generics, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer

from marketplace.accounts.models import User
from marketplace.jobs.models import Application, Job
from tests.core.drf import serializers as s


class Page(PageNumberPagination):
    page_size = 10


class Plain:
    renderer_classes = [JSONRenderer]
    authentication_classes: list = []
    permission_classes = [AllowAny]
    pagination_class = None


class ApplicationListView(Plain, generics.ListAPIView):
    serializer_class = s.ApplicationSerializer
    pagination_class = Page

    def get_queryset(self):  # fix-site: applications
        return Application.objects.order_by("id")


class ApplicantListView(Plain, generics.ListAPIView):
    queryset = Application.objects.order_by("id")  # fix-site: applicants
    serializer_class = s.ApplicationApplicantSerializer


class ApplicationJobView(Plain, generics.ListAPIView):
    queryset = Application.objects.order_by("id")  # fix-site: application jobs
    serializer_class = s.ApplicationJobSerializer


class EmployerNameView(Plain, generics.ListAPIView):
    queryset = Application.objects.order_by("id")  # fix-site: employer names
    serializer_class = s.ApplicationEmployerNameSerializer


class EmployerStatsView(Plain, generics.ListAPIView):
    queryset = Application.objects.order_by("id")  # fix-site: employer stats
    serializer_class = s.ApplicationEmployerStatsSerializer


class JobListView(Plain, generics.ListAPIView):
    serializer_class = s.JobSerializer

    def get_queryset(self):  # fix-site: jobs
        return Job.objects.order_by("id")


class JobApplicationsView(Plain, generics.ListAPIView):
    queryset = Job.objects.order_by("id")  # fix-site: job applications
    serializer_class = s.JobApplicationsSerializer


class UserGroupsView(Plain, generics.ListAPIView):
    queryset = User.objects.order_by("id")  # fix-site: user groups
    serializer_class = s.UserGroupsSerializer


class UserStatsViewSet(Plain, viewsets.ReadOnlyModelViewSet):
    queryset = User.objects.order_by("id")  # fix-site: user stats
    serializer_class = s.UserStatsSerializer

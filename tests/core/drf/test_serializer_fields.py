"""N+1 findings named by DRF serializer field, with the view and the lookup path to fix it.

One case per field shape that reads a relation row by row (the research notes' table A.2):
each asserts the finding's serializer field, view, fix and where the fix goes, then
serves the same view with the fix applied in an overriding ``get_queryset`` and checks
that the finding is gone and the response unchanged.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from rest_framework.test import APIRequestFactory

from analysis import serializerfield
from analysis.capture import capture
from analysis.fixcheck import apply_fix
from analysis.measure.runner import n_plus_one_details
from analysis.nplusone import detect_n_plus_one, findings_frame
from analysis.serializerfield import serializer_site
from marketplace.accounts.models import User
from tests.core.conftest import marker_line
from tests.core.drf import views

VIEWS = Path(views.__file__)


@dataclass(frozen=True)
class Case:
    view: type
    field: str  # the finding's serializer_field
    fix: str
    fix_in: str  # the view's method or attribute; the line is the marker's
    marker: str
    count: int

    def __str__(self) -> str:
        return self.field.split(" ", 1)[0]


CASES = [
    Case(  # nested serializer on a foreign key, paginated
        views.ApplicationListView,
        "ApplicationSerializer.employer → UserSerializer",
        "select_related('employer') on the Application queryset",
        "ApplicationListView.get_queryset",
        "applications",
        6,
    ),
    Case(  # dotted source
        views.JobListView,
        "JobSerializer.client_name (source='client.username')",
        "select_related('client') on the Job queryset",
        "JobListView.get_queryset",
        "jobs",
        3,
    ),
    Case(  # reverse foreign key, many=True: the query fires in ListSerializer.to_representation
        views.JobApplicationsView,
        "JobApplicationsSerializer.applications → ApplicationBriefSerializer(many=True)",
        "prefetch_related('applications') on the Job queryset",
        "JobApplicationsView.queryset",
        "job applications",
        3,
    ),
    Case(  # many-to-many: fires in ManyRelatedField.to_representation
        views.UserGroupsView,
        "UserGroupsSerializer.groups (PrimaryKeyRelatedField(many=True))",
        "prefetch_related('groups') on the User queryset",
        "UserGroupsView.queryset",
        "user groups",
        5,
    ),
    Case(  # SerializerMethodField with a related manager's count()
        views.UserStatsViewSet,
        "UserStatsSerializer.review_count (SerializerMethodField get_review_count)",
        "annotate(count_reviews_received=Count('reviews_received')) on the User queryset",
        "UserStatsViewSet.queryset",
        "user stats",
        5,
    ),
    Case(  # SerializerMethodField with an aggregate written by hand (Review.get_average_rating)
        views.UserStatsViewSet,
        "UserStatsSerializer.rating (SerializerMethodField get_rating)",
        "annotate(avg_rating=Avg('reviews_received__rating')) on the User queryset",
        "UserStatsViewSet.queryset",
        "user stats",
        5,
    ),
    Case(  # a method field's count on a nested serializer: annotated in a Prefetch
        views.EmployerStatsView,
        "ApplicationEmployerStatsSerializer.employer.review_count"
        " (SerializerMethodField get_review_count)",
        "prefetch_related(Prefetch('employer', queryset=User.objects.annotate("
        "count_reviews_received=Count('reviews_received')))) on the Application queryset",
        "EmployerStatsView.queryset",
        "employer stats",
        6,
    ),
    Case(  # a model property that follows a foreign key
        views.EmployerNameView,
        "ApplicationEmployerNameSerializer.employer_name",
        "select_related('employer') on the Application queryset",
        "EmployerNameView.queryset",
        "employer names",
        6,
    ),
    Case(  # StringRelatedField: str() of the related row
        views.ApplicationJobView,
        "ApplicationJobSerializer.job (StringRelatedField)",
        "select_related('job') on the Application queryset",
        "ApplicationJobView.queryset",
        "application jobs",
        6,
    ),
    Case(  # nested serializer, outer level
        views.ApplicantListView,
        "ApplicationApplicantSerializer.applicant → UserProfileSerializer",
        "select_related('applicant') on the Application queryset",
        "ApplicantListView.queryset",
        "applicants",
        6,
    ),
    Case(  # nested serializer of a nested serializer
        views.ApplicantListView,
        "ApplicationApplicantSerializer.applicant.profile → ProfileSerializer",
        "select_related('applicant__profile') on the Application queryset",
        "ApplicantListView.queryset",
        "applicants",
        6,
    ),
]


def fixed(view: type, fix: str) -> type:
    """``view`` with ``fix`` applied in its own ``get_queryset``."""

    class Fixed(view):
        def get_queryset(self):
            return apply_fix(fix, super().get_queryset())

    return Fixed


def serve(view: type, label: str):
    """GET the view through DRF under capture: (response data, run)."""
    handler = (
        view.as_view({"get": "list"}) if hasattr(view, "get_extra_actions") else view.as_view()
    )
    with capture(label=label) as run:
        response = handler(APIRequestFactory().get("/drf/"))
        response.render()
    assert response.status_code == 200, response.data
    return response.data, run


def normal(data):
    """Lists of rows sorted by id: the order of a prefetched relation is not the lazy one."""
    if isinstance(data, dict):
        if "results" in data:
            return normal(data["results"])
        return {k: normal(v) for k, v in data.items()}
    if isinstance(data, list):
        rows = [normal(v) for v in data]
        return sorted(rows, key=lambda r: r["id"] if isinstance(r, dict) else r)
    return data


def by_field(findings, field: str):
    return [f for f in findings if f.serializer_field == field]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_finding_names_the_field_the_view_and_the_fix(drf_market, case):
    data, run = serve(case.view, case.marker)
    [finding] = by_field(detect_n_plus_one(run), case.field)
    where = (
        f"{case.fix_in} (tests/core/drf/views.py:{marker_line('fix-site: ' + case.marker, VIEWS)})"
    )
    assert finding.count == case.count
    assert finding.view == case.view.__name__
    assert finding.fix == case.fix
    assert finding.fix_in == where
    assert finding.relation.queryset == case.view.serializer_class.Meta.model.__name__
    assert finding.message.startswith(f"N+1: {case.count} queries on ")
    assert f"from {case.field} in {case.view.__name__}" in finding.message
    assert finding.message.endswith(f"; fix in {where}: {case.fix}")

    after_data, after = serve(fixed(case.view, finding.fix), f"{case.marker} fixed")
    assert by_field(detect_n_plus_one(after), case.field) == []
    assert len(after) < len(run)
    assert normal(after_data) == normal(data)


def test_the_site_records_the_path_model_and_action(drf_market):
    _, run = serve(views.UserStatsViewSet, "user stats")
    counts = [q for q in run if q.serializer and q.serializer.method == "get_review_count"]
    site = counts[0].serializer
    assert (site.model, site.path, site.action, site.many) == ("accounts.User", (), "list", False)
    assert site.source == "*" and site.field_class == "SerializerMethodField"
    assert counts[0].call_site.file.endswith("tests/core/drf/serializers.py")
    [finding] = by_field(detect_n_plus_one(run), site.description)
    assert " in UserStatsViewSet (list)" in finding.message
    assert "(query at tests/core/drf/serializers.py:" in finding.message

    _, run = serve(views.ApplicantListView, "applicants")
    deep = [q.serializer for q in run if q.serializer and q.access.attribute == "profile"]
    assert deep[0].path == ("applicant", "profile")
    assert deep[0].field == "ApplicationApplicantSerializer.applicant.profile"
    assert (deep[0].nested, deep[0].model) == ("ProfileSerializer", "jobs.Application")


def test_the_whole_nested_path_removes_both_levels(drf_market):
    case = next(c for c in CASES if c.field.endswith("→ ProfileSerializer"))
    _, run = serve(fixed(case.view, case.fix), "applicants fixed")
    assert detect_n_plus_one(run) == []
    assert len(run) == 1


def test_queries_outside_serialization_have_no_serializer_site(drf_market):
    _, run = serve(views.ApplicationListView, "applications")
    count, page = run.queries[:2]  # the paginator's COUNT(*) and the page's rows
    assert count.serializer is None and page.serializer is None
    assert all(q.serializer is not None for q in run.queries[2:])
    with capture() as plain:
        names = [a.employer.username for a in views.Application.objects.order_by("id")]
    assert len(names) == 6 and all(q.serializer is None for q in plain)
    [finding] = detect_n_plus_one(plain)
    assert finding.serializer is None and finding.serializer_field is None
    assert finding.view is None and finding.fix_in is None
    assert finding.message.startswith("N+1: 6 queries from tests/core/drf/")


def test_tables_carry_the_field_and_the_view(drf_market):
    _, run = serve(views.JobListView, "jobs")
    frame = findings_frame(detect_n_plus_one(run))
    row = frame.iloc[0]
    assert row["serializer_field"] == "JobSerializer.client_name (source='client.username')"
    assert row["view"] == "JobListView"
    assert row["fix_in"].startswith("JobListView.get_queryset (tests/core/drf/views.py:")
    assert run.to_dataframe()["serializer"].iloc[-1] == row["serializer_field"]
    assert run.records()[-1]["serializer"] == row["serializer_field"]
    [detail] = n_plus_one_details(run, threshold=2)
    assert (detail["serializer_field"], detail["view"]) == (row["serializer_field"], "JobListView")
    assert detail["fix_in"] == row["fix_in"]


def test_nothing_is_looked_for_until_drf_is_imported(drf_market, monkeypatch):
    monkeypatch.setattr(serializerfield, "_drf", None)
    monkeypatch.delitem(sys.modules, "rest_framework.serializers")
    assert serializer_site() is None
    with capture() as run:
        list(User.objects.all()[:1])
    assert run[0].serializer is None

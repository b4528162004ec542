"""``analysis.fixcheck.try_fix``: a finding's fix applied to the user's queryset, counted."""

from __future__ import annotations

import pytest

from analysis.capture import capture
from analysis.errors import AnalysisError
from analysis.fixcheck import try_fix
from analysis.nplusone import detect_n_plus_one
from marketplace.jobs.models import Application, Job
from tests.core import loops


def finding_of(loop, queryset, name: str):
    with capture() as run:
        loop(queryset.all())
    [found] = [f for f in detect_n_plus_one(run) if f.relation.name == name]
    return found


def test_a_forward_key_is_fixed_by_select_related(market):
    queryset = Application.objects.order_by("id")

    def loop(qs):
        return [a.employer.username for a in qs]

    finding = finding_of(loop, queryset, "Application.employer")
    check = try_fix(finding, queryset, loop)
    assert check.fix == "select_related('employer')"
    assert (check.before, check.after) == (13, 1)  # 12 applications, one employer each
    assert check.gone and check.same_result and check.remaining == ()
    frame = check.frame()
    assert list(frame["queries"]) == [13, 1]
    assert list(frame["n_plus_one"]) == [True, False]


def test_a_to_many_relation_is_fixed_by_prefetch_related(market):
    queryset = Job.objects.order_by("id")

    def loop(qs):
        return [[a.pk for a in job.applications.all()] for job in qs]

    finding = finding_of(loop, queryset, "Job.applications")
    check = try_fix(finding, queryset, loop)
    assert check.fix == "prefetch_related('applications')"
    assert (check.before, check.after) == (7, 2)  # 6 jobs
    assert check.gone and check.same_result


def test_a_partial_fix_leaves_the_nested_lookup(market):
    """The to-many step is prefetched, the applicant of each row is still read one by one."""
    queryset = Job.objects.order_by("id")

    def loop(qs):
        return [[a.applicant.username for a in job.applications.all()] for job in qs]

    applications = finding_of(loop, queryset, "Job.applications")
    check = try_fix(applications, queryset, loop)
    assert check.fix == "prefetch_related('applications')"
    assert check.after < check.before
    assert check.gone  # no query per job any more
    assert [f.relation.name for f in check.remaining] == ["Application.applicant"]


def test_a_count_per_row_is_fixed_by_the_annotation(market):
    queryset = Job.objects.order_by("id")

    def loop(qs):
        return [job.applications.count() for job in qs]

    finding = finding_of(loop, queryset, "Job.applications")
    assert finding.relation.kind == "aggregate"
    with pytest.raises(AnalysisError, match="fixed_loop"):
        try_fix(finding, queryset, loop)
    check = try_fix(finding, queryset, loop, lambda qs: [j.count_applications for j in qs])
    assert check.fix == "annotate(count_applications=Count('applications'))"
    assert (check.before, check.after) == (7, 1)
    assert check.gone and check.same_result


def test_a_fix_it_cannot_apply_is_refused_in_one_line(market):
    queryset = Job.objects.order_by("id")
    with capture() as run:
        loops.pending_per_job()
    [finding] = detect_n_plus_one(run)
    assert "Prefetch(" in finding.fix
    with pytest.raises(AnalysisError) as refused:
        try_fix(finding, queryset, lambda qs: list(qs))
    assert str(refused.value).startswith("cannot apply this fix automatically: prefetch_related(")
    assert "\n" not in str(refused.value)


def test_the_fix_goes_on_the_queryset_the_finding_names(market):
    queryset = Application.objects.order_by("id")

    def loop(qs):
        return [a.employer.username for a in qs]

    finding = finding_of(loop, queryset, "Application.employer")
    with pytest.raises(AnalysisError, match="the fix goes on the Application queryset"):
        try_fix(finding, Job.objects.all(), loop)

"""N+1 by relation attribute: the descriptor that issued each query, the path from the loop.

Each test also runs the loop with the fix the finding prints and counts its queries, so
the fix is checked, not only worded.
"""

from __future__ import annotations

from pathlib import Path

from analysis.capture import capture
from analysis.nplusone import detect_duplicates, detect_n_plus_one, findings_frame
from analysis.testing import assert_no_n_plus_one, assert_num_queries
from marketplace.accounts.models import User
from marketplace.jobs.models import Application, Job
from tests.core import loops
from tests.core.conftest import marker_line

LOOPS = Path(loops.__file__)


def line(marker: str) -> int:
    return marker_line(marker, LOOPS)


def at(findings, marker: str, name: str | None = None):
    [found] = [
        f for f in findings if f.call_site.line == line(marker) and name in (None, f.relation.name)
    ]
    return found


def as_argument(finding) -> str:
    """The printed fix as the loops' ``fix`` argument: ``select_related:applicant__profile``."""
    method = finding.fix.split("(", 1)[0]
    assert method in ("select_related", "prefetch_related"), finding.fix
    return f"{method}:{finding.relation.path}"


def test_each_query_records_the_attribute_that_issued_it(market):
    job = market["jobs"][0]
    user = User.objects.get(pk=market["users"][0].pk)  # nothing cached on it
    with capture() as run:
        application = Application.objects.filter(job=job).order_by("id").first()
        application.employer  # noqa: B018 - the descriptor's query is the point
        user.profile  # noqa: B018
        job.applications.count()
        list(job.applications.all())
        User.objects.get(pk=user.pk)
    plain, employer, profile, count, rows, get = run.queries
    assert plain.access is None and get.access is None
    assert employer.access.name == "Application.employer"
    assert (employer.access.kind, employer.access.target) == ("forward", "accounts.User")
    assert employer.access.instance == application.pk
    assert employer.access.value == application.employer_id
    assert (profile.access.name, profile.access.kind) == ("User.profile", "reverse_one_to_one")
    assert (count.access.name, count.access.kind) == ("Job.applications", "reverse")
    assert (rows.access.name, rows.access.instance) == ("Job.applications", job.pk)
    assert run.records()[1]["access"] == "Application.employer"
    assert list(run.to_dataframe()["access"])[2] == "User.profile"


def test_one_target_for_every_row_is_an_n_plus_one_not_a_duplicate(market):
    job = market["jobs"][0]  # its two applications have the same employer, the job's client
    with capture() as run:
        names = loops.employers(job)
    assert len(set(names)) == 1 and len(names) == 2
    finding = at(detect_n_plus_one(run), "N+1: same employer")
    assert finding.count == 2
    assert finding.relation.name == "Application.employer"
    assert finding.fix == "select_related('employer') on the Application queryset"
    assert detect_duplicates(run) == []  # eager loading removes it: not a duplicate
    with assert_num_queries(1):
        assert loops.employers(job, fix=as_argument(finding)) == names


def test_the_relation_is_the_accessed_attribute_not_the_last_table_read(market):
    with capture() as run:
        lazy = loops.employers_after_jobs()
    findings = detect_n_plus_one(run)
    employer = at(findings, "N+1: employer")  # jobs_job was read just before each lookup
    assert employer.relation.name == "Application.employer"
    assert employer.relation.kind == "forward"
    assert employer.fix == "select_related('employer') on the Application queryset"
    job = at(findings, "N+1: job")
    assert job.relation.name == "Application.job"
    with assert_num_queries(1):
        fixed = loops.employers_after_jobs(fix=f"{as_argument(job)},{employer.relation.path}")
    assert fixed == lazy


def test_a_nested_lookup_gets_the_full_path_on_the_loop_queryset(market):
    with capture() as run:
        lazy = loops.applicant_roles()
    finding = at(detect_n_plus_one(run), "N+1: applicant profile", "User.profile")
    assert finding.relation.name == "User.profile"
    assert finding.relation.path == "applicant__profile"
    assert finding.relation.queryset == "Application"
    assert finding.fix == "select_related('applicant__profile') on the Application queryset"
    assert f"loops.py:{line('loop: nested')} in applicant_roles" in finding.relation.loop_site
    assert "reached as Application.applicant__profile" in finding.relation.description
    assert "the loop's queryset, evaluated at tests/core/loops.py" in finding.message
    frame = findings_frame([finding])
    assert frame.loc[0, "path"] == "applicant__profile"
    assert frame.loc[0, "queryset"] == "Application"
    with assert_num_queries(1), assert_no_n_plus_one():
        assert loops.applicant_roles(fix=as_argument(finding)) == lazy


def test_a_forward_lookup_inside_a_to_many_loop_is_prefetched_through_it(market):
    with capture() as run:
        lazy = loops.applicants_per_job()
    findings = detect_n_plus_one(run)
    inner = next(f for f in findings if f.relation.name == "Application.applicant")
    assert inner.fix == "prefetch_related('applications__applicant') on the Job queryset"
    outer = next(f for f in findings if f.relation.name == "Job.applications")
    assert outer.fix == "prefetch_related('applications') on the Job queryset"
    with assert_num_queries(3):  # jobs, their applications, those applicants
        assert loops.applicants_per_job(fix=as_argument(inner)) == lazy


def test_a_filtered_to_many_lookup_calls_for_a_prefetch_object(market):
    with capture() as run:
        lazy = loops.pending_per_job()
    finding = at(detect_n_plus_one(run), "N+1: filtered")
    assert finding.relation.name == "Job.applications"
    assert finding.fix == (
        "prefetch_related(Prefetch('applications', "
        "queryset=Application.objects.filter(status=...))) on the Job queryset"
    )
    with assert_num_queries(2):
        assert loops.pending_per_job(prefetch=True) == lazy


def test_a_count_per_row_through_a_related_manager_stays_an_annotation(market):
    with capture() as run:
        for job in Job.objects.order_by("id"):
            job.applications.count()
    [finding] = detect_n_plus_one(run)
    assert finding.relation.kind == "aggregate"
    assert finding.relation.name == "Job.applications"
    assert finding.fix == "annotate(count_applications=Count('applications')) on the Job queryset"
    assert finding.relation.loop_site.startswith("tests/core/test_nplusone_access.py:")

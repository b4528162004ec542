"""N+1 detection on the real marketplace models: the line, the relation and the fix."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings

from analysis.callsite import relative_path
from analysis.capture import capture, scenario
from analysis.nplusone import detect_duplicates, detect_n_plus_one, findings_frame, summary
from analysis.relations import infer_relation
from analysis.sqlshape import shape
from analysis.testing import assert_max_queries, assert_no_n_plus_one, assert_num_queries
from tests.core import views
from tests.core.conftest import VIEWS, marker_line


def only(findings):
    assert len(findings) == 1, [str(f) for f in findings]
    return findings[0]


@override_settings(ROOT_URLCONF="tests.core.views")
def test_view_n_plus_one_names_line_relation_and_fix(client, market):
    with capture(label="job_list") as run:
        response = client.get("/jobs/")
    assert response.status_code == 200
    finding = only(detect_n_plus_one(run))
    assert finding.count == 6
    assert finding.call_site.file == str(VIEWS)
    assert finding.call_site.line == marker_line("N+1: client")
    assert finding.call_site.function == "job_list"
    assert finding.scenario == "job_list"
    assert finding.relation.kind == "forward"
    assert finding.relation.name == "Job.client"  # not Job.created_by, which also points at User
    assert finding.fix == "select_related('client') on the Job queryset"
    assert "tests/core/views.py" in finding.message and "select_related('client')" in str(finding)
    assert detect_duplicates(run) == [] or all(d.count >= 2 for d in detect_duplicates(run))


@override_settings(ROOT_URLCONF="tests.core.views")
def test_same_view_with_select_related_is_clean(client, market):
    with assert_no_n_plus_one(), assert_max_queries(1) as run:
        response = client.get("/jobs/?eager=1")
    assert response.status_code == 200
    assert response.content.decode().count(" by core") == 6
    assert len(run) == 1
    assert detect_n_plus_one(run) == []


def test_reverse_foreign_key_calls_for_prefetch_related(market):
    with capture() as run:
        lazy = views.applicants_per_job()
    finding = only(detect_n_plus_one(run))
    assert finding.call_site.line == marker_line("N+1: applications")
    assert finding.relation.kind == "reverse"
    assert finding.relation.name == "Job.applications"
    assert finding.fix.startswith("prefetch_related('applications')")
    with assert_num_queries(2), assert_no_n_plus_one():
        eager = views.applicants_per_job(eager=True)
    assert eager == lazy


def test_per_row_count_calls_for_an_annotation(market):
    with capture() as run:
        lazy = views.application_counts()
    finding = only(detect_n_plus_one(run))
    assert finding.relation.kind == "aggregate"
    assert finding.fix == "annotate(count_applications=Count('applications')) on the Job queryset"
    with assert_num_queries(1):
        assert views.application_counts(eager=True) == lazy


def test_per_row_average_through_model_method_calls_for_annotation(market):
    with capture() as run:
        views.average_ratings()
    finding = only(detect_n_plus_one(run))
    assert finding.count == 4
    # the query is issued in the model method (project code); the loop is its caller
    assert relative_path(finding.call_site.file) == "marketplace/rating/models.py"
    assert finding.call_site.function == "get_average_rating"
    assert finding.callers[0].file == str(VIEWS)
    assert finding.callers[0].line == marker_line("N+1: rating")
    assert f"called from tests/core/views.py:{marker_line('N+1: rating')}" in finding.message
    assert finding.relation.kind == "aggregate"
    assert "Avg('reviews_received__rating')" in finding.fix
    assert "User queryset" in finding.fix


def test_reverse_one_to_one_calls_for_select_related(market):
    with capture() as run:
        views.roles()
    finding = only(detect_n_plus_one(run))
    assert finding.relation.kind == "reverse_one_to_one"
    assert finding.relation.name == "User.profile"
    assert finding.fix.startswith("select_related('profile')")


def test_many_to_many_calls_for_prefetch_related(market):
    with capture() as run:
        views.group_names()
    finding = only(detect_n_plus_one(run))
    assert finding.relation.kind == "many_to_many"
    assert finding.relation.name == "User.groups"
    assert finding.fix.startswith("prefetch_related('groups')")


def test_get_in_a_loop_calls_for_in_bulk(market):
    with capture() as run:
        views.clients_by_get()
    finding = only(detect_n_plus_one(run))
    assert finding.relation.kind == "get_in_loop"
    assert "User.objects.in_bulk" in finding.fix


def test_save_in_a_loop_is_a_write_n_plus_one(market):
    with capture() as run:
        views.retitle_one_by_one()
    finding = only(detect_n_plus_one(run))
    assert finding.count == 6
    assert finding.relation.kind == "write"
    assert "update()" in finding.fix


def test_duplicates_are_reported_apart_from_n_plus_one(market):
    user = market["users"][0]
    with capture() as run:
        views.same_user_twice(user.pk)
    assert detect_n_plus_one(run) == []  # one parameter set: not an N+1
    [duplicate] = detect_duplicates(run)
    assert duplicate.count == 3
    assert duplicate.params == (user.pk,)
    assert [s.line for s in duplicate.call_sites] == [marker_line("duplicate")]
    assert "reuse the result" in str(duplicate)


def test_units_of_work_are_not_mixed(market):
    user = market["users"][0]
    from marketplace.accounts.models import User

    with capture() as run:
        for _ in range(3):
            with scenario("profile page"):
                User.objects.get(pk=user.pk)
    assert {q.scenario for q in run.queries} == {"profile page"}
    assert len({q.unit for q in run.queries}) == 3
    assert detect_duplicates(run) == []  # one query per request is fine


def test_thresholds_follow_the_caller(market):
    with capture() as run:
        views.roles()
    assert len(detect_n_plus_one(run, threshold=4)) == 1
    assert detect_n_plus_one(run, threshold=5) == []
    assert detect_n_plus_one(run, min_total_ms=10_000) == []


def test_assertion_messages_carry_the_evidence(market):
    with pytest.raises(AssertionError) as failed, assert_no_n_plus_one():
        views.roles()
    text = str(failed.value)
    assert "1 N+1 pattern(s) found" in text
    assert f"{relative_path(str(VIEWS))}:{marker_line('N+1: profile')}" in text
    assert "select_related('profile')" in text

    with pytest.raises(AssertionError) as failed, assert_max_queries(2):
        views.roles()
    text = str(failed.value)
    assert "expected at most 2 queries, 5 were run" in text
    assert f"views.py:{marker_line('N+1: profile')} in roles" in text


def test_findings_frame_has_one_row_per_finding(market):
    with capture() as run:
        views.roles()
        views.group_names()
    frame = findings_frame(detect_n_plus_one(run))
    assert len(frame) == 2
    assert set(frame["kind"]) == {"reverse_one_to_one", "many_to_many"}
    assert summary(run)["n_plus_one"] == 2


@override_settings(
    ROOT_URLCONF="tests.core.views",
    MIDDLEWARE=["analysis.endpoint.EndpointMiddleware", *settings.MIDDLEWARE],
)
def test_endpoint_middleware_makes_each_request_a_unit(client, market):
    with capture() as run:
        client.get("/jobs/")
        client.get("/jobs/")
    findings = detect_n_plus_one(run)
    assert [f.count for f in findings] == [6, 6]  # per request, not 12 across both
    assert {f.scenario for f in findings} == {"GET jobs/"}
    assert len({f.unit for f in findings}) == 2


def test_without_the_loop_queryset_every_candidate_foreign_key_is_named(db):
    sql = 'SELECT "accounts_user"."id" FROM "accounts_user" WHERE "accounts_user"."id" = %s'
    relation = infer_relation(shape(sql), sources=[])
    assert relation.kind == "forward"
    assert relation.name is None  # not guessed
    assert "foreign key to User" in relation.fix and "Job.client" in relation.fix
    profile = infer_relation(shape(sql), sources=["jobs_job"])
    assert (
        profile.fix
        == "select_related('client') or select_related('created_by') on the Job queryset"
    )


def test_table_level_guesses_when_names_are_not_models(db):
    reverse = infer_relation(shape("SELECT * FROM core_things WHERE core_things.owner_id = %s"))
    assert (reverse.kind, reverse.table, reverse.column) == ("reverse", "core_things", "owner_id")
    forward = infer_relation(shape("SELECT * FROM core_owners WHERE core_owners.id = %s"))
    assert forward.kind == "forward" and "core_owners" in forward.fix

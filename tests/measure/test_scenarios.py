"""Scenarios: real users from the data, every GET endpoint answering 200, queries classified.

Also the mixed workload (``workbench.study.mixed``) and the variants as context managers
that restore what they change (``workbench.study.variants``)."""

from __future__ import annotations

import pytest
from django.db.models import Count

from analysis.capture import capture
from marketplace.api.switches import named
from marketplace.jobs.models import Application, Job
from workbench.study import mixed, scenarios, subjects, variants
from workbench.study.measure import classify


def test_subjects_are_the_busiest_and_the_median_users(seeded_tiny, db):
    picked = subjects.pick_subjects()
    assert subjects.pick_subjects() == picked  # deterministic
    most_jobs = (
        Job.objects.filter(client__is_active=True)
        .values("client_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    assert Job.objects.filter(client_id=picked.busy_client).count() == most_jobs["n"]
    busiest = Application.objects.filter(applicant_id=picked.busy_freelancer).count()
    typical = Application.objects.filter(applicant_id=picked.typical_freelancer).count()
    assert 0 < typical < busiest
    job = Job.objects.get(pk=picked.job)
    assert job.client_id == picked.busy_client and job.status != Job.Status.DRAFT


def test_every_get_endpoint_answers_200_for_its_caller(seeded_tiny, db):
    built = scenarios.build(page_size=7)
    assert [s.name for s in built] == list(scenarios.SCENARIOS)
    for scenario in built:
        for variant in ("baseline", "all"):
            with named(variant):
                response = scenario()
            assert response.status_code == 200
            body = response.json()
            if scenario.page_size is not None:
                assert body["page_size"] == 7, scenario.name


def test_a_scenario_fails_unless_the_answer_is_200(seeded_tiny, db):
    spec = scenarios.SCENARIOS["job_detail"]
    missing = scenarios.make(spec, {"job": 10**9, "typical_freelancer": 1})
    with pytest.raises(scenarios.ScenarioFailed, match="404"):
        missing()


def test_unknown_names_and_page_sizes_are_refused(seeded_tiny, db):
    with pytest.raises(ValueError, match="unknown scenario 'nope'"):
        scenarios.build(["job_list", "nope"])
    with pytest.raises(ValueError, match="page size"):
        scenarios.build(["job_list"], page_size=0)
    assert scenarios.check_names(["all"]) == list(scenarios.SCENARIOS)


def _categories(scenario, variant: str) -> dict[str, int]:
    with named(variant), capture() as run:
        scenario()
    counts: dict[str, int] = {}
    for record in run.queries:
        category = classify(record)
        counts[category] = counts.get(category, 0) + 1
    return counts


def test_count_auth_and_data_queries_are_told_apart(seeded_tiny, db):
    built = {s.name: s for s in scenarios.build(["job_list", "applications", "wallet"])}
    # The eager page query has COUNT(...) subqueries in its select list: still data.
    assert _categories(built["job_list"], "eager") == {"count": 1, "data": 1}
    assert _categories(built["applications"], "eager") == {"auth": 1, "count": 1, "data": 1}
    assert _categories(built["wallet"], "baseline") == {"auth": 1, "data": 1}
    baseline = _categories(built["job_list"], "baseline")
    assert baseline["count"] == 1 and baseline["data"] > 20


def test_the_mixed_workload_rolls_its_writes_back(seeded_tiny, db):
    from marketplace.jobs.models import SavedJob

    rows = (Application.objects.count(), SavedJob.objects.count())
    with variants.VARIANTS["cache"]():
        result = mixed.mixed_workload(requests=150, warmup=0, write_share=0.2, depth=5)
    assert (Application.objects.count(), SavedJob.objects.count()) == rows
    assert result["reads"] + result["writes"] == 150 and result["writes"] > 0
    assert result["hits"] > 0 and result["distinct_reads"] <= 5 * len(scenarios.SCENARIOS)
    ranks = [row["rank"] for row in result["by_read"].values()]
    assert ranks == sorted(ranks)

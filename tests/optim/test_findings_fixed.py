"""Every N+1 the marketplace shows at baseline is gone under ``eager``, finding by finding.

Each scenario runs on the seeded tiny marketplace under ``baseline`` and ``eager``. For
every baseline finding: its queries no longer run under eager, its fix applied on its own
to the model it names loads the relation with no query per row, and the eager variant's
query at the loop's call site reads the table the finding fetched row by row. Duplicates
are what eager loading leaves: each baseline duplicate is still there under eager.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from analysis.capture import capture
from analysis.nplusone import detect_duplicates, detect_n_plus_one
from analysis.sqlshape import shape
from marketplace.api.switches import named
from workbench.study import scenarios

_ANNOTATE = re.compile(r"annotate\((\w+)=(\w+)\('([\w_]+)'\)\)")


@pytest.fixture
def built(seeded_tiny, db) -> dict:
    return {s.name: s for s in scenarios.build()}


def run_under(scenario, variant: str):
    with named(variant), capture(label=scenario.name) as run:
        scenario()
    return run


def model_named(name: str) -> type[models.Model]:
    [model] = [m for m in apps.get_models() if m.__name__ == name]
    return model


def _walk(row, path: str) -> None:
    """Follow ``path`` from ``row`` as a serializer would (to-many: every related row)."""
    objects = [row]
    for step in path.split("__"):
        following = []
        for obj in objects:
            try:
                value = getattr(obj, step)
            except ObjectDoesNotExist:
                continue
            if isinstance(value, models.Manager):
                following.extend(value.all())
            elif value is not None:
                following.append(value)
        objects = following


def check_fix(finding) -> None:
    """Apply the printed fix to its queryset: the relation then costs no query per row."""
    relation = finding.relation
    model = model_named(relation.queryset)
    method = finding.fix.split("(", 1)[0]
    if method == "annotate":
        alias, function, lookup = _ANNOTATE.match(finding.fix).groups()
        queryset = model.objects.annotate(**{alias: getattr(models, function)(lookup)})
        with capture() as run:
            rows = list(queryset.order_by("pk")[:5])
        assert len(run) == 1 and all(hasattr(r, alias) for r in rows), finding.message
        return
    queryset = getattr(model.objects, method)(relation.path).order_by("pk")[:5]
    with capture() as loaded:
        rows = list(queryset)
    with capture() as walked:
        for row in rows:
            _walk(row, relation.path)
    assert rows and len(walked) == 0, (finding.message, [q.sql for q in walked])
    assert len(loaded) <= 1 + relation.path.count("__") + 1, finding.message


@pytest.mark.parametrize("name", list(scenarios.SCENARIOS))
def test_every_baseline_finding_is_gone_under_eager_and_its_fix_holds(built, name):
    baseline = run_under(built[name], "baseline")
    eager = run_under(built[name], "eager")
    findings = detect_n_plus_one(baseline)
    ran_eager = {(q.file, q.line, q.fingerprint) for q in eager}
    for finding in findings:
        site = finding.call_site
        assert (site.file, site.line, finding.fingerprint) not in ran_eager, finding.message
        check_fix(finding)
        loop = finding.relation.loop_site
        assert loop, finding.message
        eager_loop = [q for q in eager if loop.startswith(q.call_site.short)]
        assert eager_loop, (finding.message, [q.call_site.short for q in eager])
        assert any(finding.relation.table in shape(q.sql).joined for q in eager_loop), (
            finding.message
        )
    assert detect_n_plus_one(eager) == []
    left = {(d.sql, repr(d.params)) for d in detect_duplicates(eager)}
    for duplicate in detect_duplicates(baseline):  # no eager loading removes a duplicate
        assert (duplicate.sql, repr(duplicate.params)) in left, duplicate.message


def test_payments_payer_lookups_are_an_n_plus_one_though_every_row_names_the_caller(built):
    run = run_under(built["payments"], "baseline")
    findings = detect_n_plus_one(run)
    assert len(findings) == 3
    names = {f.relation.name: f for f in findings}
    assert set(names) == {"Payment.payer", "Payment.recipient", "Payment.job"}
    payer = names["Payment.payer"]
    assert len({repr(run[i].params) for i in payer.indexes}) == 1  # one target: the caller
    assert payer.count >= 2
    assert payer.fix == "select_related('payer') on the Payment queryset"
    assert detect_duplicates(run) == []


def test_applications_name_the_employer_the_serializer_reads(built):
    run = run_under(built["applications"], "baseline")
    [employer] = [
        f
        for f in detect_n_plus_one(run)
        if f.call_site.short.startswith("marketplace/api/serializers.py:82 ")
    ]
    assert employer.relation.name == "Application.employer"
    assert employer.fix == "select_related('employer') on the Application queryset"
    assert "Job.client" not in employer.message


def test_job_applications_nested_profile_gets_the_path_from_the_applications(built):
    run = run_under(built["job_applications"], "baseline")
    [profile] = [f for f in detect_n_plus_one(run) if f.relation.name == "User.profile"]
    assert profile.relation.path == "applicant__profile"
    assert profile.fix == "select_related('applicant__profile') on the Application queryset"
    assert "views/applications.py" in profile.relation.loop_site

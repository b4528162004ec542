"""Every N+1 the marketplace shows at baseline names its serializer field and view, and
the printed fix, applied in that view's ``get_queryset``, makes it disappear.

Each scenario runs on the seeded tiny marketplace. For every baseline finding: it names a
DRF serializer field and the view, the fix goes in ``<View>.get_queryset`` in
``marketplace/api/views/``, and serving the scenario again with only that fix applied
(the view's ``get_queryset`` wrapped) leaves no N+1 on that field, with fewer queries and
the same response. Under ``eager`` no N+1 is left at all, and duplicates are what eager
loading leaves: each baseline duplicate is still there under eager.
"""

from __future__ import annotations

import inspect
from contextlib import contextmanager

import pytest

from analysis.capture import capture
from analysis.fixcheck import apply_fix
from analysis.nplusone import detect_duplicates, detect_n_plus_one
from marketplace.api import views
from marketplace.api.switches import named
from workbench.study import scenarios


@pytest.fixture
def built(seeded_tiny, db) -> dict:
    return {s.name: s for s in scenarios.build()}


def run_under(scenario, variant: str):
    with named(variant), capture(label=scenario.name) as run:
        response = scenario()
    return run, response


def view_class(name: str) -> type:
    import importlib
    import pkgutil

    found = []
    for module in pkgutil.iter_modules(views.__path__):
        loaded = importlib.import_module(f"marketplace.api.views.{module.name}")
        found += [c for n, c in inspect.getmembers(loaded, inspect.isclass) if n == name]
    [view] = set(found)
    return view


@contextmanager
def fixed(view: type, fix: str):
    """``view.get_queryset`` with ``fix`` applied to what it returns, restored afterwards."""
    original = view.__dict__["get_queryset"]

    def get_queryset(self):
        return apply_fix(fix, original(self))

    view.get_queryset = get_queryset
    try:
        yield
    finally:
        view.get_queryset = original


@pytest.mark.parametrize("name", list(scenarios.SCENARIOS))
def test_every_baseline_finding_names_its_field_and_view_and_its_fix_removes_it(built, name):
    baseline, response = run_under(built[name], "baseline")
    findings = detect_n_plus_one(baseline)
    for finding in findings:
        assert finding.serializer_field, finding.message
        assert finding.view, finding.message
        assert finding.fix_in.startswith(f"{finding.view}.get_queryset (marketplace/api/views/"), (
            finding.message
        )
        with fixed(view_class(finding.view), finding.fix):
            after, fixed_response = run_under(built[name], "baseline")
        left = {f.serializer_field for f in detect_n_plus_one(after)}
        assert finding.serializer_field not in left, (finding.message, left)
        assert len(after) < len(baseline), finding.message
        assert fixed_response.content == response.content, finding.message
    eager, eager_response = run_under(built[name], "eager")
    assert detect_n_plus_one(eager) == []
    assert eager_response.content == response.content
    left = {(d.sql, repr(d.params)) for d in detect_duplicates(eager)}
    for duplicate in detect_duplicates(baseline):  # no eager loading removes a duplicate
        assert (duplicate.sql, repr(duplicate.params)) in left, duplicate.message


def test_lists_show_the_classic_n_plus_one_by_field(built):
    """The performance plan's patterns, each named as the reviewer should read it."""
    expected = {
        "job_list": {
            "JobSerializer.client → UserRefSerializer": "select_related('client')",
            "JobSerializer.industry → IndustrySerializer": "select_related('industry')",
            "JobSerializer.subcategory → SubcategorySerializer": "select_related('subcategory')",
        },
        "applications": {
            "ApplicationSerializer.job → JobRefSerializer": "select_related('job')",
            "ApplicationSerializer.employer → UserRefSerializer": "select_related('employer')",
        },
        "payments": {
            "PaymentSerializer.payer → UserRefSerializer": "select_related('payer')",
            "PaymentSerializer.recipient → UserRefSerializer": "select_related('recipient')",
            "PaymentSerializer.job → JobRefSerializer": "select_related('job')",
        },
    }
    for name, fields in expected.items():
        run, _ = run_under(built[name], "baseline")
        found = {f.serializer_field: f.fix.split(" on the ")[0] for f in detect_n_plus_one(run)}
        for field, fix in fields.items():
            assert found.get(field) == fix, (name, field, found)


def test_job_applications_nested_profile_gets_the_path_from_the_applications(built):
    run, _ = run_under(built["job_applications"], "baseline")
    [profile] = [f for f in detect_n_plus_one(run) if f.relation.name == "User.profile"]
    assert profile.relation.path == "applicant__profile"
    assert profile.fix == "select_related('applicant__profile') on the Application queryset"
    assert profile.view == "JobApplicationsView"


def test_payments_payer_lookups_are_an_n_plus_one_though_every_row_names_the_caller(built):
    run, _ = run_under(built["payments"], "baseline")
    findings = detect_n_plus_one(run)
    assert len(findings) == 3
    names = {f.relation.name: f for f in findings}
    assert set(names) == {"Payment.payer", "Payment.recipient", "Payment.job"}
    payer = names["Payment.payer"]
    assert len({repr(run[i].params) for i in payer.indexes}) == 1  # one target: the caller
    assert payer.count >= 2
    assert payer.fix == "select_related('payer') on the Payment queryset"
    assert detect_duplicates(run) == []

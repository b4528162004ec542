"""The plan's index list is exactly what the models and the 0002 migrations hold."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models

from workbench.study import plan_indexes as perf_indexes

# The issue's list, written out independently of perf_indexes.PLAN.
ISSUE_LIST = {
    ("accounts.User", ("email",)),
    ("accounts.User", ("username",)),
    ("accounts.Profile", ("user",)),
    ("accounts.Profile", ("role",)),
    ("jobs.Job", ("status",)),
    ("jobs.Job", ("date",)),
    ("jobs.Job", ("client",)),
    ("jobs.Job", ("created_by",)),
    ("jobs.Job", ("status", "date")),
    ("jobs.Application", ("job",)),
    ("jobs.Application", ("applicant",)),
    ("jobs.Application", ("status",)),
    ("jobs.Application", ("job", "status")),
    ("jobs.SavedJob", ("user",)),
    ("jobs.SavedJob", ("job",)),
    ("jobs.SavedJob", ("user", "saved_at")),
    ("payment.Payment", ("status",)),
    ("payment.Payment", ("payer",)),
    ("payment.Payment", ("recipient",)),
    ("payment.Payment", ("job",)),
    ("rating.Review", ("reviewed",)),
    ("rating.Review", ("reviewer",)),
    ("rating.Review", ("job",)),
    ("rating.Review", ("reviewer", "reviewed", "job")),
}


def test_plan_is_the_issue_list_with_unique_short_names():
    assert {(p.model, p.fields) for p in perf_indexes.PLAN} == ISSUE_LIST
    assert len(perf_indexes.PLAN) == len(ISSUE_LIST) == 24
    assert len(set(perf_indexes.NAMES)) == 24
    assert all(len(name) <= 30 for name in perf_indexes.NAMES)  # Django's limit


def test_models_declare_exactly_the_plan_indexes():
    declared = set()
    for app in perf_indexes.APPS:
        for model in apps.get_app_config(app).get_models():
            for index in model._meta.indexes:
                declared.add((model._meta.label, tuple(index.fields), index.name))
    assert declared == {(p.model, p.fields, p.name) for p in perf_indexes.PLAN}


def test_each_0002_migration_adds_exactly_its_apps_plan_indexes_and_depends_on_0001_only():
    for app in perf_indexes.APPS:
        module = importlib.import_module(f"marketplace.{app}.migrations.{perf_indexes.MIGRATION}")
        migration = module.Migration
        assert migration.dependencies == [(app, perf_indexes.BASE_MIGRATION)]
        added = set()
        for op in migration.operations:
            assert op.__class__.__name__ == "AddIndex"
            model = apps.get_model(app, op.model_name)
            assert type(op.index) is models.Index and op.index.condition is None
            added.add((model._meta.label, tuple(op.index.fields), op.index.name))
        expected = {(p.model, p.fields, p.name) for p in perf_indexes.PLAN if p.app == app}
        assert added == expected


def test_models_and_migrations_agree(db):
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_index_specs_carry_the_migrations_sql(db):
    specs = {s.name: s for s in perf_indexes.index_specs()}
    assert list(specs) == list(perf_indexes.NAMES)
    assert specs["jobs_job_status_date_idx"].table == "jobs_job"
    assert specs["jobs_job_status_date_idx"].columns == ("status", "date")
    assert specs["jobs_job_status_date_idx"].create_sql == (
        'CREATE INDEX "jobs_job_status_date_idx" ON "jobs_job" ("status", "date")'
    )
    assert specs["jobs_app_job_idx"].columns == ("job_id",)


def test_index_specs_refuse_unknown_names(db):
    from workbench.errors import WorkbenchError

    with pytest.raises(WorkbenchError, match="not one of the plan's indexes: nope"):
        perf_indexes.index_specs(["jobs_job_date_idx", "nope"])

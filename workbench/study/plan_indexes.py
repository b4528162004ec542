"""The performance plan's index list, as data the workbench can apply, revert and audit.

The plan names 24 indexes. They live in the models' ``Meta.indexes`` and in each app's
``0002_performance_indexes`` migration, so ``workbench migrate`` builds them like any
Django index; this module is the one list the CLI, the audit and the tests agree on
(a test checks the models and migrations hold exactly these).
"""

from __future__ import annotations

from dataclasses import dataclass

#: The apps whose 0002 migration holds the plan's indexes.
APPS = ("accounts", "jobs", "payment", "rating")
MIGRATION = "0002_performance_indexes"
BASE_MIGRATION = "0001_initial"


@dataclass(frozen=True)
class PlanIndex:
    """One index the plan prescribes: the model it is on, its fields, and the name we gave it."""

    model: str  # "app_label.ModelName"
    fields: tuple[str, ...]
    name: str

    @property
    def app(self) -> str:
        return self.model.split(".")[0]


PLAN: tuple[PlanIndex, ...] = (
    PlanIndex("accounts.User", ("email",), "accounts_user_email_idx"),
    PlanIndex("accounts.User", ("username",), "accounts_user_username_idx"),
    PlanIndex("accounts.Profile", ("user",), "accounts_profile_user_idx"),
    PlanIndex("accounts.Profile", ("role",), "accounts_profile_role_idx"),
    PlanIndex("jobs.Job", ("status",), "jobs_job_status_idx"),
    PlanIndex("jobs.Job", ("date",), "jobs_job_date_idx"),
    PlanIndex("jobs.Job", ("client",), "jobs_job_client_idx"),
    PlanIndex("jobs.Job", ("created_by",), "jobs_job_created_by_idx"),
    PlanIndex("jobs.Job", ("status", "date"), "jobs_job_status_date_idx"),
    PlanIndex("jobs.Application", ("job",), "jobs_app_job_idx"),
    PlanIndex("jobs.Application", ("applicant",), "jobs_app_applicant_idx"),
    PlanIndex("jobs.Application", ("status",), "jobs_app_status_idx"),
    PlanIndex("jobs.Application", ("job", "status"), "jobs_app_job_status_idx"),
    PlanIndex("jobs.SavedJob", ("user",), "jobs_savedjob_user_idx"),
    PlanIndex("jobs.SavedJob", ("job",), "jobs_savedjob_job_idx"),
    PlanIndex("jobs.SavedJob", ("user", "saved_at"), "jobs_savedjob_user_saved_idx"),
    PlanIndex("payment.Payment", ("status",), "payment_payment_status_idx"),
    PlanIndex("payment.Payment", ("payer",), "payment_payment_payer_idx"),
    PlanIndex("payment.Payment", ("recipient",), "payment_payment_recipient_idx"),
    PlanIndex("payment.Payment", ("job",), "payment_payment_job_idx"),
    PlanIndex("rating.Review", ("reviewed",), "rating_review_reviewed_idx"),
    PlanIndex("rating.Review", ("reviewer",), "rating_review_reviewer_idx"),
    PlanIndex("rating.Review", ("job",), "rating_review_job_idx"),
    PlanIndex("rating.Review", ("reviewer", "reviewed", "job"), "rating_review_pair_job_idx"),
)

NAMES: tuple[str, ...] = tuple(p.name for p in PLAN)


def index_specs(names: list[str] | None = None) -> list:
    """The plan's indexes as ``analysis.indexes.IndexSpec`` (table and CREATE SQL from Django).

    The SQL is what the migration runs, taken from the model's own ``Index`` object, so the
    audit builds byte-for-byte the index ``workbench indexes apply`` would.
    """
    from django.apps import apps
    from django.db import connection

    from analysis.indexes import IndexSpec

    wanted = set(names) if names is not None else None
    unknown = sorted(wanted - set(NAMES)) if wanted is not None else []
    if unknown:
        from workbench.errors import WorkbenchError

        raise WorkbenchError(
            f"not one of the plan's indexes: {', '.join(unknown)} (see `workbench indexes list`)"
        )
    specs = []
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        for plan in PLAN:
            if wanted is not None and plan.name not in wanted:
                continue
            model = apps.get_model(plan.model)
            index = next(i for i in model._meta.indexes if i.name == plan.name)
            columns = tuple(model._meta.get_field(f).column for f in plan.fields)
            specs.append(
                IndexSpec(
                    name=plan.name,
                    table=model._meta.db_table,
                    columns=columns,
                    create_sql=str(index.create_sql(model, editor)),
                )
            )
    return specs


def _executor():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    return MigrationExecutor(connection)


def applied_apps() -> dict[str, bool]:
    """Per app, whether its plan-index migration is applied (raises if 0001 is not)."""
    from workbench.errors import WorkbenchError

    applied = _executor().loader.applied_migrations
    missing = [app for app in APPS if (app, BASE_MIGRATION) not in applied]
    if missing:
        raise WorkbenchError(
            f"the database is not migrated ({', '.join(missing)} missing): "
            "run `workbench migrate` first"
        )
    return {app: (app, MIGRATION) in applied for app in APPS}


def present() -> set[str]:
    """Which of the plan's indexes exist in the database right now."""
    from django.db import connection

    from analysis.indexes import existing_names

    with connection.cursor() as cur:
        return existing_names(cur, NAMES)


def _migrate(app: str, target: str) -> None:
    from django.core.management import call_command

    call_command("migrate", app, target, verbosity=0, interactive=False)


def apply() -> list[str]:
    """Migrate the four apps forward to their 0002; return the indexes that were created.

    Only apps whose 0002 is not applied yet are touched, so a later migration that is
    already applied is never rolled back by "apply". An index the applied migrations
    should have made but that is missing is built too, so every variant, report and
    ``workbench indexes apply`` repairs that state (and reports it among the created).
    """
    before = present()
    for app, done in applied_apps().items():
        if not done:
            _migrate(app, MIGRATION)
    # The migrations may be applied while an index is gone (dropped by hand, a run that
    # died mid-DDL): build the missing ones from the models' own definitions.
    missing = sorted(set(NAMES) - present())
    if missing:
        from django.db import connection

        with connection.cursor() as cur:
            for spec in index_specs(missing):
                cur.execute(spec.create_sql)
    return sorted(present() - before)


def revert() -> list[str]:
    """Migrate the four apps back to 0001; return the indexes that were dropped."""
    before = present()
    for app, done in applied_apps().items():
        if done:
            _migrate(app, BASE_MIGRATION)
    return sorted(before - present())

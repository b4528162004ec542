"""The generated migration applies and reverts on the marketplace's freshly migrated test
database: an index added, one of the plan's removed, and back; plain and CONCURRENTLY."""

from __future__ import annotations

import importlib.util

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from analysis.indexes import existing_names, migration
from analysis.indexes.migration import Change

CHANGES = [
    Change("add", "jobs_job_date_id_wb", "jobs_job", ("date", "id")),
    Change("drop", "jobs_job_status_idx", "jobs_job"),
    Change("add", "payment_payment_creat_1cca9_wb", "payment_payment", ("created_at", "id")),
]
NAMES = ["jobs_job_date_id_wb", "jobs_job_status_idx", "payment_payment_creat_1cca9_wb"]


def _load(path):
    spec = importlib.util.spec_from_file_location(f"generated_{path.parent.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Migration(path.stem, path.parent.name)


def _present() -> set[str]:
    with connection.cursor() as cur:
        return existing_names(cur, NAMES)


def _apply_and_revert(tmp_path, concurrently: bool):
    written = migration.write(tmp_path, CHANGES, concurrently=concurrently)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == [
        "jobs/0003_workbench_index_set.py",
        "payment/0003_workbench_index_set.py",
    ]
    before = _present()
    assert before == {"jobs_job_status_idx"}
    migrations = [_load(p) for p in written]
    executor = MigrationExecutor(connection)
    for m in migrations:
        state = executor.loader.project_state(m.dependencies[0])
        executor.apply_migration(state, m)
    assert _present() == {"jobs_job_date_id_wb", "payment_payment_creat_1cca9_wb"}
    for m in reversed(migrations):
        state = executor.loader.project_state(m.dependencies[0])
        executor.unapply_migration(state, m)
    assert _present() == before
    return written


@pytest.mark.django_db
def test_generated_migration_applies_and_reverts(tmp_path):
    written = _apply_and_revert(tmp_path, concurrently=False)
    text = written[0].read_text()
    assert "migrations.AddIndex(" in text and "migrations.RemoveIndex(" in text
    assert "fields=['date', 'id']" in text  # field names, not columns
    assert "('jobs', '0002_performance_indexes')" in text


@pytest.mark.django_db(transaction=True)
def test_concurrent_migration_applies_and_reverts_outside_a_transaction(tmp_path):
    written = _apply_and_revert(tmp_path, concurrently=True)
    text = written[0].read_text()
    assert "atomic = False" in text and "pg.AddIndexConcurrently(" in text


@pytest.mark.django_db
def test_an_index_no_model_declares_is_dropped_with_sql_and_comes_back(tmp_path):
    with connection.cursor() as cur:
        cur.execute('CREATE INDEX "jobs_job_hand_made" ON "jobs_job" ("budget")')
        cur.execute("SELECT pg_get_indexdef('jobs_job_hand_made'::regclass)")
        definition = cur.fetchone()[0]
    (path,) = migration.write(
        tmp_path, [Change("drop", "jobs_job_hand_made", "jobs_job", (), definition)]
    )
    m = _load(path)
    executor = MigrationExecutor(connection)
    state = executor.loader.project_state(m.dependencies[0])
    executor.apply_migration(state, m)
    with connection.cursor() as cur:
        assert existing_names(cur, ["jobs_job_hand_made"]) == set()
    executor.unapply_migration(state, m)
    with connection.cursor() as cur:
        assert existing_names(cur, ["jobs_job_hand_made"]) == {"jobs_job_hand_made"}


def test_a_table_no_model_owns_is_refused():
    with pytest.raises(LookupError, match="no model has the table"):
        migration.render([Change("add", "x_wb", "not_a_table", ("a",))])

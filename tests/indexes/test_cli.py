"""`workbench indexes apply | revert | audit` on scratch databases, through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from analysis.indexes import schema_snapshot
from analysis.indexes.audit import VERDICTS
from tests.conftest import PROJECT_ROOT
from tests.indexes import dataset
from workbench.study import plan_indexes as perf_indexes

# "Everything migrated except the four apps, which stay at 0001": the reference schema,
# computed independently of `indexes revert` (Django's executor, explicit targets).
MIGRATE_TO_0001 = """
from workbench.env import django_env
django_env.setup()
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from workbench.study.plan_indexes import APPS
executor = MigrationExecutor(connection)
targets = [node for node in executor.loader.graph.leaf_nodes() if node[0] not in APPS]
executor.migrate(targets + [(app, "0001_initial") for app in APPS])
"""


def _ok(proc) -> str:
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def _one_error_line(proc, text: str) -> None:
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("workbench: error: "), proc.stderr
    assert text in lines[0]
    assert "Traceback" not in proc.stderr


def _snapshot(dbs, url):
    conn = dbs.connect(url)
    try:
        with conn.cursor() as cur:
            return schema_snapshot(cur)
    finally:
        conn.close()


def test_apply_and_revert_move_between_the_migrations_schemas(run_workbench, scratch_dbs):
    url = scratch_dbs.url()
    env = {"DATABASE_URL": url}
    _ok(run_workbench("createdb", env=env))
    _ok(run_workbench("migrate", env=env))
    migrated = _snapshot(scratch_dbs, url)

    out = _ok(run_workbench("indexes", "revert", env=env))
    assert out.startswith("reverted 24 indexes: ")
    reverted = _snapshot(scratch_dbs, url)
    assert "already reverted" in _ok(run_workbench("indexes", "revert", env=env))
    assert _snapshot(scratch_dbs, url) == reverted

    reference_url = scratch_dbs.url()
    ref_env = {"DATABASE_URL": reference_url}
    _ok(run_workbench("createdb", env=ref_env))
    done = subprocess.run(
        [sys.executable, "-c", MIGRATE_TO_0001],
        cwd=PROJECT_ROOT,
        env={**os.environ, **ref_env},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert reverted == _snapshot(scratch_dbs, reference_url)

    # exactly the plan's indexes were dropped, no constraint changed
    assert migrated["constraints"] == reverted["constraints"]
    dropped = {name for _, name, _ in migrated["indexes"]} - {
        name for _, name, _ in reverted["indexes"]
    }
    assert dropped == set(perf_indexes.NAMES)

    out = _ok(run_workbench("indexes", "apply", env=env))
    assert out.startswith("applied 24 indexes: ")
    assert _snapshot(scratch_dbs, url) == migrated
    assert "already applied" in _ok(run_workbench("indexes", "apply", env=env))
    assert _snapshot(scratch_dbs, url) == migrated
    listing = _ok(run_workbench("indexes", "list", env=env))
    assert "24 of 24 present" in listing


def test_apply_builds_the_indexes_missing_although_the_migrations_are_applied(
    run_workbench, scratch_dbs
):
    url = scratch_dbs.url()
    env = {"DATABASE_URL": url}
    _ok(run_workbench("createdb", env=env))
    _ok(run_workbench("migrate", env=env))
    migrated = _snapshot(scratch_dbs, url)
    conn = scratch_dbs.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("DROP INDEX jobs_job_date_idx")
        conn.commit()
    finally:
        conn.close()
    assert "23 of 24 present" in _ok(run_workbench("indexes", "list", env=env))
    out = _ok(run_workbench("indexes", "apply", env=env))
    assert out.strip() == "23 of 24 were present; built the missing 1: jobs_job_date_idx"
    assert _snapshot(scratch_dbs, url) == migrated  # the same index, as the migration made it
    again = _ok(run_workbench("indexes", "apply", env=env))
    assert again.strip() == "already applied: 24 of 24 present, nothing to do"


@pytest.mark.parametrize("action", ["apply", "revert", "audit"])
def test_ddl_is_refused_in_a_database_the_workbench_did_not_create(
    run_workbench, scratch_dbs, action
):
    url = scratch_dbs.create_foreign()
    proc = run_workbench("indexes", action, env={"DATABASE_URL": url})
    _one_error_line(proc, "refusing to")
    assert "--allow-external" in proc.stderr


def test_unmigrated_or_empty_databases_get_one_line(run_workbench, scratch_dbs):
    env = {"DATABASE_URL": scratch_dbs.url()}
    _ok(run_workbench("createdb", env=env))
    _one_error_line(run_workbench("indexes", "apply", env=env), "run `workbench migrate` first")
    _ok(run_workbench("migrate", env=env))
    _one_error_line(run_workbench("indexes", "audit", env=env), "run `workbench seed` first")
    _one_error_line(
        run_workbench("indexes", "audit", "--only", "nope", env=env), "not one of the plan's"
    )
    bad = run_workbench("indexes", "audit", "--repeat", "0", env=env)
    assert bad.returncode == 2 and "must be 1 or more" in bad.stderr


def test_audit_prints_a_table_and_json_records(run_workbench, scratch_dbs):
    url = scratch_dbs.url()
    env = {"DATABASE_URL": url}
    _ok(run_workbench("createdb", env=env))
    _ok(run_workbench("migrate", env=env))
    conn = scratch_dbs.connect(url)
    with conn.cursor() as cur:
        dataset.build(cur, users=300, jobs=3000)
    conn.close()
    before = _snapshot(scratch_dbs, url)

    table = _ok(
        run_workbench(
            "indexes", "audit", "--repeat", "1", "--write-repeat", "1", "--rounds", "3", env=env
        )
    )
    assert table.splitlines()[0].split()[:3] == ["index", "verdict", "duplicates"]
    assert "jobs_job_client_idx" in table and "redundant" in table
    assert "17 redundant" in table

    proc = run_workbench(
        "indexes",
        "audit",
        "--json",
        "--only",
        "jobs_job_client_idx",
        "jobs_job_status_date_idx",
        "--repeat",
        "1",
        "--write-repeat",
        "1",
        "--rounds",
        "3",
        env=env,
    )
    records = json.loads(_ok(proc))
    assert [r["index"] for r in records] == ["jobs_job_client_idx", "jobs_job_status_date_idx"]
    assert records[0]["verdict"] == "redundant"
    assert records[0]["duplicates"].startswith("jobs_job_client_id_")
    assert records[1]["duplicates"] is None
    assert records[1]["write_cost_ratio"] > 0
    assert _snapshot(scratch_dbs, url) == before  # the audit rolled everything back


def test_audit_on_seeded_data_judges_every_index_and_leaves_no_bloat(run_workbench, scratch_dbs):
    url = scratch_dbs.url()
    env = {"DATABASE_URL": url}
    _ok(run_workbench("createdb", env=env))
    _ok(run_workbench("migrate", env=env))
    _ok(run_workbench("seed", "--scale", "tiny", "--quiet", env=env))

    def job_pages() -> int:
        conn = scratch_dbs.connect(url)
        try:
            with conn.cursor() as cur:
                cur.execute(
                    "SELECT pg_relation_size('jobs_job') / current_setting('block_size')::int"
                )
                return cur.fetchone()[0]
        finally:
            conn.close()

    before = job_pages()
    out = _ok(
        run_workbench(
            "indexes",
            "audit",
            "--json",
            "--repeat",
            "1",
            "--write-rows",
            "200",
            "--rounds",
            "3",
            env=env,
        )
    )
    records = json.loads(out)
    assert {r["index"] for r in records} == {s.name for s in perf_indexes.index_specs()}
    assert {r["verdict"] for r in records} <= set(VERDICTS)
    email = next(r for r in records if r["index"] == "accounts_user_email_idx")
    assert email["verdict"] == "redundant" and email["duplicates"] == "accounts_user_email_key"
    # the write-cost rounds were rolled back and vacuumed away: the table did not grow
    assert job_pages() <= before + 2

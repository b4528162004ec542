"""`workbench seed` end to end: real subprocesses, real databases on the workbench's server."""

import pytest
from django.core.cache import caches

from marketplace.dsn import database_settings
from tests.seed.conftest import connect, workbench


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scale", "huge"], "unknown scale 'huge'"),
        (["--scale", "-5"], "positive number of users"),
        (["--scale", "2.5"], "unknown scale"),
        (["--seed", "abc"], "--seed must be a non-negative integer"),
        (["--seed", "-3"], "--seed must be a non-negative integer"),
        (["--as-of", "yesterday"], "--as-of must be a date"),
    ],
)
def test_bad_arguments_give_one_line_and_a_non_zero_exit(args, message):
    result = workbench("seed", *args)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("workbench: error:") and message in lines[0]
    assert result.stdout == ""


def test_a_database_the_workbench_did_not_create_is_refused(foreign_db):
    result = workbench("seed", "--scale", "tiny", url=foreign_db)
    assert result.returncode == 1
    assert "refusing to seed database 'wb_seed_foreign_" in result.stderr
    assert "--allow-external" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    with connect(foreign_db) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert cur.fetchone()[0] == 0  # nothing was written, not even the marker


def test_an_unmigrated_database_is_pointed_at_migrate(foreign_db):
    result = workbench("seed", "--scale", "tiny", "--allow-external", url=foreign_db)
    assert result.returncode == 1
    assert "run `workbench migrate` first" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def _counts(url: str) -> dict[str, int]:
    with connect(url) as conn, conn.cursor() as cur:
        counts = {}
        for table in ("accounts_user", "jobs_job", "workbench_marker", "django_migrations"):
            cur.execute(f"SELECT count(*) FROM {table}")
            counts[table] = cur.fetchone()[0]
        return counts


def test_seed_refuse_then_reset_in_a_workbench_database(workbench_db):
    first = workbench("seed", "--scale", "tiny", "--quiet", url=workbench_db)
    assert first.returncode == 0, first.stderr
    assert "seeded tiny (seed 42)" in first.stdout and "'workbench'" in first.stdout
    assert first.stderr == ""  # --quiet
    before = _counts(workbench_db)
    assert before["accounts_user"] == 200 and before["jobs_job"] == 1000

    again = workbench("seed", "--scale", "tiny", url=workbench_db)
    assert again.returncode == 1
    assert "already holds marketplace data" in again.stderr and "--reset" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1

    # COPY bypasses the cache's invalidation hooks: a reseed must drop the database's entries
    name = database_settings(workbench_db)["NAME"]
    caches["default"].set(f"{name}:probe", "stale answer")
    assert caches["default"].get(f"{name}:probe") == "stale answer"
    reset = workbench(
        "seed", "--scale", "50", "--reset", "--seed", "7", "--as-of", "2024-06-30", url=workbench_db
    )
    assert reset.returncode == 0, reset.stderr
    assert caches["default"].get(f"{name}:probe") is None
    after = _counts(workbench_db)
    assert after["accounts_user"] == 50 and after["jobs_job"] == 250
    with connect(workbench_db) as conn, conn.cursor() as cur:
        cur.execute("SELECT max(date) FROM jobs_job")
        assert str(cur.fetchone()[0]) <= "2024-06-30"  # --as-of moves the data's today
    # --reset truncates the marketplace's tables only: the marker and migrations stay
    assert after["workbench_marker"] == before["workbench_marker"] == 1
    assert after["django_migrations"] == before["django_migrations"] > 0


def test_postgresql_killed_during_copy_is_one_line(workbench_db):
    """A real kill: the seeding backend is terminated from another connection mid-COPY."""
    import os
    import subprocess
    import sys
    import time

    from marketplace import dsn
    from tests.seed.conftest import PROJECT_ROOT

    name = database_settings(workbench_db)["NAME"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "workbench", "seed", "--scale", "small", "--reset"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": workbench_db},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    killed = 0
    admin = dsn.connect(workbench_db, "postgres", autocommit=True)
    try:
        deadline = time.monotonic() + 120
        while not killed and proc.poll() is None and time.monotonic() < deadline:
            with admin.cursor() as cur:
                cur.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
                    "AND state = 'active' AND query LIKE 'COPY %%'",
                    [name],
                )
                killed = cur.rowcount
            time.sleep(0.005)
    finally:
        admin.close()
    _, stderr = proc.communicate(timeout=120)
    if not killed:
        pytest.skip("the seed finished before a COPY could be caught")
    assert proc.returncode == 1
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("workbench: error: the database connection was lost during COPY")

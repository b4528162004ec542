"""`workbench advise` through the real CLI on a scratch database seeded at `small`.

The planted case of issue 14: the plan's indexes reverted, so the job board's date
index is missing; the advisor must recommend an index serving the open-jobs query
with a saving on `job_list` whose interval excludes zero, and its migration must apply
and revert on a freshly migrated database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import PROJECT_ROOT
from workbench.study import plan_indexes as perf_indexes

APPLY_AND_REVERT = """
import importlib.util, sys
from pathlib import Path
from workbench.env import django_env
django_env.setup()
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from workbench.study.plan_indexes import NAMES
PLAN = list(NAMES)
executor = MigrationExecutor(connection)
done = []
for path in sorted(Path(sys.argv[1]).glob("*/*.py")):
    spec = importlib.util.spec_from_file_location("m_" + path.parent.name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    m = module.Migration(path.stem, path.parent.name)
    executor.apply_migration(executor.loader.project_state(m.dependencies[0]), m)
    done.append(m)
with connection.cursor() as cur:
    cur.execute("SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%%_wb'")
    print("after apply", cur.fetchone()[0])
    cur.execute("SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s) ORDER BY 1", [PLAN])
    print("plan after apply", ",".join(r[0] for r in cur.fetchall()))
for m in reversed(done):
    executor.unapply_migration(executor.loader.project_state(m.dependencies[0]), m)
with connection.cursor() as cur:
    cur.execute("SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%%_wb'")
    print("after revert", cur.fetchone()[0])
    cur.execute("SELECT count(*) FROM pg_indexes WHERE indexname = ANY(%s)", [PLAN])
    print("plan after revert", cur.fetchone()[0])
"""


def _ok(proc) -> str:
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.slow
def test_planted_missing_date_index_is_recommended_with_a_measured_saving(
    run_workbench, scratch_dbs, tmp_path
):
    env = {"DATABASE_URL": scratch_dbs.url()}
    _ok(run_workbench("createdb", env=env))
    _ok(run_workbench("migrate", env=env))
    _ok(run_workbench("seed", "--scale", "small", env=env))
    _ok(run_workbench("indexes", "revert", env=env))
    folder = tmp_path / "migrations"
    out = _ok(
        run_workbench(
            "advise", "--json", "--rounds", "5", "--write-repeat", "2",
            "--scenarios", "job_list,applications",
            "--migration", str(folder), env=env, timeout=600,
        )
    )  # fmt: skip
    advice = json.loads(out)
    adds = [r for r in advice["recommendations"] if r["kind"] == "add_index"]
    board = [
        r for r in adds
        if r["target"].startswith("jobs_job (") and r["target"][10:].split(",")[0].rstrip(")")
        in ("status", "date")
    ]  # fmt: skip
    assert board, adds
    best = board[0]
    assert best["unit"].endswith("of job_list"), best
    assert best["saving_ms"] > 0 and best["saving_ci"][0] > 0, best
    assert best["worth_it"]
    assert [r["rank"] for r in advice["recommendations"]] == list(
        range(1, len(advice["recommendations"]) + 1)
    )
    assert advice["index_set"]["drop"] == []  # nothing of the plan exists to drop
    # the database is as it was: still no plan index, no candidate left behind
    listed = _ok(run_workbench("indexes", "list", env=env))
    assert "0 of 24 present" in listed

    fresh = {"DATABASE_URL": scratch_dbs.url()}
    _ok(run_workbench("createdb", env=fresh))
    _ok(run_workbench("migrate", env=fresh))
    written = sorted(folder.glob("*/*.py"))
    new_indexes = [r for r in adds if r["evidence"]["index"].endswith("_wb")]
    assert written or not new_indexes
    done = subprocess.run(
        [sys.executable, "-c", APPLY_AND_REVERT, str(folder)],
        cwd=PROJECT_ROOT,
        env={**os.environ, **fresh},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert f"after apply {len(new_indexes)}" in done.stdout
    # the migration takes the models' state (all 24) to the set: the plan's unkept go
    kept = sorted(n for n in advice["index_set"]["add"] if n in perf_indexes.NAMES)
    assert f"plan after apply {','.join(kept)}\n" in done.stdout
    assert "after revert 0" in done.stdout and "plan after revert 24" in done.stdout


def test_a_migration_folder_in_use_is_refused_before_anything_runs(run_workbench, tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    proc = run_workbench("advise", "--migration", str(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"workbench advise: error: --migration {tmp_path} exists and is not an empty folder; "
        "pick a new one"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_an_unknown_scenario_is_one_line(run_workbench, scratch_dbs):
    env = {"DATABASE_URL": scratch_dbs.url()}
    _ok(run_workbench("createdb", env=env))
    proc = run_workbench("advise", "--scenarios", "job_lst", env=env)
    assert proc.returncode == 2
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("workbench advise: error: ") and "job_lst" in line

"""`workbench measure`: bad input refused in one line, a real run, DDL only where allowed."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from marketplace.dsn import with_database
from workbench.env import services


@pytest.mark.parametrize(
    "args, message",
    [
        (["--scenarios", "job_list,nope"], "unknown scenario 'nope'"),
        (["--variants", "baseline,turbo"], "unknown variant 'turbo'"),
        (["--repeat", "0"], "--repeat: must be 1 or more"),
        (["--page-size", "0"], "--page-size: must be 1 or more"),
        (["--write-share", "1.5"], "--write-share: must be from 0 to below 1"),
        (["--scenarios", ","], "name at least one scenario"),
        (["--repeat", "5", "--rounds", "6"], "--rounds: at most --repeat (5), got 6"),
        (["--time-box", "-1"], "--time-box: must be 0 (no limit) or more"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(run_workbench, args, message):
    done = run_workbench("measure", *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr and done.stdout == ""


def _test_database_env() -> dict[str, str]:
    """The CLI pointed at this session's test database (seeded and committed)."""
    return {
        "DATABASE_URL": with_database(services.database_url(), connection.settings_dict["NAME"])
    }


def test_a_run_on_the_test_database_writes_its_results(seeded_tiny, db, run_workbench, tmp_path):
    # The test database was migrated with the plan's indexes: the indexes variant needs no
    # DDL, so the run is allowed although the workbench did not create this database.
    out = tmp_path / "run"
    done = run_workbench(
        "measure",
        "--scenarios", "job_list,wallet",
        "--variants", "indexes",
        "--repeat", "2",
        "--requests", "0",
        "--no-explain",
        "--json",
        "-q",
        "--out", str(out),
        env=_test_database_env(),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert [s["name"] for s in data["scenarios"]] == ["job_list", "wallet"]
    figures = data["scenarios"][0]["variants"]["indexes"]
    assert figures["n_plus_one"] >= 3 and figures["count_queries"] == 1
    assert data["cache"] == {"hit_rate": None}
    assert (out / "results.json").exists() and (out / "measurements.parquet").exists()


def test_ddl_is_refused_in_a_database_the_workbench_did_not_create(seeded_tiny, db, run_workbench):
    # The baseline needs the plan's indexes dropped; the test database has no marker.
    done = run_workbench(
        "measure", "--scenarios", "wallet", "--variants", "baseline", env=_test_database_env()
    )
    assert done.returncode == 1
    assert "refusing to change the indexes of database" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def _cheap_run(run_workbench, out, *extra: str):
    return run_workbench(
        "measure",
        "--scenarios", "wallet",
        "--variants", "indexes",
        "--repeat", "1",
        "--requests", "0",
        "--no-explain",
        "-q",
        "--out", str(out),
        *extra,
        env=_test_database_env(),
    )  # fmt: skip


def test_an_out_that_is_a_file_is_refused_before_measuring(
    seeded_tiny, db, run_workbench, tmp_path
):
    out = tmp_path / "a-file"
    out.write_text("mine\n")
    done = _cheap_run(run_workbench, out)
    assert done.returncode == 2
    assert done.stderr.strip() == f"workbench: error: --out {out} is a file, not a folder"
    assert done.stdout == ""  # nothing was measured (the table would be on stdout)
    assert out.read_text() == "mine\n"


def test_an_out_holding_a_run_is_refused_unless_force_which_clears_it(
    seeded_tiny, db, run_workbench, tmp_path
):
    out = tmp_path / "run"
    old_plan = out / "plans" / "job_list" / "baseline" / "abc.json"
    old_plan.parent.mkdir(parents=True)
    old_plan.write_text("{}")
    (out / "results.json").write_text('{"old": true}')
    refused = _cheap_run(run_workbench, out)
    assert refused.returncode == 2, refused.stderr
    assert "holds a previous run" in refused.stderr and "--force" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert (out / "results.json").read_text() == '{"old": true}'
    replaced = _cheap_run(run_workbench, out, "--force")
    assert replaced.returncode == 0, replaced.stderr
    assert not (out / "plans").exists()  # the old run's plans are not left beside the new one
    scenarios = json.loads((out / "results.json").read_text())["scenarios"]
    assert [s["name"] for s in scenarios] == ["wallet"]
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("keep")
    forced = _cheap_run(run_workbench, other, "--force")
    assert forced.returncode == 2 and "not a measurement" in forced.stderr
    assert (other / "notes.txt").read_text() == "keep"

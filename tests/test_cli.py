"""The command line's contract: one-line errors, non-zero exits, refusals to touch foreign data."""

import pytest
from django.db import connection

from marketplace import dsn


def test_unknown_command_is_one_line_and_exit_2(run_workbench):
    result = run_workbench("frobnicate")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "invalid choice" in result.stderr


@pytest.fixture
def foreign_database(django_db_blocker):
    """A database on the workbench's server that the workbench did not create."""
    name = "wb_foreign_db"
    admin = dsn.connect(_server_url(), "postgres", autocommit=True)
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name}")
        cur.execute(f"CREATE DATABASE {name}")
    yield name
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    admin.close()


def _server_url() -> str:
    from workbench.env import services

    return services.database_url()


def _url_for(name: str) -> str:
    cfg = connection.settings_dict
    auth = cfg["USER"] + (":" + cfg["PASSWORD"] if cfg["PASSWORD"] else "")
    if cfg["HOST"].startswith("/"):
        return f"postgresql://{auth}@/{name}?host={cfg['HOST']}"
    return f"postgresql://{auth}@{cfg['HOST']}:{cfg['PORT'] or 5432}/{name}"


def test_migrate_refuses_a_database_the_workbench_did_not_create(run_workbench, foreign_database):
    env = {"DATABASE_URL": _url_for(foreign_database)}
    refused = run_workbench("migrate", env=env)
    assert refused.returncode == 1
    assert "refusing to migrate database 'wb_foreign_db'" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    dropped = run_workbench("dropdb", env=env)
    assert dropped.returncode == 1
    assert "refusing to drop" in dropped.stderr
    with dsn.connect(_server_url(), foreign_database) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert cur.fetchone()[0] == 0  # nothing was created in it


def test_createdb_marks_the_database_so_migrate_may_proceed(run_workbench, foreign_database):
    env = {"DATABASE_URL": _url_for("wb_created_db")}
    try:
        assert run_workbench("createdb", env=env).returncode == 0
        again = run_workbench("createdb", env=env)
        assert again.returncode == 0 and "already there" in again.stdout
        migrated = run_workbench("migrate", env=env)
        assert migrated.returncode == 0, migrated.stderr
        clash = run_workbench("createdb", env={"DATABASE_URL": _url_for(foreign_database)})
        assert clash.returncode == 1 and "not created by the workbench" in clash.stderr
    finally:
        assert run_workbench("dropdb", env=env).returncode == 0


def test_a_dbname_option_cannot_steer_the_guard_past_a_foreign_database(
    run_workbench, foreign_database
):
    """``/owned?dbname=foreign`` is refused before anything connects: no guessing which wins."""
    owned = _url_for("wb_owned_db")
    assert run_workbench("createdb", env={"DATABASE_URL": owned}).returncode == 0
    try:
        joiner = "&" if "?" in owned else "?"
        steered = {"DATABASE_URL": f"{owned}{joiner}dbname={foreign_database}"}
        for command in (["migrate"], ["indexes", "revert"], ["seed", "--scale", "tiny"]):
            refused = run_workbench(*command, env=steered)
            assert refused.returncode == 1, (command, refused.stdout)
            assert "gives dbname twice" in refused.stderr, command
            assert len(refused.stderr.strip().splitlines()) == 1
        with dsn.connect(_server_url(), foreign_database) as conn, conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")
            assert cur.fetchone()[0] == 0  # nothing was created in it
    finally:
        assert run_workbench("dropdb", env={"DATABASE_URL": owned}).returncode == 0


@pytest.mark.parametrize(
    "env",
    [
        {"REDIS_URL": "garbage"},
        {"REDIS_URL": "redis://127.0.0.1:6379/abc"},
        {"DATABASE_URL": "postgresql://u@h:notaport/db"},
    ],
)
def test_a_bad_url_is_refused_before_anything_is_written(run_workbench, tmp_path, env):
    out = tmp_path / "never"
    refused = run_workbench("seed", "--scale", "tiny", "--reset", env=env)
    assert refused.returncode == 1
    assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert refused.stderr.startswith("workbench: error: ")
    report = run_workbench("report", "--out", str(out), env=env)
    assert report.returncode == 1 and not out.exists()


def test_an_unexpected_failure_is_one_line_with_a_debug_hint(monkeypatch, capsys):
    from workbench import cli
    from workbench.commands import services as services_command

    def broken(args):
        raise RuntimeError("postgresql://bob:hunter2@db/x went away\nsecond line")

    monkeypatch.setattr(services_command, "cmd_status", broken)
    monkeypatch.delenv("WORKBENCH_DEBUG", raising=False)
    assert cli.main(["status"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("workbench: error: RuntimeError: postgresql://bob:***@db/x went away")
    assert "WORKBENCH_DEBUG=1" in err and "hunter2" not in err


@pytest.mark.parametrize(
    "command",
    [
        ["migrate"],
        ["seed", "--scale", "tiny", "--reset"],
        ["measure", "--scenarios", "job_list", "--variants", "baseline"],
        ["report", "--scale", "tiny"],
        ["indexes", "apply"],
        ["indexes", "revert"],
        ["indexes", "audit"],
    ],
)
def test_a_second_run_on_a_busy_database_refuses_in_one_line(
    run_workbench, foreign_database, command
):
    """One run at a time per database: the second refuses at once and writes nothing."""
    from workbench.env import runlock

    url = _url_for(foreign_database)
    with runlock.run_lock(url, "the test's own run"):
        refused = run_workbench(*command, env={"DATABASE_URL": url})
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1, refused.stderr
    assert f"another workbench run is using database '{foreign_database}'" in lines[0]
    assert "the test's own run" in lines[0]
    with dsn.connect(_server_url(), foreign_database) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")
        assert cur.fetchone()[0] == 0


def test_the_run_lock_is_released_when_the_run_ends(foreign_database):
    from workbench.env import runlock

    url = _url_for(foreign_database)
    with runlock.run_lock(url, "first"):
        pass
    with runlock.run_lock(url, "second"):  # would raise Busy if the first still held it
        pass
    with pytest.raises(runlock.Busy), runlock.run_lock(url, "outer"), runlock.run_lock(url, "in"):
        pass


def test_the_run_lock_leaves_the_database_free_to_copy_and_is_per_database(foreign_database):
    """A report holding the lock runs the load, which copies the database (TEMPLATE): PostgreSQL
    refuses that while any session is connected to it, so the lock's session is elsewhere."""
    from workbench.env import runlock

    url = _url_for(foreign_database)
    copy = f"{foreign_database}_copy"
    admin = dsn.connect(_server_url(), "postgres", autocommit=True)
    try:
        with runlock.run_lock(url, "report"), admin.cursor() as cur:
            assert runlock.held_by(url) == "report"
            cur.execute(f"CREATE DATABASE {copy} TEMPLATE {foreign_database}")
            with runlock.run_lock(_url_for(copy), "another database's run"):
                assert runlock.held_by(_url_for(copy)) == "another database's run"
            assert runlock.held_by(_url_for(copy)) is None
        assert runlock.held_by(url) is None
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {copy} WITH (FORCE)")
        admin.close()

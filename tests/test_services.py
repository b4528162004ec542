"""The embedded servers' life cycle, run in a private state folder so the suite's own stay up."""

import os

import psutil
import pytest


@pytest.fixture
def private_home(tmp_path):
    home = tmp_path / "wb"
    env = {"WORKBENCH_HOME": str(home), "DATABASE_URL": "", "REDIS_URL": ""}
    yield env
    # never leave servers behind, whatever the test did
    import subprocess
    import sys

    subprocess.run(
        [sys.executable, "-m", "workbench", "down"], env={**os.environ, **env}, capture_output=True
    )


def _postmasters(home: str) -> int:
    n = 0
    for proc in psutil.process_iter(attrs=["cmdline"]):
        cmd = proc.info["cmdline"] or []
        if cmd and cmd[0].endswith("/postgres") and home in " ".join(cmd):
            n += 1
    return n


def _redis_servers(home_redis_conf: str) -> int:
    n = 0
    for proc in psutil.process_iter(attrs=["name"]):
        if proc.info["name"] == "redis-server":
            try:
                if proc.cwd().startswith(home_redis_conf):
                    n += 1
            except psutil.Error:
                pass
    return n


def test_up_twice_starts_one_of_each_and_down_stops_them(run_workbench, private_home):
    home = private_home["WORKBENCH_HOME"]
    first = run_workbench("up", env=private_home)
    assert first.returncode == 0, first.stderr
    assert "started" in first.stdout
    second = run_workbench("up", env=private_home)
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("already running") == 2
    assert _postmasters(home) == 1
    assert _redis_servers(home) == 1

    status = run_workbench("status", env=private_home)
    assert status.returncode == 0
    assert status.stdout.count("running") == 2

    down = run_workbench("down", env=private_home)
    assert down.returncode == 0, down.stderr
    assert down.stdout.count("stopped") == 2
    assert _postmasters(home) == 0
    assert _redis_servers(home) == 0
    assert run_workbench("status", env=private_home).returncode == 3


def test_external_urls_are_used_and_never_printed_with_a_password(run_workbench, private_home):
    env = {
        **private_home,
        "DATABASE_URL": "postgresql://someone:topsecret@127.0.0.1:1/nowhere",
        "REDIS_URL": "redis://:alsosecret@127.0.0.1:1/0",
    }
    result = run_workbench("status", env=env)
    assert result.returncode == 0
    assert "external" in result.stdout
    assert "topsecret" not in result.stdout + result.stderr
    assert "alsosecret" not in result.stdout + result.stderr
    migrate = run_workbench("migrate", env=env)
    assert migrate.returncode == 1
    assert migrate.stderr.startswith(
        "workbench: error: cannot connect to postgresql://someone:***@"
    )
    assert len(migrate.stderr.strip().splitlines()) == 1
    assert "topsecret" not in migrate.stderr

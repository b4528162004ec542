"""The embedded servers' life cycle, run in a private state folder so the suite's own stay up."""

import os
from pathlib import Path

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
    assert result.returncode == 3  # nothing answers on port 1: not "running"
    assert "external" in result.stdout
    assert result.stdout.count("not answering") == 2
    assert "topsecret" not in result.stdout + result.stderr
    assert "alsosecret" not in result.stdout + result.stderr
    migrate = run_workbench("migrate", env=env)
    assert migrate.returncode == 1
    assert migrate.stderr.startswith(
        "workbench: error: cannot connect to postgresql://someone:***@"
    )
    assert len(migrate.stderr.strip().splitlines()) == 1
    assert "topsecret" not in migrate.stderr


def test_importing_the_settings_starts_nothing(private_home):
    """Settings read one configuration object; the servers start on first explicit need."""
    import subprocess
    import sys

    home = private_home["WORKBENCH_HOME"]
    code = (
        "import django.conf, marketplace.settings as s; "
        "print(s.DATABASES['default']['HOST']); print(s.CACHES['default']['LOCATION'])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **private_home},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    host, location = proc.stdout.splitlines()
    assert host == os.path.join(home, "pg")  # where the embedded server will listen
    assert location.startswith("unix://") and "redis.sock" in location
    assert _postmasters(home) == 0
    assert _redis_servers(home) == 0
    assert not os.path.exists(home)  # not even the state folder was created


def test_manage_py_starts_the_embedded_servers_it_needs(private_home):
    import subprocess
    import sys

    from workbench.paths import PROJECT_ROOT

    home = private_home["WORKBENCH_HOME"]
    proc = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "manage.py"), "check", "--database", "default"],
        env={**os.environ, **private_home},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert _postmasters(home) == 1
    assert _redis_servers(home) == 1


def test_the_secret_key_is_generated_once_per_install_and_private(tmp_path):
    from marketplace import conf

    home = tmp_path / "state"
    before = conf.read({"WORKBENCH_HOME": str(home)})
    assert before.secret_key_source == "process"  # reading makes nothing
    assert not home.exists()
    path = conf.ensure_secret_key(home)
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    first = conf.read({"WORKBENCH_HOME": str(home)})
    assert first.secret_key_source == "state folder"
    assert len(first.secret_key) >= 50 and first.secret_key != before.secret_key
    conf.ensure_secret_key(home)  # idempotent: the key never changes under running tokens
    assert conf.read({"WORKBENCH_HOME": str(home)}).secret_key == first.secret_key
    chosen = conf.read({"WORKBENCH_HOME": str(home), "DJANGO_SECRET_KEY": "from-env"})
    assert (chosen.secret_key, chosen.secret_key_source) == ("from-env", "environment")


@pytest.mark.parametrize(
    ("variable", "url", "reason"),
    [
        ("DATABASE_URL", "not a url", "postgresql://"),
        ("REDIS_URL", "redis://:hunter2@127.0.0.1:1/0", "not answering"),
    ],
)
def test_status_and_up_ask_the_server_not_the_pid_file(
    run_workbench, private_home, variable, url, reason
):
    env = {**private_home, variable: url}
    for command in ("status", "up"):
        result = run_workbench(command, env=env)
        assert result.returncode in (1, 3), result.stderr
        assert reason in result.stdout + result.stderr
        assert "hunter2" not in result.stdout + result.stderr
    run_workbench("down", env=private_home)


def test_a_killed_embedded_postgres_is_not_running(run_workbench, private_home):
    import signal

    home = private_home["WORKBENCH_HOME"]
    assert run_workbench("up", env=private_home).returncode == 0
    pid = int((Path(home) / "pg" / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGKILL)
    status = run_workbench("status", env=private_home)
    assert status.returncode == 3
    assert "postgresql" in status.stdout and "running" not in status.stdout.split("redis")[0]
    again = run_workbench("up", env=private_home)  # starts it anew
    assert again.returncode == 0, again.stdout + again.stderr
    assert run_workbench("status", env=private_home).returncode == 0

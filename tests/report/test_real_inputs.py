"""`workbench report` on the real notebooks, in a database it did not create, with passwords.

One database made here without the workbench's marker (so only ``--allow-external``
lets a report write to it), a Redis of its own that requires a password, and a password
holding ``@``, ``:`` and ``%`` in both URLs. Two runs: the seed, the baseline of one
scenario and the summary (userinfo forms), then the summary alone (``?password=`` forms).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.optim.redis_server import PrivateRedis
from tests.report.conftest import workbench

pytestmark = pytest.mark.slow

PASSWORD = "Rpt@pw:x%41y"  # %41 stays literal: a decoder that runs twice would make it "A"
ENCODED = quote(PASSWORD, safe="")
FORMS = {PASSWORD, ENCODED, quote(PASSWORD)}


@pytest.fixture(scope="module")
def password_redis():
    """A redis-server with ``requirepass``: AUTH must succeed, so the password is really used."""
    server = PrivateRedis(password=PASSWORD)
    server.start()
    yield server
    server.close()


@pytest.fixture(scope="module")
def external_database():
    """A database on the workbench's server without the marker: not the workbench's."""
    from marketplace import dsn
    from workbench.env import services

    name = f"{os.environ.get('WORKBENCH_TEST_DB') or f'test_wb_{os.getpid()}'}_external"
    server = services.database_url()
    admin = dsn.connect(server, "postgres", autocommit=True)
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    yield name, dsn.parse(server)["host"]
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def _run(tmp_path_factory, env: dict, *args: str):
    out = tmp_path_factory.mktemp("external") / "run"
    prefix = os.environ.get("WORKBENCH_CACHE_PREFIX", "wb")
    proc = workbench(
        "report", "--scale", "tiny", "--repeat", "1", "--out", str(out), "--no-gate", *args,
        env={**env, "WORKBENCH_CACHE_PREFIX": f"{prefix}-external"},
        timeout=600,
    )  # fmt: skip
    return proc, out


@pytest.fixture(scope="module")
def userinfo_run(external_database, password_redis, tmp_path_factory):
    name, socket_dir = external_database
    env = {
        "DATABASE_URL": f"postgresql://postgres:{ENCODED}@/{name}?host={socket_dir}",
        "REDIS_URL": f"unix://:{ENCODED}@{password_redis.socket}?db=0",
    }
    return _run(
        tmp_path_factory, env,
        "--only", "01_seed,02_baseline,06_report", "--scenarios", "wallet", "--allow-external",
    )  # fmt: skip


@pytest.fixture(scope="module")
def query_run(userinfo_run, external_database, password_redis, tmp_path_factory):
    name, socket_dir = external_database
    env = {
        "DATABASE_URL": f"postgresql://postgres@/{name}?host={socket_dir}&password={ENCODED}",
        "REDIS_URL": f"unix://{password_redis.socket}?db=0&password={ENCODED}",
    }
    return _run(tmp_path_factory, env, "--only", "06_report", "--allow-external")


def _files_holding_a_password(folder: Path, skip: tuple[Path, ...] = ()) -> list[str]:
    found = []
    for path in folder.rglob("*"):
        if not path.is_file() or path.is_symlink() or any(path.is_relative_to(s) for s in skip):
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if any(form.encode() in data for form in FORMS):
            found.append(str(path))
    return found


def test_allow_external_reaches_every_notebook_step(userinfo_run, external_database):
    """01_seed re-checked ownership without the flag, so --allow-external never worked."""
    from marketplace import dsn
    from workbench.env import services

    proc, out = userinfo_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads((out / "seed.json").read_text())  # 01 seeded the external database
    assert (out / "02_baseline" / "results.json").exists()
    name, _ = external_database
    with dsn.connect(services.database_url(), name) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM accounts_user")
        assert cur.fetchone()[0] > 0


@pytest.mark.parametrize("which", ["userinfo_run", "query_run"])
def test_passwords_with_at_colon_and_percent_reach_no_file_and_no_terminal(which, request):
    from workbench.env import services

    proc, out = request.getfixturevalue(which)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads((out / "summary.json").read_text())
    assert data["environment"]["redis"][0].isdigit()  # the password Redis was really used
    assert {"summary.json", "index.html", "06_report.html"} <= {p.name for p in out.iterdir()}
    assert _files_holding_a_password(out) == []
    for form in FORMS:
        assert form not in proc.stdout and form not in proc.stderr
    assert _files_holding_a_password(services.state_dir()) == []

"""`workbench load`: a short real run, alone and as a Locust master with two local workers."""

from __future__ import annotations

import json

from tests.load.conftest import workbench
from workbench.load.figures import CONTRACT


def _databases_like(pattern: str) -> list[str]:
    from marketplace import dsn
    from workbench.env import services

    conn = dsn.connect(services.database_url(), dbname="postgres")
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [pattern])
            return [row[0] for row in cur.fetchall()]
    finally:
        conn.close()


def test_load_at_two_users_gives_the_contract_and_no_errors_under_all(load_env, tmp_path):
    out = tmp_path / "run"
    done = workbench(
        "load", "--variant", "all", "--users", "2", "--duration", "3", "--warmup", "1",
        "--workers", "1", "--threads", "2", "--out", str(out), env=load_env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    line = json.loads(done.stdout.strip().splitlines()[0])
    assert set(CONTRACT) <= set(line)
    result = json.loads((out / "load.json").read_text())
    (level,) = result["levels"]
    assert list(level)[: len(CONTRACT)] == list(CONTRACT)
    assert level["variant"] == "all" and level["users"] == 2
    assert level["requests"] > 0 and level["errors"] == 0
    assert level["queries_per_request"] is not None and level["hit_rate"] is not None
    assert level["server_cpu_ms_per_request"] > 0  # the embedded server: local, readable
    assert "parallel workers" in level["server_cpu"]["includes"]
    assert level["server"]["requests"] >= level["requests"]  # in flight at the stop: answered
    # the writes went into a copy, which is gone; no plan file with tokens is left
    assert _databases_like("%_load_all_%") == []
    assert not list(out.rglob("plan.json"))


def test_master_with_two_local_workers_totals_are_the_sum_of_the_workers(load_env, tmp_path):
    out = tmp_path / "run"
    done = workbench(
        "load", "--variant", "all", "--users", "4", "--duration", "4", "--warmup", "0",
        "--workers", "1", "--threads", "4", "--master", "--expect-workers", "2",
        "--out", str(out), env=load_env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (level,) = json.loads((out / "load.json").read_text())["levels"]
    workers = level["locust"]["per_process"]
    assert [w["role"] for w in workers] == ["worker", "worker"]
    assert all(w["requests"] > 0 for w in workers)
    totals = level["locust"]["totals"]
    assert totals["requests"] == sum(w["requests"] for w in workers) == level["requests"]
    assert totals["failures"] == sum(w["failures"] for w in workers) == level["errors"] == 0

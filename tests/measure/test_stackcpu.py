"""Whole-stack CPU: parallel workers counted, this process's CPU, Redis's, and "not measured"."""

from __future__ import annotations

import pytest
from django.db import connection
from django_redis import get_redis_connection

from analysis import dbcpu
from analysis.stackcpu import KEYS, StackCpuMeter, StackReading
from tests.parallel_scan import FORCE_PARALLEL, SCAN, workers_launched


def test_a_parallel_scan_s_workers_are_counted(db):
    """The leader-only figure misses the workers; the default method counts them."""
    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE cpu_rows AS SELECT g AS id, md5(g::text) AS t "
            "FROM generate_series(1, 300000) g"
        )
        for statement in FORCE_PARALLEL:
            cur.execute(statement)
        leader, whole = (dbcpu.CpuMeter.for_connection(workers=w) for w in (False, True))
        assert whole.method == dbcpu.WORKERS
        before_leader, before_whole = leader.read(), whole.read()
        launched = 0
        for _ in range(5):
            cur.execute(SCAN)
            launched += workers_launched(cur.fetchone()[0])
        parts = whole.elapsed_parts(before_whole)
        leader_ms = leader.elapsed_ms(before_leader)
    if launched == 0:
        pytest.skip("no parallel worker slot was free on the shared server")
    whole_ms = parts["backend_ms"] + parts["workers_ms"]
    assert leader_ms is not None and leader_ms > 0
    assert parts["workers_ms"] >= 20  # 5 scans, each worker reads up to 1/3 of 300,000 rows
    assert whole_ms >= leader_ms


def test_exited_processes_running_before_count_only_what_they_spent_since():
    meter = dbcpu.CpuMeter(method=dbcpu.WORKERS)
    other, gone = (1001, "5"), (1002, "6")
    before = dbcpu.Reading(dbcpu.WORKERS, 150.0, (7, 1), 50.0, 100.0, {other: 30.0, gone: 400.0})
    # gone exited with 410 ms (reaped 100 -> 510 + 25 of a parallel worker): 35 ms since.
    after = dbcpu.Reading(dbcpu.WORKERS, 615.0, (7, 1), 80.0, 535.0, {other: 31.0})
    meter.read = lambda: after
    parts = meter.elapsed_parts(before)
    assert parts == {"backend_ms": 30.0, "workers_ms": 35.0, "foreign_exits": 1}
    assert meter.elapsed_ms(before) == 65.0
    meter.read = lambda: dbcpu.Reading(dbcpu.WORKERS, 615.0, (8, 1), 80.0, 535.0, {})
    assert meter.elapsed_ms(before) is None  # another backend: nothing to subtract


def test_app_cpu_grows_with_python_work_and_the_rest_is_not_measured():
    meter = StackCpuMeter()
    before = meter.read()
    sum(i * i for i in range(2_000_000))
    used = meter.elapsed(before)
    assert set(used) == set(KEYS)
    assert used["app_cpu_ms"] > 10
    assert used["db_cpu_ms"] is None and used["redis_cpu_ms"] is None
    assert used["total_cpu_ms"] is None  # never a total of some of the parts
    reasons = meter.as_dict()
    assert reasons["db"]["method"] == reasons["redis"]["method"] == "not measured"
    assert "no Redis INFO callable" in reasons["redis"]["reason"]


def test_redis_cpu_is_read_from_the_real_server_and_totals_add_up(db):
    client = get_redis_connection("default")
    meter = StackCpuMeter.for_connection(redis_info=lambda: client.info("cpu"))
    before = meter.read()
    client.eval("local x = 0 for i = 1, 3000000 do x = x + i end return 0", 0)
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM generate_series(1, 1000000)")
    used = meter.elapsed(before)
    assert used["redis_cpu_ms"] > 5  # the script runs inside Redis
    assert used["db_cpu_ms"] > 20
    assert used["total_cpu_ms"] == pytest.approx(
        used["db_cpu_ms"] + used["app_cpu_ms"] + used["redis_cpu_ms"]
    )
    assert meter.as_dict()["redis"]["method"] == "redis_info_cpu"
    assert meter.as_dict()["db"]["method"] == dbcpu.WORKERS


def test_an_unreachable_or_restarted_redis_is_not_measured():
    def down():
        raise ConnectionError("refused")

    meter = StackCpuMeter(redis_info=down)
    assert meter.elapsed(meter.read())["redis_cpu_ms"] is None
    assert "ConnectionError" in meter.as_dict()["redis"]["reason"]
    assert (
        StackCpuMeter(redis_info=dict).elapsed(StackReading(None, 0.0, 1.0))["redis_cpu_ms"] is None
    )
    restarted = StackCpuMeter(redis_info=lambda: {"used_cpu_user": 0.5, "used_cpu_sys": 0.1})
    assert restarted.elapsed(StackReading(None, 0.0, 9000.0))["redis_cpu_ms"] is None
    assert "restarted" in restarted.as_dict()["redis"]["reason"]


def test_a_remote_server_without_pg_stat_statements_is_not_measured(db, monkeypatch):
    monkeypatch.setattr(dbcpu, "is_local_host", lambda host: False)
    meter = StackCpuMeter.for_connection()
    if meter.db.method == dbcpu.PGSS:
        pytest.skip("this server has pg_stat_statements")
    assert meter.db.method == dbcpu.UNAVAILABLE
    assert meter.elapsed(meter.read())["db_cpu_ms"] is None
    assert "not on this machine" in meter.as_dict()["db"]["reason"]

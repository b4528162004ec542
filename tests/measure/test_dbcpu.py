"""Database CPU: the backend's own accounting where the server is local, else fallbacks."""

from __future__ import annotations

import os

import pytest
from django.db import connection

from analysis import dbcpu


@pytest.mark.parametrize(
    "host, local",
    [
        ("/work/.workbench/pg", True),
        ("", True),
        ("localhost", True),
        ("127.0.0.1", True),
        ("::1", True),
        ("db.internal", False),
        ("10.0.0.5", False),
    ],
)
def test_local_hosts(host, local):
    assert dbcpu.is_local_host(host) is local


def test_the_method_falls_back_in_order():
    assert dbcpu.choose_method(True, dbcpu.SCHEDSTAT, True) == dbcpu.SCHEDSTAT
    assert dbcpu.choose_method(True, dbcpu.STAT, False) == dbcpu.STAT
    assert dbcpu.choose_method(False, dbcpu.SCHEDSTAT, True) == dbcpu.PGSS
    assert dbcpu.choose_method(True, None, True) == dbcpu.PGSS
    assert dbcpu.choose_method(False, None, False) == dbcpu.UNAVAILABLE
    assert dbcpu.choose_method(True, dbcpu.SCHEDSTAT, True, workers=True) == dbcpu.WORKERS
    assert dbcpu.choose_method(False, dbcpu.SCHEDSTAT, True, workers=True) == dbcpu.PGSS


def test_process_cpu_of_this_process_grows():
    method, before = dbcpu.process_cpu_ms(os.getpid())
    assert method in (dbcpu.SCHEDSTAT, dbcpu.STAT)
    sum(i * i for i in range(2_000_000))
    assert dbcpu.process_cpu_ms(os.getpid())[1] > before
    assert dbcpu.process_cpu_ms(2**22 + 12345) is None  # no such process


def test_the_backend_cpu_of_a_heavy_statement_is_measured(db):
    meter = dbcpu.CpuMeter.for_connection(workers=True)
    assert meter.method == dbcpu.WORKERS  # the suite's server is local
    assert meter.backend_method in (dbcpu.SCHEDSTAT, dbcpu.STAT)
    assert dbcpu.is_postgres_process(meter.backend_pid())
    before = meter.read()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM generate_series(1, 3000000)")
    heavy = meter.elapsed_ms(before)
    assert heavy is not None and heavy > 20
    assert meter.as_dict()["method"] == dbcpu.WORKERS
    assert meter.as_dict()["description"].startswith("CPU time of the PostgreSQL backend")


def test_the_backend_alone_is_measured_by_default(db):
    meter = dbcpu.CpuMeter.for_connection()
    assert meter.method in (dbcpu.SCHEDSTAT, dbcpu.STAT)
    assert meter.elapsed_parts(meter.read())["workers_ms"] is None


def test_a_reading_from_another_backend_is_not_subtracted(db):
    meter = dbcpu.CpuMeter.for_connection()
    other = dbcpu.Reading(meter.method, 1.0, source=meter.backend_pid() + 1)
    assert meter.elapsed_ms(other) is None
    assert meter.elapsed_ms(meter.read()) is not None

"""The whole server's CPU over a load window: parallel workers counted, None when not local."""

from __future__ import annotations

import pytest
from django.db import connection

from analysis import servercpu
from tests.parallel_scan import FORCE_PARALLEL, SCAN, workers_launched
from workbench.load import counters, figures, run


def _url_of_test_database() -> str:
    from marketplace import dsn
    from workbench.env import services

    return dsn.with_database(services.database_url(), connection.settings_dict["NAME"])


def _request(app) -> None:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "wsgi.input": None}
    body = app(environ, lambda status, headers, exc_info=None: None)
    assert list(body) == [b"ok"]


def test_a_parallel_scan_raises_the_server_figure_above_the_backends_one(db, tmp_path):
    """Through the load harness's own wrapper and window: the leader's backend is all that
    ``db_cpu_ms_per_request`` sees; the server's figure adds the workers it reaped."""
    from workbench.load.wsgi import counting

    launched = []

    def scanning(environ, start_response):
        with connection.cursor() as cur:
            cur.execute(SCAN)
            launched.append(workers_launched(cur.fetchone()[0]))
        start_response("200 OK", [])
        return [b"ok"]

    with connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE cpu_rows AS SELECT g AS id, md5(g::text) AS t "
            "FROM generate_series(1, 300000) g"
        )
        for statement in FORCE_PARALLEL:
            cur.execute(statement)
    url = _url_of_test_database()
    measured = run.Measured(tmp_path, url, run.locate_server_cpu(url))
    assert measured.server_cpu.available, measured.server_cpu.reason
    app = counting(scanning, tmp_path)
    before = run._window_before(measured)
    for _ in range(5):
        _request(app)
    counted, _, server_cpu = run._window_after(measured, before)
    if sum(launched) == 0:
        pytest.skip("no parallel worker slot was free on the shared server")
    side = figures.server_side(counted, None, server_cpu)
    assert counted["requests"] == 5 and counted["cpu_unavailable"] == 0
    backends_ms = counted["db_cpu_us"] / 1000
    assert backends_ms > 0 and side["db_cpu_ms_per_request"] > 0
    # each worker reads up to a third of 300,000 rows per scan, 5 scans: well over 20 ms
    assert server_cpu["ms"] >= backends_ms + 20
    assert side["server_cpu_ms_per_request"] > side["db_cpu_ms_per_request"]
    assert "parallel workers" in side["server_cpu"]["includes"]
    assert side["server_cpu"]["postmaster"] == measured.server_cpu.postmaster


def test_the_whole_server_reading_grows_with_any_backend_s_work(db):
    pid = connection.connection.get_backend_pid() if connection.connection else None
    if pid is None:
        connection.ensure_connection()
        pid = connection.connection.get_backend_pid()
    server = servercpu.ServerCpu.locate(connection.settings_dict.get("HOST"), pid)
    assert server.available and server.reason is None
    before = server.read()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM generate_series(1, 2000000)")
    assert server.read() - before >= 20  # 2 million rows: tens of ms of one backend


def test_a_server_not_on_this_machine_gives_none_with_a_reason(db, tmp_path):
    remote = servercpu.ServerCpu.locate("db.internal.example", 12345)
    assert not remote.available and remote.read() is None
    assert remote.reason == "the server is not on this machine"
    assert servercpu.ServerCpu.locate("127.0.0.1", None).reason  # no backend to start from
    measured = run.Measured(tmp_path, _url_of_test_database(), remote)
    worker = counters.CounterFile(tmp_path)
    worker.add(requests=4, queries=8)
    before = run._window_before(measured)
    worker.add(requests=4, queries=8)
    counted, _, server_cpu = run._window_after(measured, before)
    side = figures.server_side(counted, None, server_cpu)
    assert counted["requests"] == 4
    assert side["server_cpu_ms_per_request"] is None
    assert side["server_cpu"]["reason"] == "the server is not on this machine"
    assert figures.server_side(None, None)["server_cpu_ms_per_request"] is None

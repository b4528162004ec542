"""The monitoring pieces in process: configuration, the panel's findings, the cache metrics,
workload files, silk rows to a workload, and bad input refused in one line."""

from __future__ import annotations

import json

import pytest

from marketplace import conf


@pytest.mark.parametrize(
    "environ, expected",
    [
        ({}, None),
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "https://otlp.nr-data.net"}, "otlp"),
        ({"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, "otlp"),
        ({"OTEL_TRACES_EXPORTER": "console"}, "console"),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://x"}, None),
        ({"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://x"}, None),
    ],
)
def test_traces_are_off_unless_an_exporter_is_configured(environ, expected):
    assert conf.read(environ).traces == expected


def test_measurements_run_without_any_monitoring_tool():
    from django.conf import settings

    assert conf.read({}).metrics is False
    installed = set(settings.INSTALLED_APPS)
    assert not installed & {"marketplace.telemetry", "django_prometheus", "debug_toolbar", "silk"}
    assert not any("prometheus" in m or "silk" in m for m in settings.MIDDLEWARE)
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@pytest.fixture
def _cache_off(fresh_cache):
    yield


def _captured(client, variant: str):
    from analysis.capture import capture
    from marketplace.api import switches

    with switches.named(variant), capture(label="job_list") as run:
        assert client.get("/api/jobs/", {"page_size": 5}).status_code == 200
    return run


def test_panel_names_the_n_plus_ones_with_their_fix_and_plans_the_slowest(seeded_tiny, db, client):
    from workbench.monitoring.panel import stats_of

    stats = stats_of(_captured(client, "baseline"))
    assert len(stats["n_plus_one"]) == 4
    fields = {f["serializer_field"].split(" ")[0] for f in stats["n_plus_one"]}
    assert {"JobSerializer.client", "JobSerializer.industry", "JobSerializer.subcategory"} <= fields
    assert all(f["fix"] and "JobListView.get_queryset" in f["fix_in"] for f in stats["n_plus_one"])
    assert stats["slowest"]["plan"] and stats["slowest"]["note"] is None
    json.dumps(stats)  # the toolbar stores it as JSON
    eager = stats_of(_captured(client, "eager"))
    assert eager["n_plus_one"] == [] and eager["queries"] < stats["queries"]


def test_cache_metrics_follow_the_stores_counters(_cache_off):
    from marketplace.cache import counters
    from marketplace.telemetry import metrics

    metrics.sync()

    def value(kind, result):
        return metrics.LOOKUPS.labels(kind=kind, result=result)._value.get()

    hits, misses = value("ratings", "hit"), value("ratings", "miss")
    counters.record("ratings", True)
    counters.record("ratings", False)
    counters.record("ratings", False)
    metrics.sync()
    metrics.sync()  # nothing new: nothing added
    assert (value("ratings", "hit") - hits, value("ratings", "miss") - misses) == (1, 2)
    counters.reset()  # a counter going down is a reset, never a negative increment
    counters.record("ratings", True)
    metrics.sync()
    assert value("ratings", "hit") - hits == 1


def _workload(**changes) -> dict:
    request = {"name": "jobs#0", "method": "GET", "path": "/api/jobs/", "params": {}, "user": None}
    request.update(changes)
    return {"format": "workbench-workload", "version": 1, "requests": [request]}


@pytest.mark.parametrize(
    "document, message",
    [
        ({"requests": []}, "not a workload file"),
        (_workload(method="POST"), "method 'POST' is not replayed"),
        (_workload(path="api/jobs"), "does not start with /"),
        (_workload(user="7"), "user must be a user id"),
        (_workload(params={"page": 2}), "params must map names to strings"),
    ],
)
def test_a_bad_workload_is_refused_with_what_is_wrong(document, message):
    from workbench.monitoring.replay import WorkloadError, parse

    with pytest.raises(WorkloadError, match=message):
        parse(document)


def test_measure_refuses_a_bad_workload_in_one_line_before_anything(run_workbench, tmp_path):
    bad = tmp_path / "w.json"
    bad.write_text(json.dumps(_workload(method="DELETE")))
    out = tmp_path / "out"
    done = run_workbench("measure", "--workload", str(bad), "--out", str(out))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().count("\n") == 0 and "'DELETE' is not replayed" in done.stderr
    assert not out.exists()


def _row(method="GET", path="/api/jobs/", status=200, params=None, caller=None, ms=5.0, q=3):
    headers = {"Content-Type": "application/json"}
    if caller is not None:
        headers["X-Workbench-Caller"] = f"user {caller}"
    return {
        "method": method,
        "path": path,
        "query_params": json.dumps(params) if params else "",
        "view": "api:jobs" if path == "/api/jobs/" else "api:applications",
        "status": status,
        "response_headers": json.dumps(headers),
        "time_ms": ms,
        "queries": q,
    }


def test_silk_rows_become_distinct_reads_most_frequent_first():
    from workbench.monitoring.replay import parse
    from workbench.monitoring.silk_import import group, to_workload

    rows = [
        _row(params={"page_size": "5"}),
        _row(path="/api/applications/", caller=42, params={"profile": "1", "page": "2"}, ms=9),
        _row(path="/api/applications/", caller=42, params={"page": "2"}, ms=11, q=5),
        _row(path="/api/applications/", caller=7),
        _row(method="POST", path="/api/saved-jobs/", caller=42),
        _row(status=404),
        _row(path="/silk/requests/"),
    ]
    workload = to_workload(*group(rows))
    assert workload.skipped == {"writes": 1, "not_200": 1, "tools": 1, "unanswered": 0}
    first, *rest = workload.entries
    assert (first.name, first.user, first.params, first.count) == (
        "applications#0", 42, {"page": "2"}, 2
    )  # fmt: skip
    assert (first.recorded_p50_ms, first.recorded_queries) == (10.0, 4)
    assert sorted(e.name for e in rest) == ["applications#1", "jobs#0"]
    assert parse(workload.as_dict()).entries == workload.entries  # the file reads back


def test_push_urls_are_checked_and_never_printed_with_a_password():
    import argparse

    from workbench.monitoring.push import gateway_url, redacted

    assert gateway_url("http://127.0.0.1:9091") == "http://127.0.0.1:9091"
    for bad in ("127.0.0.1:9091", "ftp://host", "http://", "http://host:99999"):
        with pytest.raises(argparse.ArgumentTypeError):
            gateway_url(bad)
    assert redacted("https://ci:hunter2@gw.internal:9091/x") == "https://ci:***@gw.internal:9091/x"


def test_serve_profile_refuses_a_database_without_silks_tables(db, run_workbench):
    from django.db import connection

    from marketplace.dsn import with_database
    from workbench.env import services
    from workbench.load import server

    url = with_database(services.database_url(), connection.settings_dict["NAME"])
    port = str(server.free_port())
    done = run_workbench("serve", "--profile", "--port", port, env={"DATABASE_URL": url})
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip().count("\n") == 0
    assert "workbench migrate --profile" in done.stderr

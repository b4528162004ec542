"""`workbench serve --profile --metrics` with OTLP export: silk records requests with their
queries, /metrics answers with the dashboard's series, spans reach an OTLP endpoint;
`workbench import-silk` makes a workload that `workbench measure --workload` replays."""

from __future__ import annotations

import json
import re

import pytest

from marketplace import dsn
from tests.monitoring.conftest import get, serving, workbench

DASHBOARD_NAME = re.compile(r"\b((?:django|marketplace)_[a-z0-9_]+)")
# Counters with labels have no series until the event happens once (no database error
# ran, no connection failed); the scrape cannot show them.
ONLY_AFTER_AN_EVENT = {"django_db_errors_total"}


def _rows(url: str, sql: str, params=()) -> list[tuple]:
    conn = dsn.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()
    finally:
        conn.close()


def _caller_and_job(url: str) -> tuple[int, int]:
    """A freelancer with applications, and an open job of an active client they have not saved."""
    (freelancer,) = _rows(
        url,
        "SELECT applicant_id FROM jobs_application GROUP BY applicant_id "
        "ORDER BY count(*) DESC, applicant_id LIMIT 1",
    )[0]
    (job,) = _rows(
        url,
        "SELECT j.id FROM jobs_job j JOIN accounts_user u ON u.id = j.client_id "
        "WHERE j.status = 'open' AND u.is_active AND j.client_id <> %s AND NOT EXISTS "
        "(SELECT 1 FROM jobs_savedjob s WHERE s.job_id = j.id AND s.user_id = %s) "
        "ORDER BY j.id LIMIT 1",
        (freelancer, freelancer),
    )[0]
    return freelancer, job


def _post(url: str, body: dict, headers: dict) -> int:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={**headers, "Content-Type": "application/json"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _dashboard_metrics() -> set[str]:
    from workbench.paths import PROJECT_ROOT

    dashboard = json.loads((PROJECT_ROOT / "docs" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    return {name for e in exprs for name in DASHBOARD_NAME.findall(e)}


@pytest.mark.slow
def test_profile_records_metrics_and_traces_then_replays(monitored_env, recorder, tmp_path):
    from marketplace.accounts.models import User
    from marketplace.api.auth import token_for

    url = monitored_env["DATABASE_URL"]
    freelancer, job = _caller_and_job(url)
    bearer = {"Authorization": f"Bearer {token_for(User(pk=freelancer))}"}
    env = {
        **monitored_env,
        "OTEL_EXPORTER_OTLP_ENDPOINT": recorder.url,
        "OTEL_SERVICE_NAME": "marketplace-under-test",
        "OTEL_BSP_SCHEDULE_DELAY": "100",
    }
    serve = ["--profile", "--metrics", "--variant", "baseline", "--workers", "1", "--threads", "2"]
    with serving(env, *serve) as base:
        assert get(f"{base}/api/applications/?page_size=3&profile=1", bearer)[0] == 200
        for _ in range(2):
            assert get(f"{base}/api/jobs/?page_size=4")[0] == 200
        assert _post(f"{base}/api/saved-jobs/", {"job": job}, bearer) == 201  # a write
        status, silk_page, _ = get(f"{base}/silk/")
        assert status == 200 and b"silk" in silk_page.lower()
        status, metrics, headers = get(f"{base}/metrics")
        spans = recorder.wait("/v1/traces")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    text = metrics.decode()
    assert re.search(
        r'^django_db_execute_total\{alias="default",vendor="postgresql"\} [1-9]', text, re.M
    )
    assert (
        'django_http_requests_latency_seconds_by_view_method_bucket{le="0.005",method="GET",view="api:applications"}'
        in text
    )
    assert re.search(
        r'^marketplace_variant_info\{cache="0",eager="0",variant="baseline"\} 1\.0$', text, re.M
    )
    assert 'marketplace_cache_lookups_total{kind="response",result="hit"} 0.0' in text
    scraped = {
        line.split("{")[0].split(" ")[0] for line in text.splitlines() if line and line[0] != "#"
    }
    assert _dashboard_metrics() - ONLY_AFTER_AN_EVENT <= scraped
    # OpenTelemetry: spans went out over OTLP/HTTP (protobuf), with the service named.
    assert spans, "no OTLP export reached the endpoint"
    payload = b"".join(s.body for s in spans)
    assert spans[0].headers.get("content-type") == "application/x-protobuf"
    assert b"marketplace-under-test" in payload and b"postgresql" in payload

    # silk recorded the read with its queries and its profile, and who called.
    recorded = _rows(
        url,
        "SELECT r.id, r.num_sql_queries, length(r.pyprofile), s.encoded_headers "
        "FROM silk_request r JOIN silk_response s ON s.request_id = r.id "
        "WHERE r.path = '/api/applications/'",
    )
    assert len(recorded) == 1
    request_id, queries, profile_length, response_headers = recorded[0]
    assert queries > 0 and profile_length > 0
    assert json.loads(response_headers)["X-Workbench-Caller"] == f"user {freelancer}"
    (stored,) = _rows(
        url, "SELECT count(*) FROM silk_sqlquery WHERE request_id = %s", (request_id,)
    )[0]
    assert stored == queries
    assert (
        _rows(
            url,
            "SELECT count(*) FROM silk_request WHERE encoded_headers LIKE %s",
            (f"%{bearer['Authorization'][7:]}%",),
        )[0][0]
        == 0
    )

    out = tmp_path / "workload.json"
    done = workbench("import-silk", "--out", str(out), env=monitored_env)
    assert done.returncode == 0, done.stderr
    assert "1 writes" in done.stdout
    workload = json.loads(out.read_text())
    by_path = {r["path"]: r for r in workload["requests"]}
    assert by_path["/api/applications/"]["user"] == freelancer
    assert by_path["/api/applications/"]["params"] == {"page_size": "3"}  # ?profile dropped
    assert by_path["/api/jobs/"]["user"] is None
    assert {
        r["params"]["page_size"] for r in workload["requests"] if r["path"] == "/api/jobs/"
    } >= {"4"}
    assert "/api/saved-jobs/" not in by_path and workload["skipped"]["writes"] == 1

    measured = tmp_path / "measure"
    done = workbench(
        "measure", "--workload", str(out), "--variants", "baseline,eager", "--repeat", "2",
        "--requests", "0", "--no-explain", "--out", str(measured), "--json", env=monitored_env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert [s["name"] for s in result["scenarios"]] == [r["name"] for r in workload["requests"]]
    replayed = next(
        s for s in result["scenarios"] if s["name"] == by_path["/api/applications/"]["name"]
    )
    # The replay, as the same caller, ran the statements silk recorded; eager loading fewer.
    assert replayed["variants"]["baseline"]["queries"] == queries
    assert replayed["variants"]["eager"]["queries"] < queries

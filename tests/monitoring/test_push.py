"""The Pushgateway push: a local endpoint records exactly what prometheus-client sends, and a
real Pushgateway (Debian's prometheus-pushgateway, when installed) serves it back."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request

import pytest

from tests.monitoring.conftest import workbench
from tests.report.samples import sample
from workbench.load import server


def _summary(tmp_path):
    summary = sample()
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(summary))
    return summary, path


def test_push_sends_criteria_and_scenario_figures(tmp_path, recorder):
    summary, path = _summary(tmp_path)
    url = recorder.url.replace("http://", "http://nightly:s3cret@")
    done = workbench("push-metrics", str(path), "--gateway", url, env={})
    assert done.returncode == 0, done.stderr
    assert "s3cret" not in done.stdout + done.stderr and "nightly:***@" in done.stdout
    (put,) = recorder.received
    assert put.method == "PUT"  # a push replaces its group
    assert put.path == f"/metrics/job/workbench_report/instance/{summary['parameters']['scale']}"
    assert put.headers["authorization"].startswith("Basic ")
    body = put.body.decode()
    first = summary["criteria"][0]
    assert f'workbench_criterion_passed{{criterion="{first["name"]}",measured_on=""}} 1.0' in body
    assert 'workbench_scenario_queries{scenario="job_list",variant="all"} 2.0' in body
    assert 'workbench_scenario_p50_seconds{scenario="job_list",variant="all"} 0.008' in body
    assert "workbench_report_pushed_timestamp_seconds " in body


def test_push_refuses_a_bad_url_and_a_bad_summary_before_anything(tmp_path, recorder):
    _, path = _summary(tmp_path)
    done = workbench("push-metrics", str(path), "--gateway", "ftp://host", env={})
    assert done.returncode == 2 and "http(s) URL" in done.stderr
    done = workbench("report", "--push-gateway", "nohost", "--scale", "tiny", env={})
    assert done.returncode == 2 and "--push-gateway" in done.stderr
    assert recorder.received == []


def test_dashboard_series_of_the_report_are_the_ones_pushed():
    import re

    from workbench.monitoring.push import registry
    from workbench.paths import PROJECT_ROOT

    dashboard = json.loads((PROJECT_ROOT / "docs" / "grafana-dashboard.json").read_text())
    exprs = " ".join(t["expr"] for p in dashboard["panels"] for t in p["targets"])
    wanted = set(re.findall(r"\b(workbench_[a-z0-9_]+)", exprs))
    pushed = {m.name for m in registry(sample()).collect()}
    assert wanted and wanted <= pushed


def test_a_real_pushgateway_serves_what_was_pushed():
    binary = shutil.which("prometheus-pushgateway") or shutil.which("pushgateway")
    if binary is None:
        pytest.skip(
            "prometheus-pushgateway not installed (Debian: apt-get install prometheus-pushgateway)"
        )
    from workbench.monitoring.push import push

    summary = sample()
    port = server.free_port()
    gateway = subprocess.Popen(
        [binary, f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{url}/-/ready", timeout=2).close()
                break
            except OSError:
                time.sleep(0.1)
        assert push(summary, url) > 0
        with urllib.request.urlopen(f"{url}/metrics", timeout=10) as answer:
            served = answer.read().decode()
    finally:
        gateway.terminate()
        gateway.wait(10)
    labels = 'instance="tiny",job="workbench_report"'
    assert (
        f'workbench_scenario_n_plus_one{{{labels},scenario="job_list",variant="baseline"}} 1'
        in served
    )
    assert f"push_failure_time_seconds{{{labels}}} 0" in served

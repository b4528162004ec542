"""A report's figures to a Prometheus Pushgateway, so dashboards and alerts can track them.

``workbench report --push-gateway URL`` (after the report is written) and ``workbench
push-metrics RUN --gateway URL`` push one group, job ``workbench_report`` and the run's
scale as ``instance`` (a later run of the same scale replaces it, as a Pushgateway
group should), with prometheus-client's ``push_to_gateway``:

| metric | labels | value |
|---|---|---|
| ``workbench_criterion_passed`` | ``criterion`` (its key), ``measured_on`` | 1 passed, 0 failed |
| ``workbench_criterion_measured`` | ``criterion``, ``unit`` | the figure judged (absent when not measured) |
| ``workbench_scenario_queries`` | ``scenario``, ``variant`` | queries per call (median) |
| ``workbench_scenario_data_queries`` | ``scenario``, ``variant`` | of which about the data |
| ``workbench_scenario_n_plus_one`` | ``scenario``, ``variant`` | N+1 patterns |
| ``workbench_scenario_p50_seconds`` / ``_p95_seconds`` | ``scenario``, ``variant`` | latency |
| ``workbench_scenario_db_seconds`` | ``scenario``, ``variant`` | time in the database per call |
| ``workbench_scenario_speedup`` | ``scenario``, ``variant`` | p50 speedup over the baseline |
| ``workbench_cache_hit_rate`` | | the mixed workload's, per request |
| ``workbench_report_pushed_timestamp_seconds`` | | when this push happened |

An alert on ``workbench_criterion_passed == 0`` or on ``time() -
workbench_report_pushed_timestamp_seconds`` catches a failed criterion or a nightly
run that stopped pushing. A URL may carry ``user:password@`` for basic auth; it is
never printed with its password.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from workbench.errors import WorkbenchError

JOB = "workbench_report"
_SCENARIO_FIGURES = {
    "queries": ("workbench_scenario_queries", "Queries per call (median).", 1.0),
    "data_queries": (
        "workbench_scenario_data_queries",
        "Queries about the data per call (pagination COUNT and auth apart).",
        1.0,
    ),
    "n_plus_one": ("workbench_scenario_n_plus_one", "N+1 patterns found.", 1.0),
    "p50_ms": ("workbench_scenario_p50_seconds", "Median latency.", 0.001),
    "p95_ms": ("workbench_scenario_p95_seconds", "95th percentile latency.", 0.001),
    "db_ms": ("workbench_scenario_db_seconds", "Time in the database per call (median).", 0.001),
}


def gateway_url(text: str) -> str:
    """An ``argparse`` type: an http(s) URL with a host, or a one-line error (exit 2)."""
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"not an http(s) URL with a host: {redacted(text)!r} (e.g. http://127.0.0.1:9091)"
        )
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad port in {redacted(text)!r}") from None
    return text.strip()


def redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def registry(summary: Mapping[str, Any]):
    """The summary's criteria and per-scenario figures as a fresh registry of gauges."""
    from prometheus_client import CollectorRegistry, Gauge

    reg = CollectorRegistry()
    passed = Gauge(
        "workbench_criterion_passed",
        "1 when the success criterion passed, 0 when it failed.",
        ["criterion", "measured_on"],
        registry=reg,
    )
    measured = Gauge(
        "workbench_criterion_measured",
        "The figure a success criterion was judged on.",
        ["criterion", "unit"],
        registry=reg,
    )
    for criterion in summary.get("criteria", []):
        key = criterion.get("key") or criterion["name"]
        passed.labels(key, criterion.get("measured_on") or "").set(1 if criterion["passed"] else 0)
        if criterion.get("measured") is not None:
            measured.labels(key, criterion.get("unit") or "").set(criterion["measured"])
    gauges = {
        field: Gauge(name, help_text, ["scenario", "variant"], registry=reg)
        for field, (name, help_text, _) in _SCENARIO_FIGURES.items()
    }
    speedup = Gauge(
        "workbench_scenario_speedup",
        "p50 speedup over the baseline (above 1 is faster).",
        ["scenario", "variant"],
        registry=reg,
    )
    for scenario in summary.get("scenarios", []):
        for variant, figures in scenario["variants"].items():
            for field, (_, _, scale) in _SCENARIO_FIGURES.items():
                if figures.get(field) is not None:
                    gauges[field].labels(scenario["name"], variant).set(figures[field] * scale)
            judged = figures.get("speedup")
            if isinstance(judged, Mapping) and judged.get("speedup") is not None:
                speedup.labels(scenario["name"], variant).set(judged["speedup"])
    hit_rate = (summary.get("cache") or {}).get("hit_rate")
    if hit_rate is not None:
        Gauge(
            "workbench_cache_hit_rate", "Cache hit rate of the mixed workload.", registry=reg
        ).set(hit_rate)
    Gauge(
        "workbench_report_pushed_timestamp_seconds",
        "When the report's figures were pushed (Unix time).",
        registry=reg,
    ).set_to_current_time()
    return reg


def push(summary: Mapping[str, Any], url: str, timeout: float = 10.0) -> int:
    """Push the summary's figures to the gateway at ``url``; the number of series pushed."""
    from prometheus_client import push_to_gateway
    from prometheus_client.exposition import basic_auth_handler, default_handler

    reg = registry(summary)
    parts = urlsplit(url)
    handler = default_handler
    if parts.username is not None:
        user, password = parts.username, parts.password or ""

        def handler(url, method, timeout, headers, data):  # noqa: F811 - basic auth instead
            return basic_auth_handler(url, method, timeout, headers, data, user, password)

        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        url = urlunsplit(parts._replace(netloc=netloc))
    instance = str((summary.get("parameters") or {}).get("scale") or "unknown")
    try:
        push_to_gateway(
            url, job=JOB, registry=reg, grouping_key={"instance": instance},
            timeout=timeout, handler=handler,
        )  # fmt: skip
    except OSError as exc:  # URLError and HTTPError included
        raise WorkbenchError(
            f"the Pushgateway at {redacted(url)} refused the push: {exc}"
        ) from None
    return sum(len(m.samples) for m in reg.collect())

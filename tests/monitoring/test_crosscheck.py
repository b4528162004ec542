"""For every scenario, /metrics statement counts and OpenTelemetry's database spans equal
the workbench's captured count, and /metrics' cache hits and misses its counters."""

from __future__ import annotations

import json

import pytest

from tests.monitoring.conftest import workbench
from workbench.study.scenarios import SCENARIOS


@pytest.mark.slow
def test_metrics_and_spans_equal_the_captured_counts_for_every_scenario(monitored_env):
    done = workbench("crosscheck", "--json", env=monitored_env)
    assert done.returncode == 0, done.stderr + done.stdout[-3000:]
    rows = json.loads(done.stdout)
    variants = {"baseline", "eager", "cache", "all"}
    assert {(r["scenario"], r["variant"]) for r in rows} == {
        (s, v) for s in SCENARIOS for v in variants
    }
    for row in rows:
        assert row["captured"] == row["metrics"] == row["otel"], row
        assert (row["cache_hits"], row["cache_misses"]) == (
            row["metrics_hits"],
            row["metrics_misses"],
        ), row
    # The check can fail: the counts are not all zero, and the cache really was read.
    baseline = {r["scenario"]: r["captured"] for r in rows if r["variant"] == "baseline"}
    assert baseline["job_list"] > 20 and min(baseline.values()) >= 1
    cached = [r for r in rows if r["variant"] == "all"]
    assert sum(r["cache_hits"] for r in cached) >= len(SCENARIOS)
    assert sum(r["cache_misses"] for r in cached) >= len(SCENARIOS)
    assert all(r["redis_commands"] > 0 for r in cached)  # redis-py instrumented too


def test_crosscheck_refuses_an_unknown_variant_in_one_line(monitored_env):
    done = workbench("crosscheck", "--variants", "indexes", env=monitored_env)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "--variants" in done.stderr

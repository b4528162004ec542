"""The mixed workload per request: latency with intervals, hits per request, slow statements."""

from __future__ import annotations

import copy

import pytest

from analysis.workload import run_mixed
from analysis.workloadstats import Request, mean_ci, per_request, proportion_ci
from tests.measure.test_workload import DictCache


def test_every_counted_request_is_a_sample_with_its_interval():
    cache = DictCache()
    reads = [(f"r{i}", cache.read(f"r{i}")) for i in range(20)]
    result = run_mixed(
        reads, [("flush", cache.write)], requests=300, write_share=0.1, probe=cache.counters
    )
    figures = result.as_dict()
    assert figures["samples"] == len(result.samples) == 300 == result.reads + result.writes
    assert {s.kind for s in result.samples} == {"read", "write"}
    for q in (50, 95, 99):
        low, high = figures[f"p{q}_ci"]
        assert low <= figures[f"p{q}_ms"] <= high
    assert figures["write_latency"]["samples"] == result.writes


def test_a_read_is_a_hit_only_when_it_missed_nothing():
    requests = [
        Request("read", "a", 1.0, hits=1),  # served from the cache
        Request("read", "b", 1.0, hits=2, misses=1),  # read the cache, computed a part
        Request("read", "c", 1.0),  # read nothing from the cache
        Request("write", "w", 1.0, hits=5),  # writes are left out
    ]
    figures = per_request(requests)
    assert figures["hit_requests"] == 1 and figures["hit_rate_per_request"] == round(1 / 3, 4)
    assert per_request([Request("read", "a", 1.0)])["hit_rate_per_request"] is None


def test_hit_rates_per_lookup_by_kind_sit_beside_the_per_request_rate():
    counts = {"hits": 0, "misses": 0, "kinds": {"page": {"hits": 0, "misses": 0}}}

    def read():
        counts["misses"] += 1  # the page misses, then its two fragments hit
        counts["hits"] += 2
        counts["kinds"]["page"]["misses"] += 1

    result = run_mixed(
        [("r", read)], requests=10, write_share=0, probe=lambda: copy.deepcopy(counts)
    )
    figures = result.as_dict()
    assert figures["hit_rate"] == round(2 / 3, 4)  # per lookup
    assert figures["hit_rate_per_request"] == 0.0  # no request was served from the cache
    assert figures["hit_rate_by_kind"]["page"] == {"hits": 0, "misses": 10, "hit_rate": 0.0}


def test_the_time_box_stops_the_counted_requests_early():
    import time

    result = run_mixed(
        [("slow", lambda: time.sleep(0.01))], requests=10_000, write_share=0, time_box_s=0.2
    )
    assert 1 <= result.requests < 100
    assert result.as_dict()["requests_planned"] == 10_000


def test_intervals_of_means_and_proportions():
    assert mean_ci([1.0]) is None and proportion_ci(0, 0) is None
    low, high = mean_ci([1.0, 2.0, 3.0, 4.0] * 25)
    assert low < 2.5 < high
    low, high = proportion_ci(80, 100)
    assert low < 0.8 < high and high - low < 0.2


@pytest.mark.django_db
def test_a_statement_over_the_limit_is_named_with_its_call_site_and_plan():
    from django.db import connection

    def slow_read():
        with connection.cursor() as cur:
            cur.execute("SELECT pg_sleep(%s)", [0.02])

    def fast_read():
        with connection.cursor() as cur:
            cur.execute("SELECT 1")

    result = run_mixed(
        [("fast", fast_read), ("slow", slow_read)],
        requests=20,
        write_share=0,
        zipf_s=0,
        slow_ms=15.0,
        explain_slow=1,
    )
    figures = result.as_dict()
    assert figures["max_statement_ms"] >= 20
    (slow,) = figures["slowest_statements"]
    assert "pg_sleep" in slow["sql"] and "test_mixed_requests.py" in slow["call_site"]
    assert slow["max_ms"] >= 20 and slow["over_limit"] == slow["calls"] >= 1
    assert slow["plan_finding"]  # planned: a finding or "no finding in its plan"
    assert "record" not in slow
    assert figures["db_ms_per_request"] > 0 and figures["queries"] == 20

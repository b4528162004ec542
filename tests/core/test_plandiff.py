"""Plan diffs: an index that turns a seq scan into an index scan is "improved"."""

from __future__ import annotations

import copy
import re

from analysis.explain import explain
from analysis.plandiff import RUNS_KEY, diff_plans
from analysis.plans import Plan
from tests.core.conftest import run_sql

QUERY = "SELECT * FROM core_items WHERE d = %s"
SERIAL = {"max_parallel_workers_per_gather": "0"}


def test_index_turns_seq_scan_into_index_scan_improved(items):
    before = explain(QUERY, [4242], runs=3, warmup=1, set_local=SERIAL)
    assert before.plan.find("Seq Scan")
    run_sql("CREATE INDEX core_items_d_idx ON core_items (d)")
    after = explain(QUERY, [4242], runs=3, warmup=1, set_local=SERIAL)
    assert after.plan.find("Index Scan")

    diff = diff_plans(before, after)
    assert diff.verdict == "improved"
    assert diff.changes[0] == (
        "Seq Scan on core_items -> Index Scan using core_items_d_idx on core_items"
    )
    summary = diff.summary
    assert summary.startswith("Seq Scan on core_items -> Index Scan using core_items_d_idx")
    assert re.search(r"; execution [\d.,]+ ms -> [\d.,]+ ms", summary), summary
    hit = diff.metrics["shared_hit"]
    assert hit[1] < hit[0] / 10
    assert "shared buffers read" in summary and "hit" in summary
    assert str(diff).startswith("improved: ")
    frame = diff.frame()
    assert set(frame["metric"]) >= {"execution_ms", "shared_hit", "shared_read", "total_cost"}

    back = diff_plans(after, before)
    assert back.verdict == "regressed"


def test_same_plan_is_unchanged_and_small_moves_are_noise(items):
    result = explain(QUERY, [1], set_local=SERIAL)
    same = diff_plans(result, result)
    assert same.changes == []
    assert same.summary.startswith("same plan shape")
    assert same.verdict == "unchanged"

    def with_time(factor: float) -> Plan:
        document = copy.deepcopy(result.plan.document)
        document["Execution Time"] = result.execution_ms * factor
        return Plan(document)

    # One run each: no interval, so time alone (buffers unchanged) never decides.
    lone = diff_plans(result.plan, with_time(3))
    assert (lone.verdict, lone.rule) == ("unchanged", "fallback")
    assert "no interval" in lone.summary
    assert diff_plans(with_time(3), result.plan).verdict == "unchanged"


def test_plans_without_analyze_are_compared_on_cost(items):
    before = explain(QUERY, [7], analyze=False)
    run_sql("CREATE INDEX core_items_d_idx ON core_items (d)")
    after = explain(QUERY, [7], analyze=False)
    diff = diff_plans(before.document, after.document)  # raw JSON works too
    assert diff.verdict == "improved"
    assert "cost " in diff.summary


def test_time_and_buffers_disagreeing_lets_time_decide(items):
    plan = explain(QUERY, [3], set_local=SERIAL).plan
    ms = plan.execution_ms
    before = copy.deepcopy(plan.document)
    before[RUNS_KEY] = [ms, ms * 1.05, ms * 0.95, ms * 1.02, ms * 0.98]
    slower = copy.deepcopy(plan.document)
    slower[RUNS_KEY] = [ms * 3 + 1, ms * 3.2 + 1, ms * 2.9 + 1, ms * 3.1 + 1, ms * 3 + 1]
    slower["Plan"]["Shared Hit Blocks"] = 1
    slower["Plan"]["Shared Read Blocks"] = 0
    diff = diff_plans(Plan(before), Plan(slower))
    assert (diff.verdict, diff.rule) == ("regressed", "interval")
    assert "time decides" in diff.summary


def test_overlapping_runs_are_not_a_change(items):
    result = explain(QUERY, [3], runs=3, set_local=SERIAL)
    noisy = copy.deepcopy(result)
    for plan, factor in zip(noisy.plans, (0.5, 1.6, 1.7), strict=True):
        plan.document["Execution Time"] = result.execution_ms * factor
    assert noisy.execution_ms > result.execution_ms * 1.2  # the median moved by over 20%...
    assert diff_plans(result, noisy).verdict == "unchanged"  # ...but the runs overlap


def test_sort_removed_by_an_index_is_named(items):
    before = explain(
        "SELECT * FROM core_items ORDER BY d LIMIT 10", set_local={**SERIAL, "work_mem": "64MB"}
    )
    run_sql("CREATE INDEX core_items_d_idx ON core_items (d)")
    after = explain("SELECT * FROM core_items ORDER BY d LIMIT 10", set_local=SERIAL)
    diff = diff_plans(before, after)
    assert "Sort removed (1 -> 0)" in diff.changes
    assert diff.verdict == "improved"


def test_summary_states_times_with_their_factor(items):
    plan = explain(QUERY, [3], set_local=SERIAL).plan

    def at(ms: float) -> Plan:
        document = copy.deepcopy(plan.document)
        document["Execution Time"] = ms
        return Plan(document)

    assert "; execution 41.2 ms -> 0.60 ms (69x)" in diff_plans(at(41.2), at(0.6)).summary
    assert "; execution 0.60 ms -> 41.2 ms (69x slower)" in diff_plans(at(0.6), at(41.2)).summary
    assert "; execution 2.00 ms -> 0.012 ms (167x)" in diff_plans(at(2), at(0.012)).summary

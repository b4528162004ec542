"""Plan diffs judge execution time with its interval: improved / regressed / unchanged, and flips.

Synthetic EXPLAIN documents (no database): the runs' execution times are set by hand
under ``RUNS_KEY``, as ``analysis.measure.plancapture`` stores them.
"""

from __future__ import annotations

import pytest

from analysis.plandiff import RUNS_KEY, diff_plans
from analysis.plans import Plan


def plan(runs, *, node="Seq Scan", index=None, rows=20, hit=100, cost=50.0) -> Plan:
    root = {
        "Node Type": node,
        "Relation Name": "jobs",
        "Alias": "jobs",
        "Startup Cost": 0.0,
        "Total Cost": cost,
        "Plan Rows": rows,
        "Plan Width": 8,
        "Actual Startup Time": 0.01,
        "Actual Total Time": min(runs) * 0.9,
        "Actual Rows": rows,
        "Actual Loops": 1,
        "Shared Hit Blocks": hit,
        "Shared Read Blocks": 0,
    }
    if index:
        root["Index Name"] = index
    document = {"Plan": root, "Planning Time": 0.1, "Execution Time": sorted(runs)[len(runs) // 2]}
    if len(runs) > 1:
        document[RUNS_KEY] = list(runs)
    return Plan(document)


STEADY = [2.0, 2.1, 1.9, 2.05, 1.95]
TIGHT = [2.0, 2.01, 1.99, 2.005, 1.995]

CASES = [
    # a faster plan whose runs all sit below the other's: improved
    ("improved", STEADY, [1.0, 1.05, 0.95, 1.02, 0.98], "improved"),
    ("regressed", STEADY, [4.0, 4.2, 3.9, 4.1, 4.05], "regressed"),
    # the interval excludes 1 but the change is 5%: under the minimum effect
    ("separated but tiny", TIGHT, [x * 1.05 for x in TIGHT], "unchanged"),
    # the medians differ by 50% but the runs spread over each other
    ("overlapping", STEADY, [1.0, 3.0, 1.2, 2.9, 1.0], "unchanged"),
    # 3x, but 0.02 ms: under the absolute floor
    ("under the floor", [0.01] * 5, [0.03] * 5, "unchanged"),
]


@pytest.mark.parametrize(
    ("before", "after", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_time_decides_with_its_interval_and_the_minimum_effect(before, after, expected):
    diff = diff_plans(plan(before), plan(after))
    assert (diff.verdict, diff.rule) == (expected, "interval")
    assert diff.speedup["samples"] == [len(before), len(after)]


def test_the_minimum_effect_is_a_parameter():
    after = [x * 1.05 for x in TIGHT]
    assert diff_plans(plan(TIGHT), plan(after), min_change=0.02).verdict == "regressed"


def test_the_summary_shows_the_interval():
    diff = diff_plans(plan(STEADY), plan([1.0, 1.05, 0.95, 1.02, 0.98]))
    assert "(speedup 2.00x, 95% CI " in diff.summary and "5 and 5 runs)" in diff.summary


def test_an_equivalent_plan_of_another_shape_is_a_plan_flip():
    other = plan([2.05, 1.9, 2.1, 2.0, 1.95], node="Index Scan", index="jobs_date_idx", hit=95)
    diff = diff_plans(plan(STEADY), other)
    assert diff.verdict == "unchanged" and diff.flip
    assert diff.summary.startswith("plan flip: Seq Scan on jobs -> Index Scan using jobs_date_idx")
    # the same shape is no flip, and neither is a plan that returns other rows
    assert not diff_plans(plan(STEADY), plan(STEADY)).flip
    assert not diff_plans(plan(STEADY), plan(STEADY, node="Index Scan", rows=7)).flip
    # a faster plan of another shape is an improvement, not a flip
    faster = diff_plans(plan(STEADY), plan([0.5] * 5, node="Index Scan", index="i"))
    assert faster.verdict == "improved" and not faster.flip


def test_buffers_alone_never_decide_but_are_noted():
    diff = diff_plans(plan(STEADY, hit=1000), plan(list(STEADY), hit=10))
    assert diff.verdict == "unchanged"
    assert "buffers moved, but time stayed within its spread" in diff.summary


def test_one_run_each_falls_back_to_time_and_buffers_agreeing():
    lone = diff_plans(plan([2.0], hit=1000), plan([0.5], hit=10))
    assert (lone.verdict, lone.rule) == ("improved", "fallback")
    assert "no interval" in lone.summary
    time_only = diff_plans(plan([2.0]), plan([0.5]))
    assert time_only.verdict == "unchanged"


def test_plans_without_analyze_compare_cost():
    def planned(cost: float) -> Plan:
        root = {"Node Type": "Seq Scan", "Relation Name": "jobs", "Total Cost": cost,
                "Plan Rows": 20, "Plan Width": 8}  # fmt: skip
        return Plan({"Plan": root})

    diff = diff_plans(planned(100.0), planned(10.0))
    assert (diff.verdict, diff.rule) == ("improved", "cost")

"""The plan model reads every common plan shape, each forced on a real table."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from analysis.explain import explain
from analysis.planfindings import plan_findings
from analysis.planframe import NODE_COLUMNS
from analysis.plans import Plan
from tests.core.conftest import run_sql

SERIAL = {"max_parallel_workers_per_gather": "0"}


def plan_of(sql: str, **settings: str) -> Plan:
    return explain(sql, set_local={**SERIAL, **settings}).plan


def kinds(plan: Plan) -> list[str]:
    return [n.node_type for n in plan.nodes]


def test_seq_scan_of_a_large_table_returning_few_rows_is_a_finding(items):
    plan = plan_of("SELECT * FROM core_items WHERE c = 'nothing'")
    [scan] = plan.find("Seq Scan")
    assert scan.relation == "core_items"
    assert scan.rows_removed_by_filter == 60000
    assert scan.actual_rows == 0
    [finding] = [f for f in plan_findings(plan) if f.kind == "seq_scan"]
    assert finding.evidence["rows_scanned"] == 60000
    assert finding.evidence["rows_returned"] == 0
    assert "Seq Scan on core_items read 60,000 rows to return 0" in finding.message
    assert plan_findings(plan, seq_scan_min_rows=100_000) == []


def test_index_scan(items):
    plan = plan_of("SELECT * FROM core_items WHERE id = 42")
    [node] = plan.nodes
    assert node.node_type == "Index Scan"
    assert node.index == "core_items_pkey"
    assert node.label == "Index Scan using core_items_pkey on core_items"
    assert node.actual_rows == 1 and node.loops == 1
    assert node.get("Index Cond") == "(id = 42)"
    assert plan_findings(plan) == []


def test_bitmap_heap_scan(items):
    run_sql("CREATE INDEX core_items_a ON core_items (a)")
    plan = plan_of(
        "SELECT * FROM core_items WHERE a IN (1, 2, 3)",
        enable_seqscan="off",
        enable_indexscan="off",
    )
    assert kinds(plan)[:2] == ["Bitmap Heap Scan", "Bitmap Index Scan"]
    heap, index = plan.nodes[:2]
    assert heap.relation == "core_items" and heap.actual_rows == 1800
    assert index.index == "core_items_a" and index.parent_id == heap.id
    assert index.label == "Bitmap Index Scan on core_items_a"


def test_nested_loop_with_many_inner_loops_is_a_finding(items):
    plan = plan_of(
        "SELECT i.id, g.label FROM core_items i JOIN core_groups g ON g.id = i.a WHERE i.id <= 5000",
        enable_hashjoin="off",
        enable_mergejoin="off",
    )
    [loop] = plan.find("Nested Loop")
    inner = loop.children[1]
    assert inner.loops == 5000
    assert loop.rows_total == 5000
    [finding] = [f for f in plan_findings(plan) if f.kind == "nested_loop"]
    assert finding.evidence["loops"] == 5000
    assert "5,000 times" in finding.message


def test_hash_join(items):
    plan = plan_of("SELECT count(*) FROM core_items i JOIN core_groups g ON g.id = i.a")
    [join] = plan.find("Hash Join")
    assert join.get("Join Type") == "Inner"
    assert [c.node_type for c in join.children] == ["Seq Scan", "Hash"]
    assert join.rows_total == 60000
    assert not join.children[1].spilled


def test_merge_join(items):
    plan = plan_of(
        "SELECT count(*) FROM core_items i JOIN core_groups g ON g.id = i.a",
        enable_hashjoin="off",
        enable_nestloop="off",
    )
    [join] = plan.find("Merge Join")
    assert join.get("Merge Cond")
    assert join.rows_total == 60000


def test_sort_that_spills_to_disk_is_a_finding(items):
    plan = plan_of("SELECT * FROM core_items ORDER BY c", work_mem="64kB")
    [sort] = plan.find("Sort")
    assert sort.spilled
    assert sort.get("Sort Space Type") == "Disk"
    assert sort.get("Sort Method") == "external merge"
    assert sort.buffers("temp_written") > 0
    [finding] = [f for f in plan_findings(plan) if f.kind == "spill"]
    assert finding.evidence["work_mem"] == "64kB"
    assert "spilled to disk" in finding.message

    in_memory = plan_of("SELECT * FROM core_items ORDER BY c", work_mem="64MB")
    assert not in_memory.find("Sort")[0].spilled
    assert [f for f in plan_findings(in_memory) if f.kind == "spill"] == []


def test_aggregates(items):
    grouped = plan_of("SELECT a, count(*) FROM core_items GROUP BY a")
    [agg] = grouped.find("Aggregate")
    assert agg.label == "HashAggregate"
    assert agg.actual_rows == 100
    plain = plan_of("SELECT count(*) FROM core_items")
    assert plain.root.label == "Aggregate" and plain.root.actual_rows == 1


def test_parallel_plan(items):
    plan = explain(
        "SELECT count(*) FROM core_items WHERE b = 3",
        set_local={
            "parallel_setup_cost": "0",
            "parallel_tuple_cost": "0",
            "min_parallel_table_scan_size": "0",
            "max_parallel_workers_per_gather": "2",
        },
    ).plan
    [gather] = plan.find("Gather")
    assert gather.get("Workers Planned") == 2
    launched = gather.get("Workers Launched")
    [scan] = plan.find("Seq Scan")
    assert scan.label == "Parallel Seq Scan on core_items"
    # per-process rows times loops adds up to the whole table's matches
    assert scan.rows_total == pytest.approx(600, abs=3)
    assert scan.workers_divisor == launched + 1
    assert plan.root.label == "Finalize Aggregate"
    frame = plan.nodes_frame()
    assert frame.loc[frame["node_type"] == "Gather", "workers_planned"].item() == 2


def test_misestimate_is_reported_where_it_starts(items):
    plan = plan_of("SELECT * FROM core_items WHERE a = 1 AND b = 1")
    [scan] = plan.find("Seq Scan")
    assert scan.actual_rows == 600
    assert scan.misestimate >= 10
    assert scan.misestimate_direction == "under"
    [finding] = [f for f in plan_findings(plan) if f.kind == "misestimate"]
    assert finding.node_id == scan.id
    assert finding.evidence["actual_rows"] == 600
    assert "underestimate" in finding.message


def test_index_only_scan_with_heap_fetches_is_a_finding(items):
    run_sql("CREATE INDEX core_items_a ON core_items (a)")
    plan = plan_of(
        "SELECT a FROM core_items WHERE a < 10", enable_seqscan="off", enable_bitmapscan="off"
    )
    [scan] = plan.find("Index Only Scan")
    assert scan.heap_fetches == 6000  # never vacuumed: every row is checked in the heap
    [finding] = [f for f in plan_findings(plan) if f.kind == "heap_fetches"]
    assert "VACUUM" in finding.message


def test_nodes_frame_times_and_buffers_add_up(items):
    plan = plan_of("SELECT count(*) FROM core_items i JOIN core_groups g ON g.id = i.a")
    frame = plan.nodes_frame()
    assert list(frame.columns) == NODE_COLUMNS
    assert len(frame) == len(plan.nodes)
    assert frame["exclusive_ms"].min() >= 0
    assert frame["exclusive_ms"].sum() == pytest.approx(plan.root.inclusive_ms, rel=0.01)
    assert frame["exclusive_shared_hit"].sum() + frame["exclusive_shared_read"].sum() == (
        plan.shared_hit + plan.shared_read
    )
    assert frame.loc[0, "parent_id"] is None or frame["parent_id"].isna()[0]
    assert set(frame["depth"]) == {0, 1, 2, 3}


def test_plan_reads_json_text_and_refuses_other_things(items):
    result = explain("SELECT * FROM core_items WHERE id < 10", analyze=False)
    text = json.dumps([result.document])
    plan = Plan.from_json(text)
    assert plan.root.label == result.plan.root.label
    assert not plan.analyzed and plan.execution_ms is None
    assert "cost" in plan.summary()
    assert "->" in plan.text()
    with pytest.raises(ValueError, match="not an EXPLAIN"):
        Plan.from_json({"nope": 1})


# --- plan case files (tests/core/plans): figures computed by hand for CTEs and InitPlans ---

CASES = Path(__file__).with_name("plans")
CASE_NAMES = sorted(p.name[: -len(".expected.json")] for p in CASES.glob("*.expected.json"))


def case_plan(name: str) -> Plan:
    return Plan.from_json((CASES / f"{name}.json").read_text())


def test_the_case_folder_covers_the_shapes_the_issue_names():
    assert len(CASE_NAMES) >= 15
    cte_or_initplan = [c for c in CASE_NAMES if c.startswith(("cte_", "initplan_"))]
    assert len(cte_or_initplan) >= 4
    types = set().union(*(case_plan(c).node_types for c in CASE_NAMES))
    assert {"CTE Scan", "Gather Merge", "Memoize", "Incremental Sort", "Bitmap Heap Scan",
            "Hash Join", "Recursive Union"} <= types  # fmt: skip
    servers = {
        json.loads((CASES / f"{c}.expected.json").read_text())["server"][:13] for c in CASE_NAMES
    }
    assert servers == {"PostgreSQL 15", "PostgreSQL 16"}


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case_figures(name):
    expected = json.loads((CASES / f"{name}.expected.json").read_text())
    plan = case_plan(name)
    assert expected["note"]
    assert len(plan.nodes) == len(expected["nodes"])
    for node, want in zip(plan.nodes, expected["nodes"], strict=True):
        where = f"{name} node {node.id} {node.label}"
        assert (node.node_type, node.relation) == (want["node_type"], want["relation"]), where
        assert node.inclusive_ms == pytest.approx(want["inclusive_ms"], abs=1e-3), where
        assert node.exclusive_ms == pytest.approx(want["exclusive_ms"], abs=1e-3), where
        assert node.exclusive_buffers["shared_hit"] == want["exclusive_shared_hit"], where
        assert node.exclusive_buffers["shared_read"] == want["exclusive_shared_read"], where
    balance = plan.time_balance()
    assert balance.holds, f"{name}: {balance}"
    assert balance.exclusive_sum_ms == pytest.approx(
        plan.root.inclusive_ms, abs=balance.tolerance_ms
    )


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case_buffers_add_up_to_the_root(name):
    plan = case_plan(name)
    for key in ("shared_hit", "shared_read", "temp_written"):
        assert sum(n.exclusive_buffers[key] for n in plan.nodes) == plan.root.buffers(key), key


def test_a_plan_whose_times_do_not_add_up_logs_a_warning(caplog):
    document = json.loads((CASES / "cte_materialized_pg15.json").read_text())
    document[0]["Plan"]["Plans"][1]["Actual Total Time"] = (
        500.0  # a CTE Scan longer than its parent
    )
    with caplog.at_level("WARNING", logger="analysis.plans"):
        plan = Plan.from_json(document)
    balance = plan.time_balance()
    assert not balance.holds
    assert balance.exclusive_sum_ms > balance.root_ms + 400
    assert "plan times do not add up" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="analysis.plans"):
        case_plan("cte_materialized_pg15")
    assert caplog.text == ""


def test_a_plan_without_timing_has_no_balance(items):
    assert plan_of("SELECT count(*) FROM core_items").time_balance().holds
    assert explain("SELECT 1", analyze=False).plan.time_balance() is None


def test_zero_actual_rows_is_an_unbounded_misestimate_and_said_so(items):
    plan = plan_of("SELECT * FROM core_items WHERE a < 50 AND b > 50")
    [scan] = plan.find("Seq Scan")
    assert scan.actual_rows == 0 and scan.plan_rows >= 1000
    assert scan.misestimate == math.inf
    [finding] = [f for f in plan_findings(plan) if f.kind == "misestimate"]
    assert finding.evidence["factor"] == math.inf and finding.evidence["unbounded"]
    assert "unbounded" in finding.message and "got 0 rows" in finding.message
    # expected 1, got 0: unbounded too, but no finding for a one-row guess
    quiet = plan_of("SELECT * FROM core_items WHERE id = -1")
    assert quiet.root.misestimate == math.inf
    assert [f for f in plan_findings(quiet) if f.kind == "misestimate"] == []

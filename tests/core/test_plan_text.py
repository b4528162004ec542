"""TEXT plans (as pasted from production) read into the same model as JSON ones.

The ``_pg15`` cases' ``.txt`` is the *same execution* as their ``.json`` (auto_explain
printed the plan EXPLAIN ANALYZE had just run), so every figure must be identical. The
``_pg16`` cases' ``.txt`` is a second execution (the embedded server has no
auto_explain): structure, estimates, rows and loops must be identical, buffers equal up
to a few catalog blocks, and times within run-to-run noise. ``plans/psql/`` holds the
same-execution text as real psql prints it (header and footer, ``+`` marks, wrapped).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from analysis.planfindings import plan_findings
from analysis.plans import Plan
from analysis.plantext import PlanParseError, parse_text

CASES = Path(__file__).with_name("plans")
ROOT = Path(__file__).parents[2]
SAME = sorted(p.stem for p in CASES.glob("*_pg15.txt"))
SEPARATE = sorted(p.stem for p in CASES.glob("*_pg16.txt"))
PSQL = sorted(p.name for p in (CASES / "psql").glob("*.txt"))


def both(name: str, text_file: Path | None = None) -> tuple[Plan, Plan]:
    json_plan = Plan.from_json((CASES / f"{name}.json").read_text())
    return json_plan, Plan.from_json((text_file or CASES / f"{name}.txt").read_text())


def figures(node) -> dict:
    return {
        "parent": node.parent_id, "node_type": node.node_type, "label": node.label,
        "relation": node.relation, "index": node.index, "loops": node.loops,
        "rows": node.actual_rows, "plan_rows": node.plan_rows,
        "startup_cost": node.get("Startup Cost"), "total_cost": node.get("Total Cost"),
        "relationship": node.get("Parent Relationship"), "subplan": node.get("Subplan Name"),
        "inclusive_ms": node.inclusive_ms, "exclusive_ms": node.exclusive_ms,
        "exclusive_buffers": node.exclusive_buffers, "misestimate": node.misestimate,
        "spilled": node.spilled, "removed": node.rows_removed_by_filter,
        "workers": (node.get("Workers Planned"), node.get("Workers Launched")),
    }  # fmt: skip


def assert_identical(json_plan: Plan, text_plan: Plan) -> None:
    assert [figures(n) for n in text_plan.nodes] == [figures(n) for n in json_plan.nodes]
    assert (text_plan.execution_ms, text_plan.planning_ms) == (
        json_plan.execution_ms,
        json_plan.planning_ms,
    )
    assert text_plan.settings == json_plan.settings
    assert [str(f) for f in plan_findings(text_plan)] == [str(f) for f in plan_findings(json_plan)]


def test_there_are_text_forms_of_every_case():
    assert len(SAME) >= 15 and len(SEPARATE) >= 5
    assert {p.stem.split(".")[0] for p in CASES.glob("*.expected.json")} == set(SAME + SEPARATE)


@pytest.mark.parametrize("name", SAME)
def test_text_and_json_of_the_same_execution_give_identical_figures(name):
    assert_identical(*both(name))


@pytest.mark.parametrize("name", PSQL)
def test_text_as_psql_prints_it(name):
    assert_identical(*both(name.split(".")[0], CASES / "psql" / name))


@pytest.mark.parametrize("name", SEPARATE)
def test_text_of_a_second_execution_has_the_same_structure_and_close_figures(name):
    json_plan, text_plan = both(name)
    exact = ("parent", "node_type", "label", "relation", "loops", "rows", "plan_rows",
             "startup_cost", "total_cost", "relationship", "spilled", "removed")  # fmt: skip
    for a, b in zip(json_plan.nodes, text_plan.nodes, strict=True):
        fa, fb = figures(a), figures(b)
        assert {k: fb[k] for k in exact} == {k: fa[k] for k in exact}
        for key, value in fa["exclusive_buffers"].items():
            assert abs(fb["exclusive_buffers"][key] - value) <= 8, (a.label, key)
        assert (b.inclusive_ms + 0.05) / (a.inclusive_ms + 0.05) == pytest.approx(1, abs=0.6)
    assert text_plan.time_balance().holds


def test_a_hard_wrapped_header_and_a_filter_are_joined_back():
    lines = (CASES / "subplan_per_loop_pg15.txt").read_text().splitlines()
    wrapped = []
    for line in lines:  # break every long line at column 60, as a web form would
        while len(line) > 60 and "(" in line[:60]:
            wrapped.append(line[:60])
            line = line[60:]
        wrapped.append(line)
    assert len(wrapped) > len(lines)
    json_plan, _ = both("subplan_per_loop_pg15")
    assert_identical(json_plan, Plan.from_json("\n".join(wrapped)))


def test_details_of_the_text_format():
    document = parse_text((CASES / "gather_merge_pg15.txt").read_text())
    sort = document["Plan"]["Plans"][0]["Plans"][0]
    assert sort["Node Type"] == "Sort" and sort["Sort Key"] == ["c"]
    assert sort["Workers"][0]["Worker Number"] == 0 and "Sort Method" in sort["Workers"][0]
    hashagg = parse_text((CASES / "hashagg_spill_pg15.txt").read_text())["Plan"]
    assert hashagg["Strategy"] == "Hashed" and hashagg["HashAgg Batches"] > 1
    spill = Plan.from_json((CASES / "sort_spill_pg15.txt").read_text())
    assert spill.root.get("Sort Space Type") == "Disk" and spill.root.spilled
    memo = Plan.from_json((CASES / "memoize_pg15.txt").read_text())
    [memoize] = memo.find("Memoize")
    assert memoize.get("Cache Hits") > 0 and memoize.get("Cache Misses") > 0
    plan = Plan.from_json((CASES / "initplan_filter_pg15.txt").read_text())
    assert plan.nodes[1].get("Subplan Name") == "InitPlan 2 (returns $1)"


def test_never_executed_nodes_and_plans_without_analyze():
    text = """Nested Loop  (cost=0.29..16.34 rows=1 width=8) (actual time=0.010..0.011 rows=0 loops=1)
  ->  Seq Scan on a  (cost=0.00..8.00 rows=1 width=4) (actual time=0.009..0.009 rows=0 loops=1)
        Filter: (x = 1)
  ->  Index Scan using b_pkey on b  (cost=0.29..8.30 rows=1 width=4) (never executed)
        Index Cond: (id = a.x)
Planning Time: 0.050 ms
Execution Time: 0.030 ms"""
    plan = Plan.from_json(text)
    inner = plan.nodes[2]
    assert (
        not inner.executed
        and inner.inclusive_ms == 0.0
        and inner.label.startswith("Index Scan using b_pkey")
    )
    assert plan.root.misestimate == math.inf
    costs = Plan.from_json("Seq Scan on t  (cost=0.00..35.50 rows=2550 width=4)")
    assert not costs.analyzed and costs.total_cost == 35.5 and costs.time_balance() is None


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)\n  ->  Frobnicate  (cost=1..2 rows=1 width=1)",
         "line 2: not a plan node: '->  Frobnicate  (cost=1..2 rows=1 width=1)'"),
        ("QUERY PLAN\n----------\n hello world\n(1 row)", "line 3: not a plan node: 'hello world'"),
        ("Result  (cost=0.00..0.01 rows=1 width=4)\n  just words", "line 2: not a node, a subplan"),
    ],
)  # fmt: skip
def test_unreadable_input_says_where_parsing_stopped(text, where):
    with pytest.raises(PlanParseError, match="cannot read the plan at ") as info:
        Plan.from_json(text)
    assert where in str(info.value)
    assert "\n" not in str(info.value)


# --- workbench plan, through the real command line ---


def workbench(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    # an unreachable external database: the command must not need one, nor start the embedded one
    env = {**os.environ, "DATABASE_URL": "not a url, and never read",
           "REDIS_URL": "redis://127.0.0.1:9/0", "WORKBENCH_HOME": "/nonexistent/wb-plan-test"}  # fmt: skip
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run([sys.executable, "-m", "workbench", *args], cwd=ROOT, env=env,
                          input=stdin, capture_output=True, text=True, timeout=60)  # fmt: skip


def test_workbench_plan_prints_the_table_and_the_findings():
    done = workbench("plan", str(CASES / "cte_materialized_pg15.txt"))
    assert done.returncode == 0, done.stderr
    assert "CTE Scan on x" in done.stdout and "findings:" in done.stdout
    assert "execution 42.912 ms" in done.stdout  # the plan's own Execution Time


def test_workbench_plan_json_from_stdin_has_the_figures_of_the_plan_model():
    text = (CASES / "psql" / "initplan_in_parallel_pg15.plus.txt").read_text()
    done = workbench("plan", "-", "--json", stdin=text)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert set(out) == {"execution_ms", "planning_ms", "nodes", "findings"}
    plan = Plan.from_json((CASES / "initplan_in_parallel_pg15.json").read_text())
    assert out["execution_ms"] == plan.execution_ms
    for node, row in zip(plan.nodes, out["nodes"], strict=True):
        assert set(row) == {"id", "parent", "node_type", "relation", "inclusive_ms",
                            "exclusive_ms", "rows", "plan_rows", "loops", "misestimate",
                            "exclusive_shared_hit", "exclusive_shared_read"}  # fmt: skip
        assert row["exclusive_ms"] == pytest.approx(node.exclusive_ms, abs=1e-6)
        assert row["exclusive_shared_hit"] == node.exclusive_buffers["shared_hit"]
        assert row["parent"] == node.parent_id
    gather = out["nodes"][4]
    assert gather["node_type"] == "Gather" and gather["exclusive_ms"] == pytest.approx(36.107)
    assert [f["kind"] for f in out["findings"]] == ["misestimate"]


def test_workbench_plan_says_inf_for_an_unbounded_misestimate():
    text = "Seq Scan on t  (cost=0.00..35.50 rows=2550 width=4) (actual time=0.01..0.02 rows=0 loops=1)"
    out = json.loads(workbench("plan", "-", "--json", stdin=text).stdout)
    assert out["nodes"][0]["misestimate"] == "inf"
    assert out["findings"][0]["evidence"]["factor"] == "inf"


def test_workbench_plan_refuses_bad_input_in_one_line():
    done = workbench(
        "plan", "-", stdin="Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)\n  what is this\n"
    )
    assert done.returncode == 1
    assert done.stderr == (
        "workbench: error: cannot read the plan at line 2: not a node, a subplan or a "
        "'Key: value' detail: 'what is this'\n"
    )
    missing = workbench("plan", "/nonexistent/plan.txt")
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1
    assert "no such plan file" in missing.stderr
    assert workbench("plan", "-", stdin="  \n").returncode == 1

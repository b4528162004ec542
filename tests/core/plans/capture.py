"""Regenerate the plan case files (not run by the suite): ``.venv/bin/python tests/core/plans/capture.py``.

For each case and server it creates a scratch database ``wb_plan_cases`` (dropped at
the end), fills two tables from ``generate_series``, and writes beside this file:

- ``<case>.json``: ``EXPLAIN (ANALYZE, BUFFERS, SETTINGS, FORMAT JSON)`` as PostgreSQL returned it;
- ``<case>.txt``: the TEXT form. On PostgreSQL 15 it is the *same execution*: auto_explain
  (``log_format = text``, ``log_level = notice``) prints the plan EXPLAIN ANALYZE just ran
  from the same instrumentation, and the ``Planning Time`` / ``Execution Time`` lines,
  which auto_explain does not print, are the JSON's own. The embedded PostgreSQL 16 has no
  auto_explain, so there it is a second ``EXPLAIN (ANALYZE, BUFFERS, SETTINGS)`` run right
  after the JSON one (``"text": "separate execution"`` in the expected file);
- ``<case>.expected.json`` (only with ``--expected``, and never over an existing file,
  because the CTE and InitPlan ones are hand-checked): the per-node figures and a note.

    python tests/core/plans/capture.py [--only CASE ...] [--expected] [--pg15-url URL]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parents[2]))

from marketplace import dsn  # noqa: E402

SCRATCH = "wb_plan_cases"
SETUP = [
    "CREATE TABLE big (id int PRIMARY KEY, a int NOT NULL, b int NOT NULL, c text NOT NULL, d int NOT NULL)",
    "INSERT INTO big SELECT i, i % 100, i % 37, md5(i::text), (i * 7919) % 100000 "
    "FROM generate_series(1, 100000) AS i",
    "CREATE TABLE small (id int PRIMARY KEY, label text NOT NULL)",
    "INSERT INTO small SELECT i, 'label ' || i FROM generate_series(0, 99) AS i",
    "CREATE INDEX big_a ON big (a)",
    "VACUUM ANALYZE big",
    "VACUUM ANALYZE small",
]
SERIAL = {"max_parallel_workers_per_gather": "0"}
PARALLEL = {"parallel_setup_cost": "0", "parallel_tuple_cost": "0",
            "min_parallel_table_scan_size": "0", "max_parallel_workers_per_gather": "2"}  # fmt: skip
CASES: dict[str, tuple[dict[str, str], str]] = {
    "cte_materialized": (SERIAL, "WITH x AS MATERIALIZED (SELECT a, count(*) AS n FROM big GROUP BY a) SELECT s.label, x.n FROM x JOIN small s ON s.id = x.a"),
    "cte_two_scans": (SERIAL, "WITH x AS MATERIALIZED (SELECT id, b FROM big WHERE a < 10) SELECT count(*) FROM x x1 JOIN x x2 ON x1.id = x2.id + 1 WHERE x2.b = 3"),
    "cte_inlined": (SERIAL, "WITH x AS (SELECT * FROM big WHERE a < 5) SELECT count(*) FROM x WHERE b = 3"),
    "cte_recursive": (SERIAL, "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 2000) SELECT count(*) FROM r"),
    "initplan_filter": (SERIAL, "SELECT count(*) FROM big WHERE d > (SELECT max(id) * 500 FROM small)"),
    "initplan_index_cond": (SERIAL, "SELECT b FROM big WHERE id < (SELECT count(*) * 50 FROM big WHERE a = 7) ORDER BY b LIMIT 5"),
    "initplan_one_time_filter": (SERIAL, "SELECT * FROM small WHERE (SELECT count(*) FROM big WHERE b = 7) > 0"),
    "subplan_per_loop": (SERIAL, "SELECT s.id, (SELECT count(*) FROM big b WHERE b.a = s.id AND b.b < 5) FROM small s WHERE s.id < 20"),
    "parallel_hash_join": (PARALLEL, "SELECT count(*) FROM big b1 JOIN big b2 ON b1.id = b2.d"),
    "gather_merge": (PARALLEL, "SELECT id, c FROM big WHERE b < 30 ORDER BY c LIMIT 50"),
    "initplan_in_parallel": (PARALLEL, "SELECT count(*) FROM big WHERE d > (SELECT max(id) * 900 FROM small)"),
    "memoize": ({**SERIAL, "enable_hashjoin": "off", "enable_mergejoin": "off"}, "SELECT count(*) FROM big b JOIN small s ON s.id = b.b WHERE b.id < 5000"),
    "incremental_sort": (SERIAL, "SELECT * FROM big ORDER BY a, b LIMIT 100"),
    "bitmap_heap_scan": (SERIAL, "SELECT count(*) FROM big WHERE a IN (1, 2, 3)"),
    "bitmap_or": (SERIAL, "SELECT count(*) FROM big WHERE a = 1 OR id < 500"),
    "sort_spill": ({**SERIAL, "work_mem": "64kB"}, "SELECT id, c FROM big ORDER BY c"),
    "hashagg_spill": ({**SERIAL, "work_mem": "64kB", "enable_sort": "off"}, "SELECT c, count(*) FROM big GROUP BY c"),
    "nested_loop": ({**SERIAL, "enable_hashjoin": "off", "enable_mergejoin": "off", "enable_memoize": "off"}, "SELECT count(*) FROM big b JOIN small s ON s.id = b.a WHERE b.id <= 3000"),
    "anti_join": (SERIAL, "SELECT count(*) FROM small s WHERE NOT EXISTS (SELECT 1 FROM big b WHERE b.a = s.id AND b.b = 0)"),
    "append": (SERIAL, "SELECT count(*) FROM (SELECT id FROM big WHERE a = 1 UNION ALL SELECT id FROM small) u"),
}  # fmt: skip
PG16_CASES = ["cte_materialized", "initplan_filter", "subplan_per_loop", "parallel_hash_join",
              "gather_merge", "memoize", "sort_spill", "incremental_sort"]  # fmt: skip


def _embedded_url() -> str:
    from workbench.env import services

    return services.database_url()


def _expected(name: str, document: dict, server: str, same: bool) -> dict:
    from analysis.plans import Plan

    plan = Plan.from_json([document])
    nodes = [
        {
            "id": n.id,
            "node_type": n.node_type,
            "relation": n.relation,
            "inclusive_ms": round(n.inclusive_ms, 4),
            "exclusive_ms": round(n.exclusive_ms, 4),
            "exclusive_shared_hit": n.exclusive_buffers["shared_hit"],
            "exclusive_shared_read": n.exclusive_buffers["shared_read"],
        }
        for n in plan.nodes
    ]
    text = "same execution (auto_explain)" if same else "separate execution"
    return {"server": server, "text": text, "note": "", "nodes": nodes}


def capture(url: str, cases: list[str], suffix: str, auto_explain: bool, expected: bool) -> None:
    admin = dsn.connect(url, dbname="postgres", autocommit=True)
    with admin.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {SCRATCH}")
        cur.execute(f"CREATE DATABASE {SCRATCH}")
    conn = dsn.connect(url, dbname=SCRATCH, autocommit=True)
    try:
        with conn.cursor() as cur:
            for statement in SETUP:
                cur.execute(statement)
            cur.execute("SHOW server_version")
            server = f"PostgreSQL {cur.fetchone()[0].split()[0]}"
            if auto_explain:
                cur.execute("LOAD 'auto_explain'")
                for key, value in {"log_min_duration": "0", "log_analyze": "on",
                                   "log_buffers": "on", "log_settings": "on",
                                   "log_format": "text", "log_level": "notice"}.items():  # fmt: skip
                    cur.execute(f"SET auto_explain.{key} = '{value}'")
            for name in cases:
                settings, sql = CASES[name]
                for key, value in settings.items():
                    cur.execute(f"SET {key} = '{value}'")
                cur.execute(sql)  # warm the cache
                conn.notices.clear()
                cur.execute(f"EXPLAIN (ANALYZE, BUFFERS, SETTINGS, FORMAT JSON) {sql}")
                document = cur.fetchone()[0][0]
                if auto_explain:
                    [notice] = [n for n in conn.notices if "plan:" in n]
                    lines = notice.split("plan:\n", 1)[1].rstrip().split("\n")
                    lines = [line for line in lines if not line.startswith("Query Text:")]
                    lines += [f"Planning Time: {document['Planning Time']:.3f} ms",
                              f"Execution Time: {document['Execution Time']:.3f} ms"]  # fmt: skip
                    text = "\n".join(lines)
                else:
                    cur.execute(f"EXPLAIN (ANALYZE, BUFFERS, SETTINGS) {sql}")
                    text = "\n".join(row[0] for row in cur.fetchall())
                for key in settings:
                    cur.execute(f"RESET {key}")
                case = f"{name}_{suffix}"
                (HERE / f"{case}.json").write_text(json.dumps([document], indent=2) + "\n")
                (HERE / f"{case}.txt").write_text(text + "\n")
                target = HERE / f"{case}.expected.json"
                if expected and not target.exists():
                    body = _expected(case, document, server, auto_explain)
                    target.write_text(json.dumps(body, indent=2) + "\n")
                print(case, server)
    finally:
        conn.close()
        with admin.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS {SCRATCH}")
        admin.close()


PSQL_CASES = ["cte_materialized_pg15", "initplan_in_parallel_pg15", "gather_merge_pg15"]
PSQL_STYLES = {
    # one row a line, as psql prints EXPLAIN: header, dashes, "(N rows)"
    "aligned": ([], "SELECT line AS \"QUERY PLAN\" FROM regexp_split_to_table($plan${}$plan$, E'\\n') AS line"),
    # the whole plan in one cell: psql ends each line but the last with "+"
    "plus": ([], "SELECT $plan${}$plan$ AS \"QUERY PLAN\""),
    # psql's wrapped format at 70 columns: "." ends a wrapped line and starts its continuation
    "wrapped": (["-P", "format=wrapped", "-P", "columns=70"], "SELECT $plan${}$plan$ AS \"QUERY PLAN\""),
}  # fmt: skip


def psql_variants(url: str) -> None:
    """The same-execution TEXT of a few cases as real psql prints it, into ``psql/``."""
    import subprocess

    (HERE / "psql").mkdir(exist_ok=True)
    for case in PSQL_CASES:
        text = (HERE / f"{case}.txt").read_text().rstrip("\n")
        for style, (options, sql) in PSQL_STYLES.items():
            out = subprocess.run(["psql", "-X", url, *options, "-c", sql.format(text)],
                                 check=True, capture_output=True, text=True).stdout  # fmt: skip
            (HERE / "psql" / f"{case}.{style}.txt").write_text(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--expected", action="store_true")
    parser.add_argument("--pg15-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--skip-16", action="store_true")
    args = parser.parse_args()
    only = set(args.only or CASES)
    capture(args.pg15_url, [c for c in CASES if c in only], "pg15", True, args.expected)
    psql_variants(args.pg15_url)
    if not args.skip_16:
        cases16 = [c for c in PG16_CASES if c in only]
        capture(_embedded_url(), cases16, "pg16", False, args.expected)


if __name__ == "__main__":
    main()

"""A scan PostgreSQL is made to run in parallel, for the tests of CPU accounting.

The session settings make any table scan parallel (``SET LOCAL``: inside a transaction
the test rolls back); ``SCAN`` counts a ``cpu_rows`` table the test creates in it, and
:func:`workers_launched` reads from its plan how many workers really ran.
"""

import json

FORCE_PARALLEL = (
    "SET LOCAL max_parallel_workers_per_gather = 2",
    "SET LOCAL parallel_setup_cost = 0",
    "SET LOCAL parallel_tuple_cost = 0",
    "SET LOCAL min_parallel_table_scan_size = 0",
)
SCAN = (
    "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) SELECT count(*) FROM cpu_rows WHERE t LIKE '%ab%'"
)


def workers_launched(plan) -> int:
    """``Workers Launched`` of the plan's first node that has it (0 when none ran)."""
    node = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    while "Workers Launched" not in node and node.get("Plans"):
        node = node["Plans"][0]
    return node.get("Workers Launched", 0)

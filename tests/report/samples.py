"""Hand-made summaries for testing the schema and the comparer (never a report's numbers)."""

from __future__ import annotations

import copy
from typing import Any


def figures(queries=21, n_plus_one=1, p50=40.0, p95=44.0, db=30.0, **extra) -> dict[str, Any]:
    return {
        "queries": queries,
        "n_plus_one": n_plus_one,
        "p50_ms": p50,
        "p95_ms": p95,
        "db_ms": db,
        **extra,
    }


def sample() -> dict[str, Any]:
    return copy.deepcopy(
        {
            "schema_version": 1,
            "parameters": {"scale": "tiny", "seed": 42, "repeat": 5},
            "environment": {"postgresql": "16.2", "database": "postgresql://u:***@h/db"},
            "scenarios": [
                {
                    "name": "job_list",
                    "variants": {
                        "baseline": figures(plan_shape="Seq Scan on jobs_job"),
                        "all": figures(
                            queries=2,
                            n_plus_one=0,
                            p50=8.0,
                            p95=9.0,
                            db=3.0,
                            plan_shape="Index Scan using jobs_job_status_date_idx",
                        ),
                    },
                }
            ],
            "index_audit": [
                {
                    "index": "jobs_job_status_idx",
                    "table": "jobs_job",
                    "columns": ["status"],
                    "verdict": "redundant",
                    "duplicates": "jobs_job_status_date_idx",
                },
                {
                    "index": "jobs_job_status_date_idx",
                    "table": "jobs_job",
                    "columns": ["status", "date"],
                    "verdict": "useful",
                    "duplicates": None,
                },
            ],
            "cache": {"hit_rate": 0.9},
            "criteria": [
                {"name": "N+1 queries eliminated", "target": "0", "measured": 0, "passed": True},
                {
                    "name": "Response under 200 ms",
                    "target": "<200",
                    "measured": 9.0,
                    "passed": True,
                },
            ],
        }
    )

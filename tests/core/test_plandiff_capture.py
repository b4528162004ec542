"""A measuring run repeats EXPLAIN ANALYZE, keeps every run's time, and diffs with the interval."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection

from analysis.measure import measure
from analysis.measure.plancapture import EXPLAIN_RUNS
from analysis.measure.result import MeasureResult
from analysis.plandiff import RUNS_KEY
from tests.core.conftest import run_sql


def lookup():
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM core_items WHERE d = %s", [4242])


@contextmanager
def indexed():
    run_sql("CREATE INDEX core_items_d_idx ON core_items (d)")
    try:
        yield
    finally:
        run_sql("DROP INDEX core_items_d_idx")


def test_plan_diffs_judge_the_runs_interval_also_against_a_stored_baseline(items, tmp_path):
    variants = {"plain": contextmanager(lambda: (yield)), "indexed": indexed}
    serial = contextmanager(lambda: (yield run_sql("SET max_parallel_workers_per_gather = 0")))
    result = measure(
        [("lookup", lookup)], variants, repeat=1, warmup=0, explain_runs=EXPLAIN_RUNS,
        cpu=False, around=serial(),
    )  # fmt: skip
    [diff] = result.figures("lookup", "indexed")["plan_diffs"]
    assert (diff["verdict"], diff["rule"], diff["flip"]) == ("improved", "interval", False)
    assert diff["speedup"]["samples"] == [EXPLAIN_RUNS, EXPLAIN_RUNS]
    stored = next(iter(result.plan_documents.values()))["plan"]
    assert len(stored[RUNS_KEY]) == EXPLAIN_RUNS

    # a later process diffing against the stored baseline still knows its spread
    result.write(tmp_path)
    reference = MeasureResult.read(tmp_path)
    again = measure(
        [("lookup", lookup)], {"indexed": indexed}, repeat=1, warmup=0, cpu=False,
        explain_runs=EXPLAIN_RUNS, baseline="plain", reference=reference, around=serial(),
    )  # fmt: skip
    [diff] = again.figures("lookup", "indexed")["plan_diffs"]
    assert (diff["verdict"], diff["rule"]) == ("improved", "interval")

"""The pieces of a load run that need no server: write slices, counters, durations, figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.commands.load import seconds
from workbench.load import counters, figures
from workbench.load.locust_run import LocustRun

PLAN = {
    "reads": [{"name": "job_list", "url": "/api/jobs/", "token": "t"}],
    "read_weights": [1.0],
    "write_share": 0.5,
    "write_ops": ["save_job", "apply", "edit_job"],
    "tokens": {},
    "seed": 1,
    "open_jobs": [[10, 1], [11, 2], [12, 3]],
    "freelancers": [5, 6, 7],
    "applied": [[5, 10]],
    "saved": [],
}


def test_workers_get_disjoint_write_pairs_and_never_apply_twice():
    from workbench.load.workload import Workload

    slices = [Workload(PLAN, (i, 2)) for i in range(2)]
    assert not set(slices[0].pairs) & set(slices[1].pairs)
    assert len(slices[0].pairs) + len(slices[1].pairs) == 9
    sent = []
    for workload in slices:
        while (pair := workload.next_application()) is not None:
            sent.append(pair)
    assert len(sent) == len(set(sent)) == 8  # every pair once, not the one already applied
    assert (5, 10) not in sent


def test_counters_sum_every_process_file(tmp_path: Path):
    first = counters.CounterFile(tmp_path)
    first.add(requests=2, queries=7, db_cpu_us=1500, cache=(3, 1))
    (tmp_path / f"999999{counters.SUFFIX}").write_bytes(first.path.read_bytes())
    total = counters.read(tmp_path)
    assert (total["requests"], total["queries"], total["cache_hits"], total["processes"]) == (
        4,
        14,
        6,
        2,
    )
    assert counters.delta(dict.fromkeys(counters.FIELDS, 0), total)["db_cpu_us"] == 3000


@pytest.mark.parametrize("text, value", [("30", 30.0), ("30s", 30.0), ("2m", 120.0), ("1.5", 1.5)])
def test_durations(text, value):
    assert seconds(text) == value


def test_figures_come_from_the_raw_samples_and_the_server_counters():
    samples = [["job_list", "GET", 100.0 + i / 10, 10.0 + i, None] for i in range(100)]
    samples.append(["apply", "POST", 110.0, 500.0, "HTTPError: 409"])
    run = LocustRun(users=2, seconds=10, workers=0, samples=samples)
    counted = dict.fromkeys(counters.FIELDS, 0)
    counted.update(requests=101, queries=202, db_cpu_us=101_000, cache_hits=3, cache_misses=1)
    level = figures.level("all", run, counted, None, {"includes": "every process", "ms": 303.0})
    assert list(level)[: len(figures.CONTRACT)] == list(figures.CONTRACT)
    assert level["requests"] == 101 and level["errors"] == 1
    assert level["queries_per_request"] == 2.0 and level["db_cpu_ms_per_request"] == 1.0
    assert level["server_cpu_ms_per_request"] == 3.0
    assert level["hit_rate"] == 0.75
    assert level["writes"]["requests"] == 1 and level["top_errors"]

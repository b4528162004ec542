"""Fixtures for the measurement tests: the seeded tiny marketplace and one measured run.

The runner changes the plan's indexes (DDL) inside the test's transaction, which the
``db`` fixture rolls back, so the test database ends as the migrations define it. The
one full run is memoised: the first test that asks for it measures (inside its own
transaction), the others only read the Python result and the files it wrote.
"""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _every_test_starts_with_an_empty_cache(fresh_cache):
    yield


_RUN: dict[str, Any] = {}
SCENARIOS = ["job_list", "user_reviews"]
REPEAT = 2


@pytest.fixture
def measured(seeded_tiny, db, tmp_path_factory) -> dict[str, Any]:
    """job_list and user_reviews under all five variants, repeat 2, written to a folder."""
    if not _RUN:
        from workbench.study import plan_indexes as perf_indexes
        from workbench.study.measure import measure

        before = perf_indexes.present()
        result = measure(
            SCENARIOS,
            repeat=REPEAT,
            warmup=1,
            mixed_requests=200,
            mixed_warmup=50,
            write_share=0.1,
        )
        out = result.write(tmp_path_factory.mktemp("measure") / "run")
        _RUN.update(result=result, out=out, before=before, after=perf_indexes.present())
    return _RUN

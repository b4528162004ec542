"""The HypoPG screen: on a server with HypoPG (the machine's PostgreSQL 15 in CI, with
Debian's postgresql-15-hypopg) it keeps what the planner would pick and cuts; without it
(the embedded PostgreSQL) it keeps everything and says why. Each server runs its half."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from analysis.indexes import candidates, hypo, list_indexes
from analysis.indexes import queries as q
from tests.indexes import dataset
from workbench.study import plan_indexes as perf_indexes
from workbench.study import writes as workload

pytestmark = pytest.mark.django_db


class _Undo(Exception):
    pass


def _screened():
    """Screen the default workload's candidates on the dataset, plan indexes reverted."""
    out = {}
    try:
        with transaction.atomic(), connection.cursor() as cur:
            dataset.build(cur)
            for spec in perf_indexes.index_specs():
                cur.execute(spec.drop_sql())
            cur.execute("ANALYZE")
            out["available"] = hypo.available(cur)
            shapes = q.by_text(q.capture(workload.default_workload(), connection))
            found = candidates.generate([s.sql for s in shapes], list_indexes(cur))
            out["found"] = found
            out["shapes"] = shapes
            out["result"] = hypo.screen(cur, found, shapes)
            cur.execute("SELECT count(*) FROM pg_extension WHERE extname = 'hypopg'")
            out["extension_during"] = cur.fetchone()[0]
            raise _Undo
    except _Undo:
        pass
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_extension WHERE extname = 'hypopg'")
        out["extension_after"] = cur.fetchone()[0]
    return out


def test_with_hypopg_the_screen_keeps_what_the_planner_picks():
    with connection.cursor() as cur:
        if not hypo.available(cur):
            pytest.skip("HypoPG is not on this server (CI's PostgreSQL 15 pass has it)")
    out = _screened()
    result = out["result"]
    assert result.skipped is None
    kept = {(c.table, c.columns) for c in result.kept}
    # the open-jobs list (status = 'open' ORDER BY date DESC) wants (status, date)
    assert ("jobs_job", ("status", "date")) in kept
    assert len(result.kept) + len(result.rejected) == len(out["found"])
    assert result.rejected  # some idea is not worth building
    for name, estimate in result.estimates.items():
        assert estimate["cost_after"] >= 0, name
    for c in result.kept:
        assert result.estimates[c.name]["cut"] >= hypo.MIN_CUT
    assert out["extension_after"] == 0  # created in the transaction, gone with it


def test_without_hypopg_every_candidate_goes_on_and_the_output_says_why():
    with connection.cursor() as cur:
        if hypo.available(cur):
            pytest.skip("this server has HypoPG: the other test covers it")
    out = _screened()
    result = out["result"]
    assert result.kept == out["found"] and result.rejected == {}
    assert "HypoPG is not installed" in result.skipped

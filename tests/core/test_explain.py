"""EXPLAIN safety: rolled back, time-limited, refusing what a rollback cannot undo."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from analysis.capture import capture
from analysis.errors import AnalysisError
from analysis.explain import (
    ExplainError,
    ExplainTimeout,
    UnsafeStatement,
    check_explainable,
    explain,
)
from marketplace.jobs.models import Application, Job
from tests.core.conftest import run_sql

CHECKSUM = "SELECT count(*), md5(string_agg(id || ':' || a || ':' || c, ',' ORDER BY id)) FROM {}"


def test_update_delete_and_insert_leave_every_row_as_it_was(items, market):
    before = run_sql(CHECKSUM.format("core_items"))
    jobs_before = sorted(Job.objects.values_list("id", "title", "status"))
    applications_before = Application.objects.count()
    for sql in (
        "UPDATE core_items SET a = a + 1, c = 'changed'",
        "DELETE FROM core_items WHERE id > 10",
        "INSERT INTO core_items SELECT i + 100000, 0, 0, 'new', 0 FROM generate_series(1, 50) i",
        "UPDATE jobs_job SET title = 'changed', status = 'cancelled'",
        "DELETE FROM jobs_application",
    ):
        result = explain(sql, allow_writes=True)
        assert result.plan.analyzed and result.plan.root.executed, sql
        assert result.plan.root.node_type in ("ModifyTable",), sql
    assert run_sql(CHECKSUM.format("core_items")) == before
    assert sorted(Job.objects.values_list("id", "title", "status")) == jobs_before
    assert Application.objects.count() == applications_before


@pytest.mark.django_db(transaction=True)
def test_outside_any_transaction_the_rollback_is_a_real_one():
    assert not connection.in_atomic_block
    run_sql(
        "CREATE TABLE core_autocommit (id int PRIMARY KEY, v int)",
        "INSERT INTO core_autocommit SELECT i, i FROM generate_series(1, 100) i",
    )
    try:
        result = explain("DELETE FROM core_autocommit WHERE v > %s", [10], allow_writes=True)
        assert result.plan.root.get("Plans")[0]["Actual Rows"] == 90
        assert run_sql("SELECT count(*) FROM core_autocommit") == [(100,)]
        assert not connection.in_atomic_block
    finally:
        run_sql("DROP TABLE core_autocommit")


def _statement_timeout() -> str:
    return run_sql("SHOW statement_timeout")[0][0]


@pytest.mark.parametrize("in_transaction", [True, False], ids=["savepoint", "transaction"])
@pytest.mark.django_db(transaction=True)
def test_timeout_gives_a_clear_error_and_the_connection_stays_usable(in_transaction):
    original = _statement_timeout()

    def attempt():
        with pytest.raises(ExplainTimeout) as failed:
            explain("SELECT pg_sleep(5)", timeout_ms=100)
        assert "statement_timeout=100 ms" in str(failed.value)
        assert isinstance(failed.value, AnalysisError)
        assert run_sql("SELECT 1") == [(1,)]  # same connection, still usable
        assert _statement_timeout() == original  # SET LOCAL did not leak

    if in_transaction:
        with transaction.atomic():
            attempt()
            assert not transaction.get_rollback()
    else:
        attempt()
    assert run_sql("SELECT 2") == [(2,)]


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE INDEX core_x ON core_items (a)",
        "DROP TABLE core_items",
        "ALTER TABLE core_items ADD COLUMN z int",
        "TRUNCATE core_items",
        "VACUUM core_items",
        "COPY core_items TO STDOUT",
        "GRANT SELECT ON core_items TO public",
        "SELECT 1; DELETE FROM core_items",
        "SELECT * INTO core_copy FROM core_items",
        "SELECT dblink_exec('dbname=x', 'DELETE FROM t')",
        "SELECT pg_advisory_lock(1)",
        "SELECT setval('some_seq', 1)",
        "EXPLAIN SELECT 1",
        "",
    ],
)
def test_statements_a_rollback_cannot_undo_are_refused(sql):
    with pytest.raises(UnsafeStatement) as refused:
        check_explainable(sql)
    assert "refusing" in str(refused.value)
    assert "\n" not in str(refused.value)


def test_refusal_happens_before_touching_the_database(items):
    with pytest.raises(UnsafeStatement):
        explain("DROP TABLE core_items")
    assert run_sql("SELECT count(*) FROM core_items") == [(60000,)]


def test_trailing_semicolon_and_params_are_accepted(items):
    result = explain("SELECT * FROM core_items WHERE id = %s;", [7])
    assert result.plan.root.node_type == "Index Scan"
    assert result.plan.root.actual_rows == 1


def test_queryset_and_captured_record_targets(market):
    queryset = Job.objects.filter(status="open").order_by("-date")[:3]
    result = explain(queryset)
    assert result.sql.startswith("SELECT")
    assert result.params == ("open",)
    assert result.plan.analyzed
    with capture() as run:
        list(Job.objects.filter(title__startswith="core"))
    from_record = explain(run[0], analyze=False)
    assert from_record.params == ("core%",)
    assert not from_record.plan.analyzed
    assert from_record.execution_ms is None


def test_plain_explain_does_not_execute(items):
    result = explain("SELECT * FROM core_items WHERE id < 100", analyze=False, runs=5)
    assert len(result.plans) == 1
    assert not result.plan.analyzed
    assert result.plan.root.actual_rows is None
    assert "ANALYZE" not in result.options and "FORMAT JSON" in result.options


def test_repeated_runs_report_median_and_spread(items):
    result = explain("SELECT count(*) FROM core_items WHERE a = 5", runs=5, warmup=2)
    assert len(result.plans) == 5
    assert result.warmup == 2
    spread = result.spread
    assert spread["runs"] == 5
    assert spread["min"] <= result.execution_ms <= spread["max"]
    assert result.plan.execution_ms == result.execution_ms  # the median run is the plan shown
    assert "median of 5 runs" in result.summary()


def test_settings_option_and_local_settings_are_reported(items):
    result = explain("SELECT 1", set_local={"work_mem": "123kB", "enable_seqscan": "off"})
    assert result.plan.settings["work_mem"] == "123kB"
    assert result.plan.settings["enable_seqscan"] == "off"
    assert run_sql("SHOW work_mem")[0][0] != "123kB"


def test_bad_input_is_one_clear_line(db):
    with pytest.raises(ExplainError) as failed:
        explain("SELECT * FROM core_missing_table")
    assert str(failed.value).startswith("EXPLAIN failed: relation")
    assert "\n" not in str(failed.value)
    assert run_sql("SELECT 1") == [(1,)]
    with pytest.raises(ExplainError, match="no database alias"):
        explain("SELECT 1", using="nope")
    with pytest.raises(ExplainError, match="runs must be"):
        explain("SELECT 1", runs=0)
    with pytest.raises(ExplainError, match="cannot EXPLAIN a int"):
        explain(42)

"""Capture: what each record holds, where it came from, and that nothing is left installed."""

from __future__ import annotations

import sys
import threading

import pytest
from django.db import DatabaseError, connection, connections

from analysis.capture import capture, current_scenario, paused, scenario
from analysis.errors import AnalysisError
from analysis.explain import explain
from analysis.nplusone import detect_duplicates, detect_n_plus_one
from marketplace.accounts.models import User


def this_line() -> int:
    return sys._getframe(1).f_lineno


def test_records_sql_params_time_rows_and_call_site(market):
    with capture(label="users") as run:
        line = this_line() + 1
        names = list(User.objects.filter(username__startswith="core").values_list("username"))
    assert len(names) == 4
    [query] = run.queries
    assert 'FROM "accounts_user"' in query.sql
    assert query.params == ("core%",)
    assert query.alias == "default"
    assert query.rows == 4
    assert query.duration_ms > 0
    assert query.error is None and query.many is False
    assert query.file == __file__
    assert query.line == line
    assert query.function == "test_records_sql_params_time_rows_and_call_site"
    assert query.scenario == "users"
    assert query.kind == "SELECT"
    assert len(query.fingerprint) == 16


def test_raw_cursor_sql_and_executemany_are_captured(db):
    with capture() as run, connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE core_raw (n int)")
        cursor.executemany("INSERT INTO core_raw VALUES (%s)", [(1,), (2,), (3,)])
        cursor.execute("SELECT n FROM core_raw WHERE n > %s", [1])
    assert [q.kind for q in run] == ["CREATE", "INSERT", "SELECT"]
    assert run[1].many is True and run[1].params == [(1,), (2,), (3,)]
    assert run[2].rows == 2


def test_dataframe_and_records(market):
    with capture() as run:
        list(User.objects.all())
        User.objects.filter(pk__in=[u.pk for u in market["users"][:2]]).count()
        User.objects.filter(pk__in=[u.pk for u in market["users"]]).count()
    frame = run.to_dataframe()
    assert list(frame["index"]) == [0, 1, 2]
    for column in ("sql", "params", "duration_ms", "rows", "file", "line", "function",
                   "fingerprint", "normalized", "call_site", "callers", "scenario"):  # fmt: skip
        assert column in frame.columns
    assert frame.loc[0, "file"] == "tests/core/test_capture.py"
    # the two counts differ only in IN-list length: one shape
    assert frame.loc[1, "fingerprint"] == frame.loc[2, "fingerprint"]
    assert frame.loc[0, "fingerprint"] != frame.loc[1, "fingerprint"]
    grouped = run.by_fingerprint()
    assert sorted(grouped["count"]) == [1, 2]
    records = run.records()
    assert records[0]["call_site"].startswith("tests/core/test_capture.py:")
    assert "<b>capture</b>" in run._repr_html_()


def test_failed_query_is_recorded_and_still_raises(db):
    with capture() as run, pytest.raises(DatabaseError), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM core_no_such_table")
    [query] = run.queries
    assert query.error.startswith("ProgrammingError")
    assert detect_n_plus_one(run) == [] and detect_duplicates(run) == []


def test_wrappers_are_removed_and_nesting_records_in_both(db):
    before = {alias: list(connections[alias].execute_wrappers) for alias in connections}
    with capture(label="outer") as outer:
        User.objects.count()
        with capture() as inner:
            User.objects.exists()
    assert len(outer) == 2 and len(inner) == 1
    assert inner[0].scenario == "outer"  # an unlabelled capture joins the current scenario
    assert {alias: list(connections[alias].execute_wrappers) for alias in connections} == before


def test_workbench_queries_are_hidden_from_captures(db):
    with capture() as run:
        with paused():
            User.objects.count()
        explain("SELECT 1")
        User.objects.exists()
    assert len(run) == 1


def test_scenario_names_queries_and_resets(db):
    assert current_scenario() is None
    with capture() as run:
        with scenario("home"):
            assert current_scenario() == "home"
            User.objects.count()
        User.objects.count()
    assert current_scenario() is None
    assert run[0].scenario == "home"
    assert run[1].scenario is None
    assert run[0].unit != run[1].unit


@pytest.mark.django_db(transaction=True)
def test_threads_option_records_connections_opened_by_other_threads():
    def work():
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT 42")
        finally:
            connections.close_all()

    with capture(threads=True) as run:
        worker = threading.Thread(target=work)
        worker.start()
        worker.join()
    with capture() as only_mine:
        worker = threading.Thread(target=work)
        worker.start()
        worker.join()
    assert [q.sql for q in run.queries] == ["SELECT 42"]
    assert run[0].function == "work"
    assert only_mine.queries == []


def test_unknown_alias_is_one_clear_error():
    with (
        pytest.raises(AnalysisError, match="no database alias 'replica'"),
        capture(using="replica"),
    ):
        pass

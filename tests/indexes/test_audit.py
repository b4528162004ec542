"""The audit on a dataset where the plan's indexes change real plans, measured once per module.

The dataset (tens of thousands of rows, built with generate_series) and the audit run
inside one transaction that is rolled back, so the test database keeps its schema and
has no rows left; the audit itself must also leave everything as it found it.
"""

from __future__ import annotations

import math

import pytest
from django.db import connection, transaction

from analysis.indexes import audit, schema_snapshot
from analysis.indexes.audit import VERDICTS, IndexVerdict
from tests.indexes import dataset
from workbench.study import plan_indexes as perf_indexes
from workbench.study import writes as workload

# The module's fixture uses the test database directly; the marker makes pytest-django
# create it even when this file runs alone.
pytestmark = pytest.mark.django_db

REQUIRED_KEYS = {
    "index",
    "table",
    "columns",
    "verdict",
    "duplicates",
    "size_bytes",
    "build_ms",
    "write_cost_ratio",
    "used_by",
    "gain_ms",
}


class _Undo(Exception):
    pass


def _row_counts(cur) -> dict[str, int]:
    out = {}
    for table in ("accounts_user", "jobs_job", "jobs_application", "payment_payment"):
        cur.execute(f"SELECT count(*), coalesce(sum(hashtext(t::text)), 0) FROM {table} t")
        out[table] = cur.fetchone()
    return out


@pytest.fixture(scope="module")
def audited(django_db_setup, django_db_blocker):
    """(result, facts): one audit of all 24 plan indexes plus what the test checks around it."""
    facts: dict = {}
    with django_db_blocker.unblock():
        try:
            with transaction.atomic(), connection.cursor() as cur:
                facts["counts"] = dataset.build(cur)
                facts["schema_before"] = schema_snapshot(cur)
                facts["rows_before"] = _row_counts(cur)
                work = workload.default_workload()
                result = audit(perf_indexes.index_specs(), work, repeat=1, write_repeat=2, rounds=5)
                facts["schema_after"] = schema_snapshot(cur)
                facts["rows_after"] = _row_counts(cur)
                cur.execute("SHOW jit")
                facts["jit_after"] = cur.fetchone()[0]
                # the same audit with the plan's indexes absent gives the same verdicts
                for spec in perf_indexes.index_specs():
                    cur.execute(spec.drop_sql())
                subset = perf_indexes.index_specs(
                    ["jobs_job_client_idx", "jobs_job_status_idx", "jobs_job_status_date_idx"]
                )
                facts["reverted"] = audit(subset, work, repeat=1, write_repeat=1, rounds=5)
                raise _Undo
        except _Undo:
            pass
    return result, facts


def _by_name(result) -> dict[str, dict]:
    return {r["index"]: r for r in result.records()}


def test_dataset_is_big_enough_to_matter(audited):
    _, facts = audited
    assert facts["counts"]["jobs_job"] >= 20000
    assert facts["counts"]["jobs_application"] >= 40000


def test_audit_changes_nothing(audited):
    _, facts = audited
    assert facts["schema_after"] == facts["schema_before"]
    assert facts["rows_after"] == facts["rows_before"]
    assert facts["jit_after"] == "on"  # its SET LOCALs went with its transaction


def test_records_have_the_contracted_keys_and_the_frame_too(audited):
    result, _ = audited
    records = result.records()
    assert [r["index"] for r in records] == list(perf_indexes.NAMES)
    for r in records:
        assert set(r) >= REQUIRED_KEYS
        assert r["verdict"] in VERDICTS
        assert (r["verdict"] == "redundant") == (r["duplicates"] is not None)
    frame = result.frame()
    assert list(frame.columns) == list(IndexVerdict.__annotations__)
    assert len(frame) == 24


def test_seq_scan_becomes_index_scan_and_the_composite_is_useful(audited):
    result, _ = audited
    open_jobs = next(d for d in result.statement_details if d["sources"] == ["open_jobs"])
    assert open_jobs["baseline_scans"] == ["Seq Scan on jobs_job"]
    assert any("jobs_job" in s and "using" in s for s in open_jobs["scans_with_all"])
    rows = _by_name(result)
    status_date = rows["jobs_job_status_date_idx"]
    assert status_date["verdict"] == "useful"
    assert status_date["duplicates"] is None
    assert "open_jobs" in status_date["used_by"]
    assert status_date["baseline_ms"] > 0


def test_fk_duplicates_are_redundant_with_djangos_index(audited):
    rows = _by_name(audited[0])
    client = rows["jobs_job_client_idx"]
    assert client["verdict"] == "redundant" and client["redundancy"] == "duplicate"
    assert client["duplicates"].startswith("jobs_job_client_id_")
    assert rows["rating_review_pair_job_idx"]["duplicates"] == "review_unique_reviewer_reviewed_job"
    assert rows["accounts_user_email_idx"]["duplicates"] == "accounts_user_email_key"
    assert rows["accounts_profile_user_idx"]["duplicates"] == "accounts_profile_user_id_key"
    status = rows["jobs_job_status_idx"]
    assert (status["redundancy"], status["duplicates"]) == ("covered", "jobs_job_status_date_idx")
    redundant = {n for n, r in rows.items() if r["verdict"] == "redundant"}
    assert len(redundant) == 17
    assert redundant.isdisjoint(
        {
            "accounts_profile_role_idx",
            "jobs_job_date_idx",
            "jobs_job_status_date_idx",
            "jobs_app_status_idx",
            "jobs_app_job_status_idx",
            "jobs_savedjob_user_saved_idx",
            "payment_payment_status_idx",
        }
    )


def test_an_index_no_plan_picks_is_unused(audited):
    rows = _by_name(audited[0])
    # 60% of profiles are freelancers: reading them in id order never wants the role index
    assert rows["accounts_profile_role_idx"]["verdict"] == "unused"
    assert rows["accounts_profile_role_idx"]["used_by"] == []
    assert rows["accounts_profile_role_idx"]["gain_ms"] == 0
    # nothing in the workload filters applications by status alone
    assert rows["jobs_app_status_idx"]["verdict"] == "unused"


def test_size_build_time_and_write_cost_are_measured(audited):
    for r in audited[0].records():
        assert r["size_bytes"] > 8192, r["index"]  # more than the metapage: it holds entries
        assert r["build_ms"] > 0
        assert r["write_cost_ratio"] is not None and r["write_cost_ratio"] > 0, r["index"]
        assert math.isfinite(r["write_cost_ratio"])
        assert r["insert_rows_per_s"] > 0 and r["update_rows_per_s_with"] > 0


def test_verdicts_do_not_depend_on_whether_the_indexes_were_applied(audited):
    result, facts = audited
    before = _by_name(result)
    for name, row in _by_name(facts["reverted"]).items():
        assert (row["verdict"], row["duplicates"]) == (
            before[name]["verdict"],
            before[name]["duplicates"],
        )


def test_the_set_never_drops_both_members_of_a_covering_pair(audited):
    """Redundant only against an index that stays: the one it names is kept or not judged."""
    rows = _by_name(audited[0])
    for r in rows.values():
        if r["verdict"] == "redundant":
            other = rows.get(r["duplicates"])
            assert other is None or other["verdict"] == "useful", (r["index"], other)
    assert rows["jobs_job_status_date_idx"]["action"] == "keep"
    assert rows["jobs_job_status_idx"]["action"] == "drop"


def test_kept_indexes_have_a_measured_saving_that_excludes_zero(audited):
    result, _ = audited
    kept = [r for r in result.records() if r["verdict"] == "useful"]
    assert kept
    restored = {n for check in result.final_check for n in check["restored"]}
    for r in kept:
        if r["reason"] == "needed (final check)":  # put back for a statement slower without it
            assert r["index"] in restored
            continue
        assert r["reason"] == "needed"
        assert r["saving_ms"] > 0 and r["saving_ci"][0] > 0, r["index"]
        assert r["used_in_set"], r["index"]
    open_jobs = _by_name(result)["jobs_job_status_date_idx"]["saving_by_source"]["open_jobs"]
    assert open_jobs["ci"][0] > 0


def test_index_set_lists_every_judged_index_once(audited):
    result, _ = audited
    s = result.index_set
    assert s["add"] == []  # every proposal existed already
    assert sorted(s["keep"] + s["drop"]) == sorted(perf_indexes.NAMES)
    for check in result.final_check:  # after any repair, nothing is slower than all-present
        assert check["verdict"] != "faster" or check["restored"], check

"""Recommendations from an advice document and a measured run: kinds, units, ranking and
the "not worth it" line, on records shaped as the advisor and the measurement write them."""

from __future__ import annotations

import random

from workbench.report.tables import recommendations_frame
from workbench.study import recommend


def _record(index, action, **kw):
    base = {
        "index": index, "table": "jobs_job", "columns": ["date"], "origin": "candidate",
        "verdict": "useful", "duplicates": None, "write_cost_ratio": 1.2,
        "insert_rows_per_s": 10000, "insert_rows_per_s_with": 8000,
        "update_rows_per_s": 20000, "update_rows_per_s_with": 16000,
        "saving_ms": None, "saving_ci": None, "saving_by_source": {}, "used_in_set": [],
        "action": action, "size_bytes": 8192,
    }  # fmt: skip
    base.update(kw)
    return base


ADVICE = {
    "calls_per_scenario": {"job_list": 6, "payments": 6},
    "records": [
        _record(
            "jobs_job_date_wb",
            "add",
            saving_ms=60.0,
            saving_ci=[54.0, 66.0],
            used_in_set=["job_list"],
            saving_by_source={"job_list": {"ms": 60.0, "ci": [54.0, 66.0]}},
        ),
        _record(
            "noise_wb",
            "add",
            table="payment_payment",
            columns=["status"],
            saving_by_source={"payments": {"ms": 0.3, "ci": [-0.2, 0.9]}},
        ),
        _record(
            "jobs_job_client_idx",
            "drop",
            origin="proposed",
            verdict="redundant",
            duplicates="jobs_job_client_id_8aaadee3",
            columns=["client_id"],
        ),
        _record(
            "jobs_job_status_idx",
            "drop",
            origin="proposed",
            verdict="no gain",
            columns=["status"],
            write_cost_ratio=1.01,
        ),
        _record("kept_idx", "keep", origin="proposed"),
    ],  # fmt: skip
}


class _Measured:
    """The part of a MeasureResult the recommendations read: scenarios, mixed, walls."""

    def __init__(self):
        rng = random.Random(1)
        self.mixed = {
            "baseline": {"samples_ms": [["job_list", "read", rng.gauss(100, 5), False]
                                        for _ in range(200)]},
            "eager": {"samples_ms": [["job_list", "read", rng.gauss(40, 5), False]
                                     for _ in range(200)]},
            "cache": {"samples_ms": [["job_list", "read", rng.gauss(99, 5), True]
                                     for _ in range(200)]},
        }  # fmt: skip
        finding = {"message": "N+1: 20 queries on accounts_user", "fix": "select_related('client')",
                   "fix_in": "JobListView.get_queryset (marketplace/api/views/jobs.py:43)"}  # fmt: skip
        self.scenarios = {
            "job_list": {
                "variants": {
                    "baseline": {"n_plus_one_details": [finding, finding]},
                    "eager": {},
                    "cache": {},
                }
            }
        }

    def walls(self, scenario, variant, hit=None):
        return []


def test_index_actions_use_the_advice_units_and_the_scenario_helped_most():
    actions = {a["evidence"]["index"]: a for a in recommend.index_actions(ADVICE)}
    assert set(actions) == {"jobs_job_date_wb", "noise_wb", "jobs_job_client_idx",
                            "jobs_job_status_idx"}  # fmt: skip
    add = actions["jobs_job_date_wb"]
    assert add["kind"] == "add_index" and add["unit"] == "server ms per request of job_list"
    assert add["saving_ms"] == 10.0 and add["saving_ci"] == [9.0, 11.0]  # per call of 6
    assert add["worth_it"]
    assert not actions["noise_wb"]["worth_it"]  # its interval reaches below zero
    drop = actions["jobs_job_client_idx"]
    assert drop["kind"] == "drop_index" and drop["unit"] == recommend.PER_1000_WRITES
    # 1,000 rows: 125 ms inserting with vs 100 without, 62.5 vs 50 updating
    assert drop["saving_ms"] == 37.5
    assert drop["worth_it"] and "jobs_job_client_id_8aaadee3, which stays" in drop["action"]
    assert not actions["jobs_job_status_idx"]["worth_it"]  # no gain, write cost within 5%


def test_code_actions_are_measured_on_the_mixed_traffic():
    actions = {a["kind"]: a for a in recommend.code_actions(_Measured())}
    fix = actions["fix_n_plus_one"]
    assert fix["action"] == (
        "select_related('client') in JobListView.get_queryset (marketplace/api/views/jobs.py:43)"
    )
    assert 50 < fix["saving_ms"] < 70 and fix["saving_ci"][0] > 0 and fix["worth_it"]
    assert fix["evidence"]["measured_on"] == "mixed"
    cache = actions["cache_response"]
    assert not cache["worth_it"]  # 1 ms of 100: inside the minimum effect


def test_ranking_puts_read_savings_first_then_drops():
    ranked = recommend.recommendations(ADVICE, _Measured())
    assert [a["rank"] for a in ranked] == list(range(1, len(ranked) + 1))
    units = [a["unit"] == recommend.PER_1000_WRITES for a in ranked]
    assert units == sorted(units)  # every drop after every read saving
    reads = [a["saving_ms"] for a in ranked if a["unit"] != recommend.PER_1000_WRITES]
    assert reads == sorted(reads, reverse=True)


def test_the_table_splits_worth_it_from_noise_and_never_prints_exponents():
    ranked = recommend.recommendations(ADVICE, _Measured())
    worth = recommendations_frame(ranked)
    noise = recommendations_frame(ranked, worth_it=False)
    assert len(worth.rows) == sum(a["worth_it"] for a in ranked)
    assert len(noise.rows) == len(ranked) - len(worth.rows)
    html = worth._repr_html_() + noise._repr_html_()
    assert "e+0" not in html and "e-0" not in html
    assert "No action saves" in recommendations_frame([])._repr_html_()

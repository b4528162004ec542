"""The runner on real data: structure, what the variants change, files, and restored state."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.measure import RUN_COLUMNS, MeasureError, Rule, classifier, measure, percentile
from tests.measure.conftest import REPEAT, SCENARIOS
from workbench.report import summary
from workbench.study import plan_indexes as perf_indexes
from workbench.study import variants
from workbench.study.measure import measure as study_measure
from workbench.study.subjects import pick_subjects

VARIANTS = list(variants.VARIANTS)


def test_every_scenario_and_variant_has_its_figures(measured):
    result = measured["result"]
    assert list(result.scenarios) == SCENARIOS
    for name in SCENARIOS:
        assert list(result.scenarios[name]["variants"]) == VARIANTS
        for variant in VARIANTS:
            f = result.figures(name, variant)
            for key in ("queries", "data_queries", "n_plus_one", "p50_ms", "p95_ms", "db_ms"):
                assert isinstance(f[key], int | float) and f[key] >= 0, (name, variant, key)
            assert f["p50_ms"] <= f["p95_ms"] <= f["max_ms"]
            assert f["queries"] == (
                f["data_queries"] + f["count_queries"] + f["auth_queries"] + f["control_queries"]
            )
            assert f["db_cpu_ms"] is not None  # the embedded or loopback server: /proc
    assert result.db_cpu["method"] in ("backend_and_workers", "backend_schedstat", "backend_stat")


def test_eager_loading_lowers_job_lists_queries(measured):
    result = measured["result"]
    base, eager = result.figures("job_list", "baseline"), result.figures("job_list", "eager")
    assert base["n_plus_one"] >= 3  # client, industry, subcategory, application count
    assert base["data_queries"] > 20  # a page of 20 with per-row lookups
    assert eager["queries"] < base["queries"]
    assert eager["n_plus_one"] == 0
    assert eager["data_queries"] == 1 and eager["count_queries"] == 1
    disappeared = {d["call_site"].split(" in ")[1] for d in eager["disappeared"]}
    # the serializer's per-row count (JobSerializer.get_application_count) is gone
    assert "application_count" in disappeared
    assert result.figures("user_reviews", "eager")["n_plus_one"] == 0


def test_the_cache_variant_serves_repeats_from_redis(measured):
    result = measured["result"]
    for variant in ("cache", "all"):
        f = result.figures("job_list", variant)
        assert f["cache"]["hits"] == REPEAT and f["cache"]["misses"] == 0
        assert f["cache"]["hit_rate"] == 1.0
        assert f["queries"] == 0  # a public list: no caller lookup either
    assert result.figures("job_list", "baseline")["cache"]["hits"] == 0
    rows = result.frame()
    cached = rows[(rows.variant == "cache") & (rows.scenario == "job_list")]
    assert list(cached.cache_hits) == [1] * REPEAT


def test_plans_are_kept_for_the_baseline_and_diffed_for_the_others(measured):
    result = measured["result"]
    base = result.figures("job_list", "baseline")
    assert base["plans"] and base["plan_diffs"] == [] and base["disappeared"] == []
    assert all("execution_ms" in p for p in base["plans"])
    diffs = result.figures("job_list", "indexes")["plan_diffs"]
    assert {d["fingerprint"] for d in diffs} == {p["fingerprint"] for p in base["plans"]}
    assert all(
        d["verdict"] in ("improved", "unchanged", "regressed") and d["summary"] for d in diffs
    )
    # The page query's access path changes once the plan's indexes exist.
    assert any("Index" in d["summary"] for d in diffs)
    # Under "all" every timed call is a cache hit; the plans come from the warm-up's misses.
    cached = result.figures("job_list", "all")
    assert cached["plans"] and {p["seen_in"] for p in cached["plans"]} == {"warmup"}
    assert {p["seen_in"] for p in base["plans"]} == {"timed"}


def test_the_mixed_workload_measures_a_hit_rate_for_cache_variants(measured):
    result = measured["result"]
    assert set(result.mixed) == {"cache", "all"}
    cache = result.cache
    assert cache["variant"] == "all"
    assert cache["reads"] + cache["writes"] == 200
    assert cache["writes"] > 0 and cache["hits"] > 0
    assert 0 < cache["hit_rate"] <= 1
    assert cache["redis_hits"] is not None and cache["redis_misses"] is not None


def test_the_index_state_is_restored(measured):
    assert measured["before"] == set(perf_indexes.NAMES)  # migrations apply the 0002s
    assert measured["after"] == measured["before"]


def test_results_are_written(measured):
    out = measured["out"]
    frame = pd.read_parquet(out / "measurements.parquet")
    assert list(frame.columns) == RUN_COLUMNS
    assert len(frame) == len(SCENARIOS) * len(VARIANTS) * REPEAT
    data = json.loads((out / "results.json").read_text())
    assert data["schema_version"] == 1
    assert [s["name"] for s in data["scenarios"]] == SCENARIOS
    assert data["cache"]["hit_rate"] == measured["result"].cache["hit_rate"]
    plan = data["scenarios"][0]["variants"]["baseline"]["plans"][0]
    document = json.loads((out / plan["file"]).read_text())
    assert document["fingerprint"] == plan["fingerprint"] and "Plan" in document["plan"]


def test_summary_figures_fit_summary_json(measured):
    result = measured["result"]
    data = {
        "schema_version": 1,
        "parameters": {},
        "environment": {},
        "scenarios": result.summary_scenarios(),
        "index_audit": [],
        "cache": result.cache,
        "criteria": [],
    }
    assert summary.validate(data) == []


def test_measuring_from_reverted_indexes_restores_them_reverted(seeded_tiny, db):
    variants.set_indexes(False)
    assert perf_indexes.present() == set()
    result = study_measure(
        ["wallet"], ["indexes"], repeat=1, warmup=0, explain=False, mixed_requests=0
    )
    assert result.figures("wallet", "indexes")["queries"] >= 1
    assert perf_indexes.present() == set()


def test_ddl_after_writes_in_the_same_transaction(seeded_tiny, db):
    """Deferred FK checks pending from a write would make DDL fail; the variant runs them."""
    from marketplace.jobs.models import Job, SavedJob

    user = pick_subjects().busy_freelancer
    job = Job.objects.exclude(saved_by__user_id=user).order_by("id").first()
    SavedJob.objects.create(user_id=user, job=job)  # deferred FK checks now pending
    with variants.VARIANTS["baseline"]():
        assert perf_indexes.present() == set()
    variants.set_indexes(True)
    assert perf_indexes.present() == set(perf_indexes.NAMES)


def test_generic_runner_accepts_named_callables_and_refuses_bad_input(db):
    from contextlib import nullcontext

    from django.db import connection

    def one_query():
        with connection.cursor() as cur:
            cur.execute("SELECT 1")

    result = measure([("select_one", one_query)], {"plain": nullcontext}, repeat=3, warmup=0)
    f = result.figures("select_one", "plain")
    assert f["queries"] == 1 and f["data_queries"] == 1
    assert len(result.frame()) == 3
    with pytest.raises(MeasureError, match="repeat"):
        measure([("x", one_query)], {"plain": nullcontext}, repeat=0)
    with pytest.raises(MeasureError, match="name"):
        measure([object()], {"plain": nullcontext})
    with pytest.raises(MeasureError, match="unique"):
        measure([("x", one_query), ("x", one_query)], {"plain": nullcontext})
    with pytest.raises(MeasureError, match="category"):
        classifier([Rule("bogus")])


def test_percentile_interpolates_like_numpy():
    assert percentile([1.0], 95) == 1.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 50) == 3.0
    assert percentile([1.0, 2.0, 3.0, 4.0, 5.0], 95) == pytest.approx(4.8)
    assert percentile([10.0, 0.0], 50) == 5.0


def test_generic_runner_diffs_against_the_first_variant_unless_told(db):
    from contextlib import nullcontext

    from django.db import connection

    def one_query():
        with connection.cursor() as cur:
            cur.execute("SELECT 1")

    variants = {"plain": nullcontext, "again": nullcontext}
    result = measure([("select_one", one_query)], variants, repeat=1, warmup=0)
    assert result.figures("select_one", "plain")["plan_diffs"] == []
    [diff] = result.figures("select_one", "again")["plan_diffs"]
    assert diff["verdict"]
    # a named baseline replaces the default: one not measured here leaves nothing to diff
    told = measure([("select_one", one_query)], variants, repeat=1, warmup=0, baseline="other")
    assert [told.figures("select_one", v)["plan_diffs"] for v in variants] == [[], []]
    with pytest.raises(MeasureError, match="baseline"):
        measure([("select_one", one_query)], {"again": nullcontext}, reference=result)

"""The run folder's library: stored results read back, merged, and used as the baseline."""

from __future__ import annotations

import json

import pytest

from analysis import measure
from analysis.measure import MeasureResult
from workbench.report import run_folder as reporting
from workbench.report import tables as report_tables
from workbench.study import steps as report_steps
from workbench.study.measure import measure as study_measure


def _result(variants: dict[str, dict], context: dict | None = None) -> MeasureResult:
    """A hand-made result (for merging and tables only: never a report's numbers)."""
    result = MeasureResult({"repeat": 1}, {"method": "not measured"})
    result.context = dict(context or {})
    base = {"queries": 1, "data_queries": 1, "count_queries": 0, "auth_queries": 0}
    base |= {"n_plus_one": 0, "p50_ms": 1.0, "p95_ms": 1.0, "db_ms": 0.5, "db_cpu_ms": None}
    result.scenarios["job_list"] = {
        "path": "/api/jobs/",
        "variants": {name: {**base, **figures} for name, figures in variants.items()},
    }
    result.rows = [
        {"scenario": "job_list", "variant": name, "repeat": 0, "wall_ms": 1.0} for name in variants
    ]
    return result


def test_merge_orders_variants_canonically_and_the_later_result_wins():
    first = _result({"eager": {"queries": 2}, "baseline": {"queries": 82}})
    second = _result({"all": {"queries": 0}, "eager": {"queries": 3}})
    merged = reporting.merge([first, second])
    variants = merged.scenarios["job_list"]["variants"]
    assert list(variants) == ["baseline", "eager", "all"]
    assert variants["eager"]["queries"] == 3
    assert sorted(r["variant"] for r in merged.rows) == ["all", "baseline", "eager"]


def test_a_stored_baseline_must_fit_the_run():
    context = {"scale": "tiny", "seed": 42, "page_size": 20, "database": "db"}
    stored = _result({"baseline": {}}, context)
    assert reporting.incompatibility(stored, context, ["job_list"]) is None
    assert "scale='small'" in reporting.incompatibility(
        _result({"baseline": {}}, {**context, "scale": "small"}), context, ["job_list"]
    )
    assert "did not measure user_list" in reporting.incompatibility(
        stored, context, ["job_list", "user_list"]
    )
    assert "no baseline" in reporting.incompatibility(_result({"eager": {}}), context, [])


def test_without_a_stored_baseline_the_note_says_it_is_measured_here(tmp_path):
    found, note = reporting.load_baseline(tmp_path, {}, ["job_list"])
    assert found is None and "measuring it here" in note


def test_the_disappeared_list_does_not_repeat_statements_already_listed():
    gone = [
        {"fingerprint": f"f{i}", "sql": f"SELECT {i}", "call_site": "a.py:1 in f", "per_call": 20.0}
        for i in range(4)
    ]
    result = _result(
        {"baseline": {}, "eager": {"disappeared": gone[:3]}, "all": {"disappeared": gone}}
    )
    summary_variants = {
        v: {**f, "vs_baseline": {}} for v, f in result.scenarios["job_list"]["variants"].items()
    }
    page = report_tables.scenario_html("job_list", summary_variants, result, limit=2)
    assert "<b>eager</b>: 3 baseline statement(s), 60 queries per call" in page
    assert "... and 1 more" in page
    assert (
        "<b>all</b>: 4 baseline statement(s), 80 queries per call, no longer run (3 listed above)"
        in page
    )
    assert page.count("SELECT 3") == 1


def test_the_page_size_table_flags_what_grows():
    counts = [
        {"scenario": "job_list", "variant": v, "page_size": size, "queries": q}
        for v, size, q in [
            ("baseline", 10, 42),
            ("baseline", 50, 202),
            ("eager", 10, 2),
            ("eager", 50, 2),
        ]
    ]
    frame = report_tables.page_size_frame(counts).frame
    assert frame.loc[("job_list", "baseline"), "grows with the page"] == "yes"
    assert frame.loc[("job_list", "eager"), "grows with the page"] == "no"
    assert frame.loc[("job_list", "baseline"), "queries at page size 50"] == "202"


# --------------------------------------------------------------------------- real runs


def test_a_written_result_reads_back_whole(seeded_tiny, db, tmp_path):
    result = study_measure(["job_list"], ["baseline"], repeat=2, mixed_requests=0)
    back = measure.load(result.write(tmp_path / "run"))
    assert back.scenarios == json.loads(json.dumps(result.scenarios, default=str))
    assert back.plan_documents.keys() == result.plan_documents.keys()
    assert [r["wall_ms"] for r in back.rows] == [r["wall_ms"] for r in result.rows]
    assert back.source == tmp_path / "run"
    statements = back.figures("job_list", "baseline")["statements"]
    assert sum(s["per_call"] for s in statements) == back.figures("job_list", "baseline")["queries"]


def test_a_stored_baseline_gives_the_same_diffs_as_measuring_both_at_once(
    seeded_tiny, db, tmp_path
):
    together = study_measure(["job_list"], ["baseline", "eager"], repeat=1, mixed_requests=0)
    stored = study_measure(["job_list"], ["baseline"], repeat=1, mixed_requests=0)
    reference = measure.load(stored.write(tmp_path / "02_baseline"))
    alone = study_measure(["job_list"], ["eager"], repeat=1, mixed_requests=0, reference=reference)
    assert list(alone.scenarios["job_list"]["variants"]) == ["eager"]
    both, one = together.figures("job_list", "eager"), alone.figures("job_list", "eager")
    assert {d["fingerprint"] for d in one["disappeared"]} == {
        d["fingerprint"] for d in both["disappeared"]
    }
    assert len(one["disappeared"]) >= 3
    assert {d["fingerprint"] for d in one["plan_diffs"]} == {
        d["fingerprint"] for d in both["plan_diffs"]
    }
    assert alone.context["baseline_from"] == str(tmp_path / "02_baseline")


def test_a_stage_measures_the_baseline_itself_when_none_fits(seeded_tiny, db, tmp_path):
    first = report_steps.measure_stage(
        tmp_path, "04_eager_loading", ["eager"], scenarios=["job_list"], scale="tiny", seed=42,
        repeat=1,
    )  # fmt: skip
    assert "measuring it here" in first.baseline_note
    assert list(first.view.scenarios["job_list"]["variants"]) == ["baseline", "eager"]
    report_steps.measure_stage(
        tmp_path, "02_baseline", ["baseline"], scenarios=["job_list"], scale="tiny", seed=42,
        repeat=1,
    )  # fmt: skip
    second = report_steps.measure_stage(
        tmp_path, "04_eager_loading", ["eager"], scenarios=["job_list"], scale="tiny", seed=42,
        repeat=1,
    )  # fmt: skip
    assert "measured with it, interleaved" in second.baseline_note
    assert list(second.own.scenarios["job_list"]["variants"]) == ["eager"]
    assert list(second.view.scenarios["job_list"]["variants"]) == ["baseline", "eager"]
    other_page = report_steps.measure_stage(
        tmp_path, "04_eager_loading", ["eager"], scenarios=["job_list"], scale="tiny", seed=42,
        repeat=1, page_size=10,
    )  # fmt: skip
    assert "page_size=20, not 10" in other_page.baseline_note
    run = reporting.collect(tmp_path)
    assert [s["name"] for s in run.scenarios] == ["job_list"]
    # 02 measured every variant, interleaved; 04 took its own from that run
    assert list(run.scenarios[0]["variants"]) == ["baseline", "indexes", "eager", "cache", "all"]


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("page_size=0", "page_size must be a whole number of 1 or more, got 0"),
        ("page_sizes=10,-5", "page_sizes must be whole numbers of 1 or more, got -5"),
        ("write_share=1.5", "write_share must be from 0 to below 1, got 1.5"),
        ("mixed_requests=-1", "mixed_requests must be a whole number of 0 or more, got -1"),
    ],
)
def test_bad_notebook_parameters_are_refused_before_anything_runs(
    run_workbench, tmp_path, assignment, message
):
    proc = run_workbench(
        "report", "--scale", "tiny", "--out", str(tmp_path / "r"), "-p", assignment
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"workbench: error: {message}"
    assert not (tmp_path / "r").exists()


def test_explore_charts_the_plan_of_the_variant_it_was_asked_for(seeded_tiny, db):
    """The plan is taken while the variant is in place: baseline's without the plan's indexes."""
    from workbench.study import plan_indexes as perf_indexes
    from workbench.study import variants

    variants.set_indexes(True)  # as a report run leaves the database
    run = report_steps.explore_scenario("job_list", "baseline")
    labels = " ".join(node.label for node in run.slowest_plan.plan.nodes)
    # Usually the job board's read; on a busy machine (the suite runs in parallel) one of
    # the per-row reads on applications or users can take longest. Each of them would use
    # one of the plan's indexes if they were in place.
    assert any(table in labels for table in ("jobs_job", "jobs_application", "accounts_")), labels
    used = [name for name in perf_indexes.NAMES if name in labels]
    assert used == [], used
    assert all(variants.index_state().values())  # and the indexes are put back
    indexed = report_steps.explore_scenario("user_reviews", "indexes")
    assert indexed.slowest_plan is not None


def test_the_seeded_scale_and_seed_are_recorded_beside_the_data(seeded_tiny, db):
    """What a notebook run alone compares its parameters with (workbench.report.seeded)."""
    from django.db import connection

    import fixtures
    from fixtures import load
    from workbench.report import seeded

    record = fixtures.seeded_as()
    assert (record["scale"], record["users"], record["seed"]) == ("tiny", 200, 42)
    assert record["rows"] == seeded_tiny.total_rows
    assert "as the parameters ask" in seeded.check("tiny", 42)
    assert "as the parameters ask" in seeded.check("200", None)  # the same users, by number
    with pytest.raises(seeded.DataMismatch) as refused:
        seeded.check("small", 42)
    assert "holds tiny data (seed 42" in str(refused.value)
    assert "asked for scale small (seed 42)" in str(refused.value)
    with pytest.raises(seeded.DataMismatch, match=r"tiny data \(seed 42.*\(seed 7\)"):
        seeded.check("tiny", 7)
    with connection.cursor() as cur:  # rolled back with the test
        load.truncate(cur)
    assert fixtures.seeded_as() is None  # emptied tables forget what they held

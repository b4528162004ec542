"""The run's front page and the index across runs, from hand-made summaries (no run)."""

from __future__ import annotations

import json

from tests.report.samples import figures, sample
from workbench.report import front, runs
from workbench.report.result import NotebookResult, RunResult
from workbench.report.run_plan import RunPlan


def result_for(folder, data: dict | None, notebooks=("02_baseline", "06_report")) -> RunResult:
    result = RunResult(RunPlan([], {"scale": "tiny", "seed": 42}, folder, False), summary=data)
    for name in notebooks:
        done = NotebookResult(name, status="ok", output=folder / f"{name}.ipynb", seconds=2.0)
        done.html = folder / f"{name}.html"
        result.notebooks.append(done)
    return result


def with_mixed(data: dict) -> dict:
    data["scenarios"][0]["variants"]["cache"] = figures(queries=0, n_plus_one=0, p50=0.8, db=0.0)
    data["mixed"] = {
        "baseline": {"requests": 200, "write_share": 0.05, "hit_rate_per_request": None},
        "all": {"requests": 200, "write_share": 0.05, "hit_rate_per_request": 0.84},
    }
    data["criteria"][0]["measured_on"] = "isolated"
    data["criteria"][1] |= {"measured_on": "mixed", "unit": "ms", "ci": [8.5, 9.6]}
    return data


def test_the_front_page_leads_with_the_verdict_then_charts_then_start_here(tmp_path):
    page = front.index_html(result_for(tmp_path, with_mixed(sample())))
    verdict, charts, start = (
        page.index("All 2 success criteria passed"),
        page.index("plotly-graph-div"),
        page.index('Start here: <a href="06_report.html">'),
    )
    assert verdict < charts < start < page.index("Detail pages")
    assert page.count('class="plotly-graph-div"') == 3  # queries, p50, hit rate
    assert '<script charset="utf-8" src="plotly.min.js"></script>' in page
    assert "plotly.js v" not in page  # referenced once per folder, never embedded
    assert "<b>mixed</b>: the mixed workload" in page and "<b>isolated</b>" in page
    assert "8.50 to 9.60 ms" in page
    assert str(tmp_path) not in page  # the run folder is named by its name only


def test_a_failed_criterion_is_named_in_the_banner(tmp_path):
    data = sample()
    data["criteria"][1]["passed"] = False
    page = front.index_html(result_for(tmp_path, data))
    assert "FAIL: 1 of 2 success criteria failed: Response under 200 ms" in page


def test_recommendations_are_ranked_and_the_rest_fold_away(tmp_path):
    data = sample()
    data["recommendations"] = [
        {
            "rank": n,
            "kind": "add_index",
            "target": "jobs_job (status)",
            "action": f"add index number {n}",
            "unit": "ms per request (p50)",
            "saving_ms": 10.0 - n,
            "saving_ci": [1.0, 2.0],
            "write_cost_ratio": 1.2,
            "worth_it": n < 11,
            "evidence": {"page": "03_indexes.html"},
        }
        for n in range(1, 12)
    ]
    data["index_set"] = {"keep": ["a_idx"], "add": [], "drop": ["b_idx", "c_idx"]}
    page = front.index_html(result_for(tmp_path, data))
    assert "Recommendations, most useful first" in page
    assert page.index("add index number 1<") < page.index("add index number 8<")
    assert "2 more recommendations</summary>" in page  # 10 worth it, 8 shown
    assert "add index number 11" not in page and "1 more measured action(s)" in page
    assert "recommends: keep 1, add 0, drop 2." in page
    assert "<li>keep: a_idx</li>" in page and "<li>drop: b_idx, c_idx</li>" in page


def test_without_recommendations_the_top_findings_come_from_the_run_folder(tmp_path):
    page = front.index_html(result_for(tmp_path, sample()))
    assert "Top findings" in page and "02_baseline did not store its measurement" in page


def make_run(parent, name: str, started: str, p50: float, made_by=runs.MADE_BY):
    folder = parent / name
    folder.mkdir()
    (folder / "run.json").write_text(json.dumps({"made_by": made_by, "started_at": started}))
    data = sample()
    data["scenarios"][0]["variants"]["baseline"]["p50_ms"] = p50
    (folder / "summary.json").write_text(json.dumps(data))
    return folder


def test_the_index_across_runs_charts_each_scenario_over_time(tmp_path):
    for day, p50 in ((1, 40.0), (2, 44.0), (3, 38.0)):
        make_run(tmp_path, f"2025-01-0{day}_020000", f"2025-01-0{day}T02:00:00+00:00", p50)
    (tmp_path / "latest").symlink_to("2025-01-03_020000")
    path = runs.write_index(tmp_path)
    page = path.read_text()
    assert (tmp_path / "plotly.min.js").exists()
    assert page.index("2025-01-03_020000/index.html") < page.index("2025-01-01_020000/index.html")
    assert "Trends at scale tiny" in page and page.count('class="plotly-graph-div"') == 1
    assert '"y":[40.0,44.0,38.0]' in page.replace(" ", "")  # baseline p50, oldest first


def test_no_index_is_written_beside_anything_but_run_folders(tmp_path):
    make_run(tmp_path, "run1", "2025-01-01T02:00:00+00:00", 40.0)
    (tmp_path / "notes.txt").write_text("mine")
    assert runs.write_index(tmp_path) is None
    assert not (tmp_path / "index.html").exists()


def test_keep_prunes_only_the_workbenchs_run_folders_oldest_first(tmp_path):
    folders = [
        make_run(tmp_path, f"2025-01-0{d}_020000", f"2025-01-0{d}T02:00:00+00:00", 40.0)
        for d in (1, 2, 3, 4)
    ]
    stranger = tmp_path / "my-notes"
    stranger.mkdir()
    (stranger / "run.json").write_text(json.dumps({"started_at": "2000-01-01"}))
    removed = runs.prune(tmp_path, keep=2, current=folders[-1])
    assert removed == folders[:2]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "2025-01-03_020000",
        "2025-01-04_020000",
        "my-notes",
    ]


def test_a_slimmed_run_folder_reads_back_the_same(tmp_path):
    """JSON without indentation and 03's copies of 02's plans removed: collect() sees no change."""
    from analysis.measure import MeasureResult
    from workbench.report import run_folder, slim

    measured = MeasureResult({"repeat": 1}, {"method": "not measured"})
    base = {"queries": 1, "n_plus_one": 0, "p50_ms": 1.0, "p95_ms": 1.0, "db_ms": 0.5}
    measured.scenarios["job_list"] = {"variants": {"baseline": base, "indexes": base}}
    for variant, fp in (("baseline", "f1"), ("indexes", "f2")):
        doc = {"scenario": "job_list", "variant": variant, "fingerprint": fp, "plan": [{}]}
        measured.plan_documents[("job_list", variant, fp)] = doc
    measured.write(tmp_path / "02_baseline")
    run_folder.subset(measured, ["indexes"]).write(tmp_path / "03_indexes")
    before = run_folder.collect(tmp_path)
    size = sum(p.stat().st_size for p in tmp_path.rglob("*.json"))
    assert slim.compact_measurements(tmp_path) > 0
    assert slim.dedupe_plans(tmp_path) == 1
    assert not (tmp_path / "03_indexes" / "plans").exists()
    after = run_folder.collect(tmp_path)
    assert after.measured.plan_documents == before.measured.plan_documents
    assert after.scenarios == before.scenarios
    assert sum(p.stat().st_size for p in tmp_path.rglob("*.json")) < size

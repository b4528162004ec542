"""`workbench compare`: what changed between two runs, and an exit code a cron job can act on."""

import json

import pytest

from tests.report.conftest import workbench
from tests.report.samples import sample
from workbench.report.compare import compare


def kinds(a, b):
    return [(c.scope, c.kind) for c in compare(a, b)]


def test_identical_runs_have_no_changes():
    assert compare(sample(), sample()) == []


def test_more_queries_or_n_plus_ones_are_regressions_fewer_are_improvements():
    b = sample()
    b["scenarios"][0]["variants"]["all"]["queries"] = 3
    b["scenarios"][0]["variants"]["baseline"]["n_plus_one"] = 0
    changes = compare(sample(), b)
    assert [(c.scope, c.kind, c.text) for c in changes] == [
        ("job_list / all", "regression", "queries 2 -> 3"),
        ("job_list / baseline", "improvement", "N+1 patterns 1 -> 0"),
    ]


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ((8.0, 9.0), (9.5, 10.7), []),  # +19%, no intervals: fallback, not even shown
        ((8.0, 9.0), (30.0, 32.0), [("job_list / all", "change")]),  # 3.8x: shown, not judged
        ((0.3, 0.4), (0.9, 1.0), []),  # 3x, but 0.6 ms: timer jitter
    ],
)
def test_runs_without_intervals_fall_back_to_showing_big_moves(before, after, expected):
    a, b = sample(), sample()
    a["scenarios"][0]["variants"]["all"].update(p50_ms=before[0], p95_ms=before[1])
    b["scenarios"][0]["variants"]["all"].update(p50_ms=after[0], p95_ms=after[1])
    assert kinds(a, b) == expected
    assert all("fallback" in c.text for c in compare(a, b))


def test_criteria_that_stop_passing_are_regressions():
    b = sample()
    b["criteria"][1]["passed"] = False
    (change,) = compare(sample(), b)
    assert change.kind == "regression"
    assert change.line() == "REGRESSION  criterion 'Response under 200 ms': pass -> FAIL"


def test_plan_shapes_verdicts_and_missing_scenarios_are_changes_not_regressions():
    b = sample()
    b["scenarios"][0]["variants"]["all"]["plan_shape"] = ["Bitmap Heap Scan on jobs_job"]
    b["index_audit"][1]["verdict"] = "unused"
    b["scenarios"].append({"name": "users", "variants": b["scenarios"][0]["variants"]})
    b["cache"]["hit_rate"] = 0.7
    changes = compare(sample(), b)
    assert {c.kind for c in changes} == {"change"}
    texts = [c.text for c in changes]
    flip = "plan flip (same latency, equivalent plans): Index Scan using jobs_job_status_date_idx"
    assert f"{flip} -> Bitmap Heap Scan on jobs_job" in texts
    assert "verdict useful -> unused" in texts
    assert "not measured in run A" in texts
    assert "hit rate 90% -> 70%" in texts


def _write(path, data):
    path.mkdir(parents=True, exist_ok=True)
    (path / "summary.json").write_text(json.dumps(data))
    return path


def test_the_command_exits_1_on_a_regression_and_0_otherwise(tmp_path):
    a = _write(tmp_path / "a", sample())
    worse = sample()
    worse["scenarios"][0]["variants"]["all"]["queries"] = 7
    worse["parameters"]["scale"] = "small"
    b = _write(tmp_path / "b", worse)
    proc = workbench("compare", str(a), str(b))
    assert proc.returncode == 1, proc.stderr
    assert "REGRESSION  job_list / all: queries 2 -> 7" in proc.stdout
    assert "parameters differ: scale 'tiny' -> 'small'" in proc.stdout
    assert "1 regression(s), 0 improvement(s)" in proc.stdout
    same = workbench("compare", str(a), str(a / "summary.json"))
    assert same.returncode == 0
    assert "no changes beyond noise" in same.stdout
    better = workbench("compare", str(b), str(a))
    assert better.returncode == 0
    assert "better      job_list / all: queries 7 -> 2" in better.stdout


def test_the_command_exits_2_on_bad_input_in_one_line(tmp_path):
    a = _write(tmp_path / "a", sample())
    missing = workbench("compare", str(a), str(tmp_path / "nowhere"))
    assert missing.returncode == 2
    assert missing.stderr == f"workbench: error: {tmp_path / 'nowhere'}: no such file\n"
    broken = sample()
    broken["cache"] = {"hit_rate": 3}
    b = _write(tmp_path / "b", broken)
    invalid = workbench("compare", str(a), str(b))
    assert invalid.returncode == 2
    assert "cache.hit_rate: expected a fraction between 0 and 1, got 3" in invalid.stderr
    assert invalid.stderr.count("\n") == 1

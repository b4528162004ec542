"""`workbench report` end to end on small notebooks of our own: run, render, summarise."""

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.report.conftest import PROJECT_ROOT, SECRET, workbench
from workbench.report import summary

pytestmark = pytest.mark.slow


def test_a_run_writes_every_artifact_and_exits_3_on_a_failed_criterion(ok_run):
    proc, out = ok_run
    # 02_report's cache criterion fails (no mixed workload): the whole report is written,
    # then the exit code gates on it.
    assert proc.returncode == 3, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("workbench: error: ") and "success criteria failed" in last
    assert "Cache hit rate over 80%" in last and "--no-gate" in last
    names = {p.name for p in out.iterdir()}
    for stem in ("01_produce", "02_report"):
        assert {f"{stem}.ipynb", f"{stem}.html"} <= names
    assert {"index.html", "summary.json", "run.json", "produce.json"} <= names
    assert f"report: {out / 'index.html'}" in proc.stdout


def test_the_summary_is_valid_and_its_figures_come_from_the_run(ok_run):
    _, out = ok_run
    data = summary.load(out)
    produced = json.loads((out / "produce.json").read_text())
    (scenario,) = data["scenarios"]
    # 01_produce measured 1 + 8 queries one per row against 1 query for all rows.
    assert scenario["variants"]["baseline"]["queries"] == 9
    assert scenario["variants"]["all"]["queries"] == 1
    assert scenario["variants"]["baseline"]["n_plus_one"] == 1
    assert scenario["variants"]["all"]["n_plus_one"] == 0
    assert scenario["variants"]["all"]["vs_baseline"]["queries"] == pytest.approx(1 / 9, abs=1e-3)
    assert scenario["variants"]["baseline"]["p95_ms"] == produced["variants"]["baseline"]["p95_ms"]
    by_name = {c["name"]: c for c in data["criteria"]}
    assert by_name["N+1 queries eliminated"]["passed"] is True
    assert data["cache"]["hit_rate"] == pytest.approx(2 / 3)
    assert by_name["Cache hit rate over 80%"]["passed"] is False
    assert data["parameters"]["scale"] == "tiny"
    assert data["environment"]["postgresql"]
    assert data["environment"]["git_commit"]


def test_parameters_keep_the_declared_type_and_reach_only_declaring_notebooks(ok_run):
    _, out = ok_run
    produced = json.loads((out / "produce.json").read_text())
    assert produced["label"] == "007"  # papermill's -p would have made it 7
    assert produced["label_type"] == "str"
    assert produced["params"]["repeat"] == 3
    injected = nbformat.read(out / "02_report.ipynb", as_version=4).metadata.papermill.parameters
    assert "label" not in injected  # 02_report does not declare it: not passed, no warning
    assert injected["results_dir"] == "."  # the kernel runs in the run folder: no path shown


def test_kernels_run_this_environment_even_when_python3_points_elsewhere(ok_run):
    _, out = ok_run
    produced = json.loads((out / "produce.json").read_text())
    # JUPYTER_PATH held a python3 kernelspec for /usr/bin/python3 (without ipykernel).
    assert produced["prefix"] == sys.prefix
    assert produced["cwd"] == str(out)


def test_html_hides_code_keeps_outputs_and_shows_the_parameters(ok_run):
    _, out = ok_run
    page = (out / "01_produce.html").read_text()
    assert "def one_per_row" not in page  # code hidden
    assert "from workbench.report.notebook import bootstrap" not in page
    assert "Queries per variant" in page  # the chart's output is there
    assert "run parameter" in page and ">007</td>" in page  # text stays text
    assert "plotly.js v" not in page  # plotly.js is not embedded in the page, but
    assert page.count('src="plotly.min.js"') == 1  # loaded once from the run folder
    assert (out / "plotly.min.js").stat().st_size > 1_000_000
    assert not re.search(r"<script[^>]+src=\"https?://", page)  # nothing from a CDN
    index = (out / "index.html").read_text()
    assert 'href="01_produce.html"' in index and 'href="02_report.html"' in index
    assert "N+1 queries eliminated" in index


def test_progress_and_timings_are_reported(ok_run):
    proc, _ = ok_run
    assert "[1/2] 01_produce: running (5 cells)" in proc.stderr
    assert "[1/2] 01_produce: cell 5/5 done" in proc.stderr
    assert re.search(r"\[2/2\] 02_report: ok in \d+\.\ds", proc.stderr)
    assert re.search(r"01_produce\s+ok\s+5/5\s+\d+\.\ds", proc.stdout)
    assert re.search(r"PASS\s+N\+1 queries eliminated", proc.stdout)
    assert "Kernel is running over TCP without encryption" not in proc.stderr


def test_a_database_password_never_reaches_any_output(ok_run):
    proc, out = ok_run
    assert proc.returncode == 3, proc.stderr  # a criterion failed; the run itself went well
    leaks = [p.name for p in out.rglob("*") if p.is_file() and SECRET in p.read_text()]
    assert leaks == []
    assert SECRET not in proc.stdout + proc.stderr
    # and the URL was really shown, redacted
    assert "postgres:***@" in (out / "01_produce.html").read_text()


def test_every_chart_draws_offline_in_headless_chromium(ok_run):
    _, out = ok_run
    result = subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "bench" / "check_html.py"), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout, result.stderr  # a crash of the checker itself, not a verdict
    verdict = json.loads(result.stdout)
    if "skipped" in verdict:
        pytest.skip(verdict["skipped"])
    assert verdict["charts"] >= 1
    assert verdict["drawn"] == verdict["charts"]
    assert verdict["external_requests"] == []
    assert verdict["errors"] == []
    assert result.returncode == 0


def test_a_failing_notebook_stops_the_run_and_names_the_cell(failing_run):
    proc, out = failing_run
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last == (
        "workbench: error: notebook 02_boom failed at cell 3 (In [4]) "
        "`numbers = [1, 2, 3]`: ValueError: boom after 3 numbers"
    )
    assert "[2/3] 02_boom: cell 3/4 failed" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_partial_notebook_is_kept_and_rendered_and_later_ones_skipped(failing_run):
    proc, out = failing_run
    partial = nbformat.read(out / "02_boom.ipynb", as_version=4)
    errors = [o for c in partial.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors and errors[0].evalue == "boom after 3 numbers"
    assert "boom after 3 numbers" in (out / "02_boom.html").read_text()
    assert (out / "01_fine.html").exists()
    assert not (out / "03_never.ipynb").exists()
    assert re.search(r"03_never\s+skipped", proc.stdout)
    index = (out / "index.html").read_text()
    assert "notebook 02_boom failed at cell 3" in index
    assert not (out / "summary.json").exists()


def test_only_runs_the_named_notebooks(notebooks, tmp_path):
    from tests.report.conftest import workbench

    out = tmp_path / "only"
    proc = workbench(
        "report", "--notebooks-dir", str(notebooks / "failing"), "--only", "fine", "--out", str(out)
    )
    assert proc.returncode == 0, proc.stderr
    assert {p.name for p in Path(out).glob("*.ipynb")} == {"01_fine.ipynb"}
    assert "[1/1] 01_fine: ok" in proc.stderr


def test_keep_removes_older_runs_and_the_folder_of_runs_gets_an_index(notebooks, tmp_path):
    runs = tmp_path / "runs"
    older = runs / "2025-01-01_020000"
    older.mkdir(parents=True)
    made = {"made_by": "django-db-workbench report", "started_at": "2025-01-01T02:00:00+00:00"}
    (older / "run.json").write_text(json.dumps(made))
    proc = workbench(
        "report", "--notebooks-dir", str(notebooks / "failing"), "--only", "01",
        "--out", str(runs / "2025-01-02_020000"), "--keep", "1",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in runs.iterdir()) == [
        "2025-01-02_020000",
        "index.html",
        "plotly.min.js",
    ]
    assert "removed old run 2025-01-01_020000 (--keep 1)" in proc.stdout
    page = (runs / "index.html").read_text()
    assert 'href="2025-01-02_020000/index.html"' in page and "2025-01-01" not in page

"""The pieces around the runner: the bootstrap, progress lines, the summary's text and HTML."""

import io
import re
import time
from pathlib import Path

import plotly.graph_objects as go

from tests.report.samples import sample
from workbench.report import html as render
from workbench.report import notebook
from workbench.report.progress import Progress
from workbench.report.result import NotebookResult


def test_run_parameters_are_the_literals_defined_before_the_bootstrap():
    namespace = {
        "scale": "tiny",
        "seed": 42,
        "scenarios": ["all"],
        "_private": 1,
        "In": [],
        "go": go,
        "helper": print,
    }
    assert notebook.run_parameters(namespace) == {
        "scale": "tiny",
        "seed": 42,
        "scenarios": ["all"],
    }


def test_bootstrap_resolves_results_dir_in_place_relative_to_the_current_folder(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    namespace = {"results_dir": str(tmp_path / "run"), "repeat": 3}
    params = notebook.bootstrap(namespace, show=False)
    assert namespace["results_dir"] == "run"  # no path of the machine on the page
    assert (tmp_path / "run").is_dir()
    assert params == {"results_dir": "run", "repeat": 3}


def test_without_a_results_dir_results_go_to_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WORKBENCH_RESULTS_DIR", raising=False)
    namespace = {"results_dir": ""}
    notebook.bootstrap(namespace, show=False)
    assert namespace["results_dir"] == "."
    out = {"results_dir": "", "PAPERMILL_OUTPUT_PATH": str(tmp_path / "out" / "02.ipynb")}
    notebook.bootstrap(out, show=False)  # papermill --inject-output-path: beside the output
    assert out["results_dir"] == "out" and (tmp_path / "out").is_dir()


def test_progress_prints_plain_lines_in_a_log():
    out = io.StringIO()
    progress = Progress(out, tty=False)
    progress.notebook_start(1, 2, "01_seed", 3)
    progress.cell_start(1, 3)
    progress.cell_done(1, 3)
    progress.cell_done(2, 3, failed=True)
    progress.notebook_done(NotebookResult("01_seed", status="failed", seconds=1.25))
    lines = out.getvalue().splitlines()
    assert lines[0] == "[1/2] 01_seed: running (3 cells)"
    assert re.fullmatch(r"\[1/2\] 01_seed: cell 1/3 done \(\d+\.\ds\)", lines[1])
    assert lines[2].startswith("[1/2] 01_seed: cell 2/3 failed")
    assert lines[3] == "[1/2] 01_seed: FAILED in 1.2s"
    assert "\r" not in out.getvalue()


def test_progress_redraws_one_line_on_a_terminal():
    out = io.StringIO()
    progress = Progress(out, tty=True)
    progress.notebook_start(2, 6, "02_baseline", 4)
    progress.cell_start(3, 4)
    progress.cell_done(3, 4)
    progress.notebook_done(NotebookResult("02_baseline", status="ok", seconds=2.0))
    text = out.getvalue()
    # tqdm's line (the same look as seeding's), redrawn in place with a carriage return
    assert re.search(r"\r\[2/6\] 02_baseline +0%\|[^\r]*\| 0/4 cells", text)
    assert re.search(r"\r\[2/6\] 02_baseline +75%\|[^\r]*\| 3/4 cells", text)
    assert text.endswith("\r[2/6] 02_baseline: ok in 2.0s\n")
    assert text.count("\n") == 1


def test_the_terminal_summary_shows_verdicts_and_before_after():
    data = sample()
    data["scenarios"][0]["variants"]["all"]["vs_baseline"] = {"p50_ms": 0.2}
    text = render.summary_text(data)
    assert re.search(r"PASS\s+N\+1 queries eliminated\s+0", text)
    assert re.search(r"job_list\s+baseline\s+21\s+1\s+40\.00 ms\s+44\.00 ms\s+30\.00 ms", text)
    assert re.search(r"job_list\s+all\s+2\s+0\s+8\.00 ms.*5\.00x faster", text)
    assert "cache hit rate: 90.0%" in text


def test_index_html_escapes_what_it_shows(tmp_path):
    from workbench.report.result import RunResult
    from workbench.report.run_plan import RunPlan

    data = sample()
    data["scenarios"][0]["name"] = "<script>alert(1)</script>"
    result = RunResult(RunPlan([], {"scale": "tiny"}, tmp_path, False), summary=data)
    page = render.index_html(result)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "jobs_job_status_date_idx" in page


def test_lab_is_started_from_this_environment_in_notebooks(tmp_path):
    from tests.report.conftest import PROJECT_ROOT, workbench

    proc = workbench("lab", "--dry-run", "--", "--port", "9999")
    assert proc.returncode == 0, proc.stderr
    argv = proc.stdout.split()
    assert argv[0].endswith("/jupyter") and argv[1] == "lab"
    assert f"--notebook-dir={PROJECT_ROOT / 'notebooks'}" in argv
    assert argv[-2:] == ["--port", "9999"]


def test_latest_points_at_the_newest_run(tmp_path):
    from workbench.report.runner import _update_latest

    first, second = tmp_path / "2025-01-01_020000", tmp_path / "2025-01-02_020000"
    first.mkdir()
    second.mkdir()
    _update_latest(first)
    assert (tmp_path / "latest").readlink() == Path(first.name)
    _update_latest(second)
    assert (tmp_path / "latest").resolve() == second
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.name, second.name, "latest"]


def test_without_out_a_run_goes_to_a_new_dated_folder_under_reports(notebooks):
    from workbench.paths import REPORTS_DIR
    from workbench.report import run_plan

    run = run_plan.plan(notebooks / "ok")
    assert run.out_dir.parent == REPORTS_DIR
    assert run.update_latest is True
    assert not run.out_dir.exists()


def test_seeding_and_the_report_draw_the_same_tqdm_line():
    from fixtures.progress import Progress as SeedProgress

    seeding = io.StringIO()
    seed = SeedProgress(1000, "bar", seeding)
    time.sleep(0.15)  # tqdm redraws at most every 0.1 s
    seed.add("jobs_job", 750)
    seed.close()
    seed.phase("analyzing")
    report = io.StringIO()
    progress = Progress(report, tty=True)
    progress.notebook_start(1, 1, "01_seed", 4)
    progress.cell_done(3, 4)
    progress.notebook_done(NotebookResult("01_seed", status="ok", seconds=1.0))
    line = r"\r{} +75%\|#{{18}} {{6}}\| {}/{} {} +00:00"
    assert re.search(line.format("seed", "750", "1.00k", "rows"), seeding.getvalue())
    assert re.search(line.format(r"\[1/1\] 01_seed", "3", "4", "cells"), report.getvalue())
    assert seeding.getvalue().endswith("\rseed: analyzing\n")


def test_seeding_progress_in_a_log_is_plain_lines_and_quiet_is_silent():
    from fixtures.progress import Progress as SeedProgress

    log = io.StringIO()
    seed = SeedProgress(1000, "lines", log)
    seed.LINE_INTERVAL = 0
    seed.phase("generating and loading tiny")
    seed.add("jobs_job", 500)
    seed.close()
    lines = log.getvalue().splitlines()
    assert lines[0] == "seed: generating and loading tiny"
    assert re.fullmatch(r"seed: jobs_job +500 rows +~ 50% +[\d,]+ rows/s", lines[1])
    assert "\r" not in log.getvalue()
    quiet = io.StringIO()
    silent = SeedProgress(1000, "off", quiet)
    silent.phase("x")
    silent.add("jobs_job", 500)
    silent.close()
    assert quiet.getvalue() == ""

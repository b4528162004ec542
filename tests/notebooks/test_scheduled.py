"""A notebook run on its own, as cron runs it: the plain papermill CLI, then plain nbconvert.

In a database of this session's own (``<WORKBENCH_TEST_DB>_sched``), seeded with the real
``workbench seed``: ``02_baseline`` measures when its parameters match the data, refuses in
one line naming both scales when they do not (``small`` seeded, ``-p scale tiny`` asked),
reseeds when told to, refuses an unknown parameter, writes its results where it runs, and
converts to a page that loads nothing from the network.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.notebooks.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
NOTEBOOK = PROJECT_ROOT / "notebooks" / "02_baseline.ipynb"
QUICK = ["-p", "repeat", "2", "-p", "time_box", "0.2", "-p", "scenarios", "job_list,wallet"]


@pytest.fixture(scope="module")
def database():
    from marketplace.dsn import with_database
    from workbench.env import ownership, services

    name = os.environ.get("WORKBENCH_TEST_DB") or f"test_workbench_{os.getpid()}"
    url = with_database(services.database_url(), f"{name}_sched")
    ownership.create_database(url)
    try:
        assert _workbench(url, "migrate").returncode == 0
        yield url
    finally:
        ownership.drop_database(url)


def _env(url: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": url}
    env["WORKBENCH_CACHE_PREFIX"] = os.environ.get("WORKBENCH_CACHE_PREFIX", "wb") + "-sched"
    for key in ("WORKBENCH_RESULTS_DIR", "DJANGO_SETTINGS_MODULE", "PLOTLY_RENDERER"):
        env.pop(key, None)  # cron's environment has none of these
    return env


def _workbench(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        cwd=PROJECT_ROOT,
        env=_env(url),
        capture_output=True,
        text=True,
        timeout=300,
    )


def papermill(url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """`papermill notebooks/02_baseline.ipynb 02_baseline.ipynb ...` run in ``cwd``."""
    return subprocess.run(
        [str(BIN / "papermill"), str(NOTEBOOK), "02_baseline.ipynb", "--no-progress-bar", *args],
        cwd=cwd,
        env=_env(url),
        capture_output=True,
        text=True,
        timeout=600,
    )


def _last_line(proc: subprocess.CompletedProcess) -> str:
    return proc.stderr.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def tiny_run(database, tmp_path_factory):
    seeded = _workbench(database, "seed", "--scale", "tiny", "--reset")
    assert seeded.returncode == 0, seeded.stderr
    interactive = PROJECT_ROOT / "results" / "interactive"
    before = sorted(interactive.rglob("*")) if interactive.exists() else []
    cwd = tmp_path_factory.mktemp("cron")
    proc = papermill(database, cwd, "-p", "scale", "tiny", *QUICK)
    after = sorted(interactive.rglob("*")) if interactive.exists() else []
    return proc, cwd, before == after


def test_02_runs_under_the_plain_papermill_cli_with_its_results_where_it_ran(tiny_run):
    proc, cwd, repository_untouched = tiny_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads((cwd / "02_baseline" / "results.json").read_text())
    assert [s["name"] for s in results["scenarios"]] == ["job_list", "wallet"]  # "a,b" listed
    assert results["context"]["scale"] == "tiny"
    assert repository_untouched  # nothing went to the repository's results/interactive
    page = (cwd / "02_baseline.ipynb").read_text()
    assert "tiny data (seed 42" in page and "as the parameters ask" in page


def test_plain_nbconvert_output_loads_nothing_from_the_network(tiny_run):
    proc, cwd, _ = tiny_run
    assert proc.returncode == 0, proc.stderr[-2000:]
    converted = subprocess.run(
        [str(BIN / "jupyter"), "nbconvert", "--to", "html", "02_baseline.ipynb"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert converted.returncode == 0, converted.stderr
    page = (cwd / "02_baseline.html").read_text()
    assert '<script src="http' not in page  # require.js and MathJax are not loaded
    # (mermaid's loader stays in the page, but imports only for a mermaid diagram)
    check = subprocess.run(
        [
            sys.executable,
            str(PROJECT_ROOT / "bench" / "check_html.py"),
            str(cwd / "02_baseline.html"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    verdict = json.loads(check.stdout)
    if "skipped" in verdict:
        pytest.skip(verdict["skipped"])
    assert verdict["external_requests"] == []
    assert verdict["charts"] >= 1 and verdict["drawn"] == verdict["charts"]
    assert verdict["errors"] == []


def test_an_unknown_parameter_fails_as_under_workbench_report(database, tmp_path):
    proc = papermill(database, tmp_path, "-p", "scael", "tiny")
    assert proc.returncode != 0
    assert "unknown parameter 'scael': this notebook declares" in _last_line(proc)
    assert not (tmp_path / "02_baseline").exists()  # refused before measuring anything


def test_small_data_and_scale_tiny_refuse_in_one_line_naming_both(database, tiny_run, tmp_path):
    seeded = _workbench(database, "seed", "--scale", "small", "--reset")
    assert seeded.returncode == 0, seeded.stderr
    proc = papermill(database, tmp_path, "-p", "scale", "tiny", *QUICK)
    assert proc.returncode != 0
    last = _last_line(proc)
    assert last.startswith("NotebookRefused: the database holds small data (seed 42"), last
    assert "asked for scale tiny (seed 42)" in last
    assert not (tmp_path / "02_baseline").exists()


def test_reseed_true_seeds_the_scale_asked_for_and_measures_it(database, tmp_path):
    proc = papermill(
        database, tmp_path, "-p", "scale", "tiny", "-p", "reseed", "true", *QUICK[:6],
        "-p", "scenarios", "wallet",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "reseeded: tiny data (seed 42" in (tmp_path / "02_baseline.ipynb").read_text()
    assert json.loads((tmp_path / "seed.json").read_text())["scale"] == "tiny"

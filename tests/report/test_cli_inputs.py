"""`workbench report`'s inputs, refused (or accepted) in one line before any kernel starts."""

from __future__ import annotations

import pytest

from tests.report.conftest import workbench

# A folder that passes every access check but cannot be created: stops a good plan right
# after its parameters were checked, so nothing runs.
UNCREATABLE = "/proc/wb-report"


@pytest.mark.parametrize(
    "args",
    [["--scenarios", "job_list"], ["-p", "scenarios=job_list,wallet"]],
)
def test_scenarios_are_checked_without_django_set_up(args):
    done = workbench("report", *args, "--out", UNCREATABLE)
    assert done.returncode == 2, done.stderr
    # the scenarios passed: the run stopped at the next check, the output folder
    assert done.stderr.strip() == (
        f"workbench: error: output folder {UNCREATABLE} cannot be created: "
        "No such file or directory"
    )


@pytest.mark.parametrize(
    "args", [["--scenarios", "nope"], ["-p", "scenarios=job_list,nope"], ["--scenarios", ","]]
)
def test_bad_scenario_names_exit_2_with_one_line(args, tmp_path):
    done = workbench("report", *args, "--out", str(tmp_path / "run"))
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("workbench: error: "), done.stderr
    assert "unknown scenario 'nope'" in lines[0] or "name at least one" in lines[0]
    assert not (tmp_path / "run").exists()


def test_an_empty_only_is_an_error_not_every_notebook(tmp_path):
    done = workbench("report", "--only", "", "--out", str(tmp_path / "run"))
    assert done.returncode == 2
    assert done.stderr.startswith("workbench: error: --only names no notebook (known: 01_seed")
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()


def test_allow_external_is_the_runners_parameter(tmp_path):
    done = workbench("report", "-p", "allow_external=true", "--out", str(tmp_path / "run"))
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "workbench: error: parameter allow_external is set by the runner (use --allow-external)"
    )

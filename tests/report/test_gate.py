"""`workbench report` gates on the success criteria: exit 3 after writing, unless --no-gate."""

from __future__ import annotations

import argparse

import pytest

from tests.report.samples import sample
from workbench.commands import report as command
from workbench.report.result import RunResult
from workbench.report.run_plan import RunPlan


@pytest.fixture
def run_with(monkeypatch, tmp_path):
    """Run ``cmd_report`` with the pipeline replaced by one that yields ``summary``."""
    from workbench.env import ownership, runlock
    from workbench.report import run_plan, runner

    def go(summary, *extra: str, problem: str | None = None) -> int:
        plan = RunPlan([], {"scale": "tiny"}, tmp_path, False)
        monkeypatch.setattr(run_plan, "plan", lambda **kw: plan)
        monkeypatch.setattr(runlock, "acquire", lambda *a, **kw: None)
        monkeypatch.setattr(ownership, "ensure_owned", lambda *a, **kw: None)
        result = RunResult(plan, summary=summary, problem=problem)
        monkeypatch.setattr(runner, "run", lambda p, keep=None: result)
        parser = argparse.ArgumentParser()
        command.register(parser.add_subparsers())
        return command.cmd_report(parser.parse_args(["report", *extra]))

    return go


def test_every_criterion_met_exits_0(run_with):
    assert run_with(sample()) == 0


def test_a_failed_criterion_exits_3_after_the_report_unless_no_gate(run_with, capsys):
    failing = sample()
    failing["criteria"][1]["passed"] = False
    assert run_with(failing) == command.EXIT_CRITERIA_FAILED == 3
    captured = capsys.readouterr()
    assert "report: " in captured.out  # the report was written and announced first
    assert "1 success criteria failed: Response under 200 ms" in captured.err
    assert run_with(failing, "--no-gate") == 0


def test_a_pipeline_failure_is_1_whatever_the_criteria(run_with):
    assert run_with(None, problem="notebook 02 failed") == 1
    assert run_with(None, "--no-gate", problem="notebook 02 failed") == 1

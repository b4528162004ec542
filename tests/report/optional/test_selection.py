"""07_load and 08_scale are optional: off by default, run by `--only` or added by `--with`."""

from __future__ import annotations

import pytest

from tests.report.conftest import workbench
from workbench.paths import NOTEBOOKS_DIR
from workbench.report import front
from workbench.report.discovery import OPTIONAL, discover, select
from workbench.report.params import ParameterError
from workbench.report.run_plan import plan

DEFAULT = ["01_seed", "02_baseline", "03_indexes", "04_eager_loading", "05_caching", "06_report"]


@pytest.fixture(scope="module")
def specs():
    return discover(NOTEBOOKS_DIR)


def names(chosen) -> list[str]:
    return [spec.name for spec in chosen]


def test_the_optional_pages_are_real_notebooks_left_out_of_the_default_run(specs):
    assert {"07_load", "08_scale"} == OPTIONAL
    assert set(names(specs)) >= OPTIONAL
    assert names(select(specs, None)) == DEFAULT


@pytest.mark.parametrize(
    ("only", "also", "expected"),
    [
        (["load"], None, ["07_load"]),
        (["08"], None, ["08_scale"]),
        (None, ["load"], [*DEFAULT, "07_load"]),
        (None, ["scale", "07_load"], [*DEFAULT, "07_load", "08_scale"]),
        (["02"], ["scale"], ["02_baseline", "08_scale"]),
        (["load"], ["load"], ["07_load"]),  # named twice, run once
        (None, ["baseline"], DEFAULT),  # a default page in --with changes nothing
    ],
)
def test_only_and_with_select_in_file_order(specs, only, also, expected):
    assert names(select(specs, only, also)) == expected


@pytest.mark.parametrize(
    ("also", "message"),
    [
        (["nope"], "unknown notebook 'nope' in --with (known: 01_seed, "),
        ([], "--with names no notebook (known: 01_seed, "),
    ],
)
def test_unknown_or_no_names_in_with_are_refused(specs, also, message):
    with pytest.raises(ParameterError) as refused:
        select(specs, None, also)
    assert str(refused.value).startswith(message)
    assert "07_load, 08_scale" in str(refused.value)


def test_a_plan_for_the_load_page_types_its_own_parameters(tmp_path):
    run = plan(
        NOTEBOOKS_DIR,
        only=["load"],
        options={"scale": "tiny", "seed": 7, "repeat": 3},
        assignments=["users=1,8", "duration=5", "variants=all"],
        out=tmp_path / "run",
    )
    (spec,) = run.notebooks
    given = run.parameters_for(spec)
    assert given["users"] == [1, 8] and given["duration"] == 5.0
    assert given["variants"] == ["all"] and given["scale"] == "tiny"
    assert "repeat" not in given  # 07 does not declare it


def test_a_scale_page_parameter_is_unknown_to_the_default_run(tmp_path):
    with pytest.raises(ParameterError, match="unknown parameter 'scales'"):
        plan(NOTEBOOKS_DIR, assignments=["scales=tiny,small"], out=tmp_path / "run")


class Planned(Exception):
    """Raised by the stand-in runner: the plan was made, nothing ran."""


def planned(monkeypatch, tmp_path, *args: str) -> list[str]:
    """The notebooks `workbench report ARGS` would run, from its own argument handling."""
    from workbench.cli import build_parser
    from workbench.env import runlock
    from workbench.report import runner

    seen = []

    def run(plan, keep=None):
        seen.append(plan)
        raise Planned

    monkeypatch.setattr(runner, "run", run)
    monkeypatch.setattr(runlock, "acquire", lambda *a, **k: None)
    parsed = build_parser().parse_args(
        ["report", *args, "--out", str(tmp_path / "run"), "--allow-external"]
    )
    with pytest.raises(Planned):
        parsed.func(parsed)
    return names(seen[0].notebooks)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), DEFAULT),
        (("--with", "load"), [*DEFAULT, "07_load"]),
        (("--with", "load", "--with", "scale"), [*DEFAULT, "07_load", "08_scale"]),
        (("--with", "load,scale"), [*DEFAULT, "07_load", "08_scale"]),
        (("--only", "load"), ["07_load"]),
        (("--only", "seed,load"), ["01_seed", "07_load"]),
        (("--only", "02", "--with", "08"), ["02_baseline", "08_scale"]),
    ],
)
def test_the_report_command_runs_what_only_and_with_name(monkeypatch, tmp_path, args, expected):
    assert planned(monkeypatch, tmp_path, *args) == expected


def test_an_unknown_name_in_with_exits_2_in_one_line_before_anything_runs(tmp_path):
    out = tmp_path / "run"
    done = workbench("report", "--with", "load,nope", "--out", str(out))
    assert done.returncode == 2
    assert done.stderr.startswith("workbench: error: unknown notebook 'nope' in --with (known: ")
    assert len(done.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_the_front_page_describes_and_links_the_optional_pages(tmp_path):
    from workbench.report.result import NotebookResult, RunResult
    from workbench.report.run_plan import RunPlan

    result = RunResult(RunPlan([], {"scale": "tiny"}, tmp_path, False))
    for name in sorted(OPTIONAL):
        done = NotebookResult(name, status="ok", output=tmp_path / f"{name}.ipynb", seconds=1.0)
        done.html = tmp_path / f"{name}.html"
        result.notebooks.append(done)
    page = front.index_html(result)  # no summary.json: `--only load,scale`
    for name in sorted(OPTIONAL):
        assert f'href="{name}.html"' in page
        assert front.PAGES[name].startswith("optional: ")
        assert front.PAGES[name] in page.replace("&#x27;", "'")
    assert "No summary.json in this run" in page
    assert "the summary page" not in page  # neither optional page is the summary

"""Everything a run needs is checked before anything runs: one line, exit 2."""

import os
from pathlib import Path

import pytest

from tests.report.conftest import workbench
from workbench.report import run_plan
from workbench.report.discovery import discover
from workbench.report.params import ParameterError, coerce
from workbench.report.run_plan import plan


def test_values_take_the_type_the_notebook_declares():
    assert coerce("label", "007", "str") == "007"
    assert coerce("seed", "007", "int") == 7
    assert coerce("ratio", "0.5", "float") == 0.5
    assert coerce("flag", "False", "bool") is False
    assert coerce("scenarios", "job_list, users,", "list[str]") == ["job_list", "users"]
    assert coerce("sizes", "10,50", "list[int]") == [10, 50]


@pytest.mark.parametrize(
    ("raw", "type_name", "message"),
    [
        ("abc", "int", "parameter p: expected a whole number, got 'abc'"),
        ("1.5", "int", "parameter p: expected a whole number, got '1.5'"),
        ("nan", "float", "parameter p: expected a finite number, got 'nan'"),
        ("maybe", "bool", "parameter p: expected true or false, got 'maybe'"),
        ("1,x", "list[int]", "parameter p: expected a whole number, got 'x'"),
    ],
)
def test_bad_values_are_refused_with_the_expected_type(raw, type_name, message):
    with pytest.raises(ParameterError, match="^" + message.replace("(", r"\(")):
        coerce("p", raw, type_name)


def test_the_parameters_cell_is_read_with_types_defaults_and_help(notebooks):
    (produce, report) = discover(notebooks / "ok")
    assert (produce.name, report.name) == ("01_produce", "02_report")
    assert produce.parameters["seed"].type_name == "int"
    assert produce.parameters["seed"].default == 42
    assert produce.parameters["label"].type_name == "str"
    assert "stay text" in produce.parameters["label"].help
    assert "label" not in report.parameters


def test_a_plan_passes_each_notebook_only_what_it_declares(notebooks, tmp_path):
    run = plan(
        notebooks / "ok",
        options={"scale": "tiny", "seed": 7, "repeat": 2},
        assignments=["label=007"],
        out=tmp_path / "run",
    )
    produce, report = run.notebooks
    assert run.parameters_for(produce) == {
        "scale": "tiny",
        "seed": 7,
        "repeat": 2,
        "label": "007",
        "results_dir": str(tmp_path / "run"),
    }
    assert set(run.parameters_for(report)) == {"scale", "seed", "results_dir"}
    assert not (tmp_path / "run").exists()  # planning creates nothing


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"only": ["09"]}, "unknown notebook '09' in --only (known: 01_produce, 02_report)"),
        ({"assignments": ["colour=red"]}, "unknown parameter 'colour': no selected notebook"),
        ({"assignments": ["results_dir=/tmp"]}, "parameter results_dir is set by the runner"),
        ({"assignments": ["label"]}, "-p expects key=value, got 'label'"),
        ({"assignments": ["seed=abc"]}, "parameter seed: expected a whole number"),
        ({"options": {"scale": "huge"}}, "unknown scale 'huge'"),
        ({"options": {"scale": "0"}}, "scale"),  # the data generator words these
        ({"options": {"scale": "999999999999"}}, "scale"),
        ({"options": {"seed": -1}}, "seed must be a whole number >= 0"),
        ({"options": {"repeat": 0}}, "repeat must be from 1 to 1000"),
        ({"options": {"scenarios": ["no such!"]}}, "unknown scenario 'no such!'"),
        ({"execution_timeout": 0}, "--timeout must be a positive number"),
    ],
)
def test_bad_input_is_refused_in_one_line(notebooks, tmp_path, kwargs, message):
    with pytest.raises(ParameterError) as info:
        plan(notebooks / "ok", out=tmp_path / "run", **kwargs)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_output_folders_that_cannot_hold_a_run_are_refused(notebooks, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(ParameterError, match="is a file"):
        plan(notebooks / "ok", out=blocker)
    with pytest.raises(ParameterError, match="cannot be created: .* is a file"):
        plan(notebooks / "ok", out=blocker / "sub")
    used = tmp_path / "used"
    used.mkdir()
    (used / "summary.json").write_text("{}")
    with pytest.raises(ParameterError, match="is not empty"):
        plan(notebooks / "ok", out=used)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_parent_is_refused(notebooks, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(ParameterError, match="not writable"):
        plan(notebooks / "ok", out=locked / "run")


def test_notebooks_without_a_parameters_cell_are_refused(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    nbformat.write(nb, tmp_path / "01_bare.ipynb")
    with pytest.raises(ParameterError, match="01_bare.ipynb has no cell tagged 'parameters'"):
        discover(tmp_path)


def test_default_folders_are_dated_and_never_reused(tmp_path):
    first = run_plan.default_out_dir(tmp_path)
    first.mkdir()
    second = run_plan.default_out_dir(tmp_path)
    assert first.parent == second.parent == tmp_path
    assert second != first
    assert len(first.name) == len("2025-01-31_235959")


def test_the_command_refuses_before_running_anything(notebooks, tmp_path):
    out = tmp_path / "never"
    proc = workbench(
        "report", "--notebooks-dir", str(notebooks / "ok"), "--out", str(out), "-p", "colour=red"
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1
    assert proc.stderr.startswith("workbench: error: unknown parameter 'colour'")
    assert proc.stdout == ""
    assert not Path(out).exists()


def test_the_command_refuses_a_scale_out_of_range(notebooks, tmp_path):
    proc = workbench("report", "--notebooks-dir", str(notebooks / "ok"), "--scale", "-5")
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1, proc.stderr

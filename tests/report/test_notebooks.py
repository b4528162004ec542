"""The committed notebooks: stripped, parameterised, runnable by papermill, paired with scripts."""

from pathlib import Path

import jupytext
import nbformat
import pytest

from workbench.report.discovery import read_parameters

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
PIPELINE = ["01_seed", "02_baseline", "03_indexes", "04_eager_loading", "05_caching", "06_report"]
OPTIONAL = ["07_load", "08_scale"]  # run only when asked: --with or --only
ALL = sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb"))


def test_the_pipeline_and_explore_notebooks_exist():
    assert [*PIPELINE, *OPTIONAL, "explore"] == ALL


@pytest.mark.parametrize("name", ALL)
def test_committed_without_outputs_or_execution_counts(name):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    assert [c.execution_count for c in code] == [None] * len(code)
    assert [c.outputs for c in code] == [[]] * len(code)
    assert "papermill" not in nb.metadata
    assert not any("papermill" in c.metadata for c in nb.cells)


@pytest.mark.parametrize("name", ALL)
def test_a_kernelspec_and_a_typed_parameters_cell_with_tiny_defaults(name):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    assert nb.metadata.kernelspec.name == "python3"
    assert nb.metadata.kernelspec.language == "python"
    params = read_parameters(nb)
    assert params is not None, "no cell tagged 'parameters'"
    assert "results_dir" in params
    for p in params.values():
        assert p.type_name != "any", f"{p.name} has no type annotation"
        assert p.help, f"{p.name} has no trailing comment saying what it is"
    if "scale" in params:
        assert params["scale"].default == "tiny"  # nbval runs the stored defaults


@pytest.mark.parametrize("name", ALL)
def test_the_defaults_pass_the_checks_and_the_test_run_only_shortens_them(name):
    """nbval runs the notebooks with quicker values (notebooks/conftest.py): the defaults
    JupyterLab users get are checked here instead, and each quick value is checked too."""
    from notebooks.conftest import quick_values
    from workbench.report.params import check_values

    params = read_parameters(nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4))
    defaults = {p.name: p.default for p in params.values()}
    check_values(defaults)
    quick = quick_values(defaults)
    check_values({**defaults, **quick})
    if name in ("02_baseline", "05_caching", "07_load"):  # the ones that take minutes
        assert quick
    for key, value in quick.items():
        assert type(value) is type(defaults[key]), key


def test_quick_values_never_ask_for_more_than_the_defaults():
    from notebooks.conftest import quick_values

    assert quick_values({"repeat": 20, "users": [1, 8], "time_box": 0.5}) == {
        "repeat": 5,
        "users": [1, 4],
        "time_box": 0.2,
    }
    assert quick_values({"repeat": 3, "users": [2], "time_box": 0.0, "duration": True}) == {}


@pytest.mark.parametrize("name", ALL)
def test_the_bootstrap_follows_the_parameters_cell(name):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert "bootstrap(" in code[1].source


@pytest.mark.parametrize("name", ALL)
def test_each_notebook_and_its_script_say_the_same(name):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    script = jupytext.read(NOTEBOOKS / f"{name}.py")
    assert [(c.cell_type, c.source) for c in nb.cells] == [
        (c.cell_type, c.source) for c in script.cells
    ], f"run `jupytext --sync notebooks/{name}.py`"
    assert [c.metadata.get("tags") for c in nb.cells] == [
        c.metadata.get("tags") for c in script.cells
    ]

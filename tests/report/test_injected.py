"""Parameters injected by the plain papermill CLI are checked as `workbench report` checks them."""

from __future__ import annotations

import pytest

from workbench.report import injected
from workbench.report.params import ParameterError


def notebook(**injected_values) -> dict:
    """A kernel namespace after papermill's cell: declarations, history, injected values."""
    namespace = {
        "__annotations__": {
            "scale": str,
            "seed": int,
            "repeat": int,
            "time_box": float,
            "scenarios": list[str],
            "page_sizes": list[int],
            "allow_external": bool,
        },
        "scale": "tiny",
        "seed": 42,
        "repeat": 20,
        "time_box": 0.5,
        "scenarios": ["all"],
        "page_sizes": [10, 50],
        "allow_external": False,
    }
    source = "# Parameters\n" + "".join(f"{k} = {v!r}\n" for k, v in injected_values.items())
    namespace["In"] = ["", "scale: str = 'tiny'\n...", source]
    namespace.update(injected_values)
    return namespace


def test_a_comma_separated_list_becomes_a_list():
    namespace = notebook(scenarios="job_list,wallet", page_sizes="10, 50")
    injected.check(namespace)
    assert namespace["scenarios"] == ["job_list", "wallet"]
    assert namespace["page_sizes"] == [10, 50]


def test_papermills_guesses_are_put_back_to_the_declared_types():
    namespace = notebook(scale=2000, time_box=1, allow_external="true", repeat="5")
    injected.check(namespace)
    assert namespace["scale"] == "2000" and namespace["time_box"] == 1.0
    assert namespace["allow_external"] is True and namespace["repeat"] == 5


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"scael": "tiny"}, "unknown parameter 'scael': this notebook declares allow_external,"),
        ({"repeat": "abc"}, "parameter repeat: expected a whole number, got 'abc'"),
        ({"repeat": True}, "parameter repeat: expected a whole number, got True"),
        ({"scenarios": "job_lst"}, "unknown scenario 'job_lst'"),
        ({"scale": "huge"}, "unknown scale 'huge'"),
        ({"repeat": 0}, "repeat must be from 1 to 1000, got 0"),
    ],
)
def test_unknown_or_mistyped_parameters_are_refused_in_one_line(values, message):
    with pytest.raises(ParameterError) as refused:
        injected.check(notebook(**values))
    assert message in str(refused.value) and "\n" not in str(refused.value)


def test_a_variable_defined_in_jupyterlab_is_not_taken_for_a_parameter():
    namespace = notebook()
    namespace["In"] = ["", "scale: str = 'tiny'", "my_own = 5"]  # no papermill cell
    namespace["my_own"] = 5
    assert injected.check(namespace)["scale"] == "tiny"


def test_papermills_path_parameters_are_allowed():
    namespace = notebook(PAPERMILL_OUTPUT_PATH="out/02.ipynb")
    assert injected.check(namespace)["scale"] == "tiny"

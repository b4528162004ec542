"""`workbench scale`: bad input refused in one line before anything runs; the curves' shape."""

from __future__ import annotations

import pytest

from workbench.study.scale import curves, database_name


@pytest.mark.parametrize(
    "args, message",
    [
        (["--scales", "tiny"], "--scales: name at least two scales"),
        (["--scales", "tiny,tiny"], "--scales: name at least two scales"),
        (["--scales", "tiny,huge"], "--scales: unknown scale 'huge'"),
        (["--scales", "tiny,small", "--variants", "turbo"], "unknown variant 'turbo'"),
        (["--scales", "tiny,small", "--scenarios", "nope"], "unknown scenario 'nope'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(run_workbench, args, message):
    done = run_workbench("scale", *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_database_names_fit_postgres_limit():
    assert database_name("wb", "tiny") == "wb_scale_tiny"
    assert len(database_name("x" * 80, "medium")) == 63


class _Result:
    def __init__(self, p50: float, queries: int) -> None:
        figures = {"p50_ms": p50, "queries": queries}
        self.scenarios = {"job_list": {"variants": {"baseline": figures}}}
        self.plan_documents = {}


def test_curves_fit_p50_and_queries_per_scenario_and_variant():
    measured = [
        ({"scale": "tiny", "rows": 8_000}, _Result(5.0, 3)),
        ({"scale": "small", "rows": 80_000}, _Result(50.0, 3)),
    ]
    (line,) = curves(measured)
    assert (line["scenario"], line["variant"]) == ("job_list", "baseline")
    assert [p["rows"] for p in line["points"]] == [8_000, 80_000]
    assert (line["growth"], line["queries_growth"], line["growing_node"]) == (
        "linear",
        "flat",
        None,
    )

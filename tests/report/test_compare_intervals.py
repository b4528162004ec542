"""`workbench compare` decides latency with the runs' intervals, a minimum effect and a floor."""

import pytest

from tests.report.samples import sample
from workbench.report import compare_latency
from workbench.report.compare import compare


def run(cells):
    """A summary whose job_list variants have these ``{variant: (p50, [low, high])}``."""
    data = sample()
    variants = data["scenarios"][0]["variants"]
    for variant, (p50, ci) in cells.items():
        figures = variants.setdefault(variant, dict(variants["all"]))
        figures.update(p50_ms=p50, p95_ms=p50 * 1.2, p50_ci=ci, p95_ci=None, plan_shape=None)
        figures.update(measured_on="isolated", samples=200)
    return data


STEADY = {
    "baseline": (40.0, [39.0, 41.0]),
    "indexes": (30.0, [29.0, 31.0]),
    "eager": (20.0, [19.5, 20.5]),
    "cache": (2.0, [1.9, 2.1]),
}


def verdicts(a_all, b_all, **rule):
    changes = compare(run({**STEADY, "all": a_all}), run({**STEADY, "all": b_all}), **rule)
    return [(c.scope, c.kind) for c in changes]


CASES = [
    # identical runs, overlapping intervals: nothing to say
    ("identical", (8.0, [7.6, 8.4]), (8.3, [7.9, 8.8]), []),
    # separated and material (+100%, 8 ms): a regression; the reverse is an improvement
    ("regressed", (8.0, [7.8, 8.2]), (16.0, [15.5, 16.6]), [("job_list / all", "regression")]),
    ("improved", (16.0, [15.5, 16.6]), (8.0, [7.8, 8.2]), [("job_list / all", "improvement")]),
    # separated but small (+12%): no change
    ("separated but tiny", (8.0, [7.9, 8.1]), (9.0, [8.9, 9.1]), []),
    # +100% but the intervals overlap: the runs cannot tell them apart
    ("material but overlapping", (8.0, [6.0, 17.0]), (16.0, [15.0, 17.5]), []),
    # separated, +100%, but 0.5 ms: under the floor
    ("under the floor", (0.5, [0.48, 0.52]), (1.0, [0.95, 1.05]), []),
]


@pytest.mark.parametrize(
    ("before", "after", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_latency_regression_needs_separated_intervals_and_a_material_change(
    before, after, expected
):
    assert verdicts(before, after) == expected


def test_the_minimum_effect_and_the_floor_are_parameters():
    before, after = (8.0, [7.9, 8.1]), (9.0, [8.9, 9.1])  # +12%, intervals apart
    assert verdicts(before, after) == []
    assert verdicts(before, after, min_effect=0.1) == [("job_list / all", "regression")]
    small = (0.5, [0.48, 0.52]), (1.0, [0.95, 1.05])
    assert verdicts(*small, floor_ms=0.1) == [("job_list / all", "regression")]


def test_the_line_shows_both_intervals():
    a = run({"all": (8.0, [7.8, 8.2])})
    b = run({"all": (16.0, [15.5, 16.6])})
    (change,) = [c for c in compare(a, b) if c.kind == "regression"]
    assert change.line() == (
        "REGRESSION  job_list / all: p50 8.00 ms [7.80, 8.20] -> 16.0 ms [15.5, 16.6] "
        "(+100%, intervals apart)"
    )


def test_a_run_wide_shift_is_reported_once_not_as_a_regression_per_cell():
    slow = {v: (p * 1.6, [p * 1.55, p * 1.65]) for v, (p, _) in {**STEADY, "all": (8.0, 0)}.items()}
    a = run({**STEADY, "all": (8.0, [7.8, 8.2])})
    changes = compare(a, run(slow))
    assert [(c.scope, c.kind) for c in changes] == [("every cell", "change")]
    assert "x1.60" in changes[0].text
    # ...but one cell slowing far beyond the others still is one
    slow["all"] = (8.0 * 4, [31.0, 33.0])
    changes = compare(a, run(slow))
    assert [(c.scope, c.kind) for c in changes if c.kind != "change"] == [
        ("job_list / all", "regression")
    ]
    assert "net of the shift x" in changes[0].text


def test_a_tail_that_alone_moved_is_a_change_not_a_regression():
    a, b = run({"all": (8.0, [7.8, 8.2])}), run({"all": (8.1, [7.9, 8.3])})
    a["scenarios"][0]["variants"]["all"].update(p95_ms=10.0, p95_ci=[9.5, 10.5])
    b["scenarios"][0]["variants"]["all"].update(p95_ms=30.0, p95_ci=[28.0, 33.0])
    (change,) = compare(a, b)
    assert change.kind == "change" and change.text.startswith("tail only, the p50 decides: p95")


def test_missing_intervals_fall_back_and_say_so():
    a = run({"all": (8.0, [7.8, 8.2])})
    b = run({"all": (40.0, None)})  # one side without: the fallback decides
    (change,) = compare(a, b)
    assert change.kind == "change"
    assert "fallback, no intervals: shown, not judged" in change.text


def test_runs_measured_on_different_traffic_are_not_compared():
    a, b = run({"all": (8.0, [7.8, 8.2])}), run({"all": (40.0, [39.0, 41.0])})
    b["scenarios"][0]["variants"]["all"]["measured_on"] = "mixed"
    (change,) = compare(a, b)
    assert (change.kind, change.text) == (
        "change",
        "measured on isolated -> mixed: latency not compared",
    )


def test_a_plan_change_with_the_same_latency_is_a_plan_flip():
    a, b = run({"all": (8.0, [7.8, 8.2])}), run({"all": (8.2, [7.9, 8.5])})
    a["scenarios"][0]["variants"]["all"]["plan_shape"] = ["Index Scan using i on t"]
    b["scenarios"][0]["variants"]["all"]["plan_shape"] = ["Bitmap Heap Scan on t"]
    (change,) = compare(a, b)
    assert change.kind == "change"
    assert change.text == (
        "plan flip (same latency, equivalent plans): Index Scan using i on t -> "
        "Bitmap Heap Scan on t"
    )
    b["scenarios"][0]["variants"]["all"].update(p50_ms=30.0, p50_ci=[29.0, 31.0])
    regression, plan = compare(a, b)
    assert regression.kind == "regression"
    assert plan.text.endswith("Bitmap Heap Scan on t (with the slowdown)")


def test_judge_figure_is_usable_on_its_own():
    a = {"p50_ms": 8.0, "p50_ci": [7.8, 8.2], "p95_ms": 9.0}
    b = {"p50_ms": 16.0, "p50_ci": [15.5, 16.6], "p95_ms": 18.0}
    assert compare_latency.judge_figure(a, b).verdict == "slower"
    assert compare_latency.judge_figure(b, a).verdict == "faster"
    assert compare_latency.judge_figure(a, a).verdict == "no change"
    assert compare_latency.run_shift([(a, b)] * 3 + [(b, a)] * 2) == 2.0
    assert compare_latency.run_shift([(a, b)] * 4) is None  # too few cells to tell


def grid(factors):
    """Five scenarios x two variants at 10 ms; ``factors[(scenario, variant)]`` scales one."""
    data = sample()
    data["scenarios"] = []
    for i in range(5):
        variants = {}
        for variant in ("indexes", "all"):
            p50 = 10.0 * factors.get((f"s{i}", variant), 1.0)
            variants[variant] = {
                **data_figures(),
                "p50_ms": p50,
                "p95_ms": p50 * 1.2,
                "p50_ci": [p50 * 0.97, p50 * 1.03],
            }
        data["scenarios"].append({"name": f"s{i}", "variants": variants})
    return data


def data_figures():
    return {"queries": 2, "n_plus_one": 0, "db_ms": 1.0}


def test_load_on_one_variants_block_is_a_shift_of_that_variant_not_regressions():
    busy = {(f"s{i}", "indexes"): 3.0 for i in range(5)}  # the machine was busy then
    slower = {("s2", "all"): 3.0}  # one real slowdown
    changes = compare(grid({}), grid({**busy, **slower}))
    assert [(c.scope, c.kind) for c in changes] == [
        ("s2 / all", "regression"),
        ("every indexes cell", "change"),
    ]
    assert changes[1].text.startswith("p50 x3.00 (median over 5 scenarios)")


def test_intervals_from_a_handful_of_calls_fall_back_too():
    a, b = run({"all": (8.0, [7.8, 8.2])}), run({"all": (40.0, [39.0, 41.0])})
    for data in (a, b):
        data["scenarios"][0]["variants"]["all"]["samples"] = 5
    (change,) = compare(a, b)
    assert change.kind == "change"
    assert "fallback, 5 samples: shown, not judged" in change.text

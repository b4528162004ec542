"""``analysis.growth``: synthetic curves of each kind, noise on a flat curve stays flat."""

from __future__ import annotations

import math
import random

import pytest

from analysis.growth import fit, growing_node

ROWS = [7_600, 80_000, 800_000, 8_000_000]


def _curve(f, noise: float = 0.0, seed: int = 1):
    rng = random.Random(seed)
    return [(n, f(n) * (1 + rng.uniform(-noise, noise))) for n in ROWS]


@pytest.mark.parametrize(
    "f, kind",
    [
        (lambda n: 5.0, "flat"),
        (lambda n: 1 + 2 * math.log(n), "log"),
        (lambda n: 2 + 0.001 * n, "linear"),
        (lambda n: 2 + 1e-6 * n * math.log(n), "superlinear"),
        (lambda n: 2 + 1e-9 * n * n, "superlinear"),
    ],
)
def test_each_kind_is_recognised(f, kind):
    assert fit(_curve(f)).kind == kind


@pytest.mark.parametrize("seed", range(20))
def test_noise_on_a_flat_curve_stays_flat(seed):
    assert fit(_curve(lambda n: 40.0, noise=0.10, seed=seed)).kind == "flat"
    assert fit(_curve(lambda n: 40.0, noise=0.10, seed=seed)[:2]).kind == "flat"


def test_two_points_are_judged_by_the_log_log_slope():
    linear = fit([(8_000, 5.0), (80_000, 50.0)])
    assert (linear.kind, linear.model) == ("linear", "slope")
    assert linear.exponent == pytest.approx(1.0)
    assert fit([(8_000, 5.0), (80_000, 7.0)]).kind == "log"
    assert fit([(8_000, 5.0), (80_000, 500.0)]).kind == "superlinear"


def test_shrinking_and_constant_query_counts_are_flat():
    assert fit([(8_000, 82), (80_000, 82), (800_000, 82)]).kind == "flat"
    assert fit([(8_000, 0), (80_000, 0)]).kind == "flat"
    assert fit([(8_000, 50.0), (80_000, 10.0)]).kind == "flat"


def test_fewer_than_two_row_counts_are_refused():
    with pytest.raises(ValueError, match="two or more"):
        fit([(8_000, 5.0), (8_000, 6.0)])


def _plan(seq_ms: float, sort_ms: float) -> dict:
    return {
        "Plan": {
            "Node Type": "Sort",
            "Actual Total Time": seq_ms + sort_ms,
            "Actual Loops": 1,
            "Total Cost": 10.0,
            "Plans": [
                {
                    "Node Type": "Seq Scan",
                    "Relation Name": "job",
                    "Parent Relationship": "Outer",
                    "Actual Total Time": seq_ms,
                    "Actual Loops": 1,
                    "Total Cost": 5.0,
                }
            ],
        }
    }


def test_growing_node_names_the_node_whose_exclusive_time_grew_most():
    node = growing_node([_plan(1.0, 0.5)], [_plan(10.0, 0.8)])
    assert node["node"] == "Seq Scan on job"
    assert node["small_ms"] == pytest.approx(1.0)
    assert node["large_ms"] == pytest.approx(10.0)
    assert growing_node([_plan(1.0, 0.5)], [_plan(1.0, 0.5)]) is None

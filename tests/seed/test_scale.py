"""Scale and seed parsing: presets, numbers of users, and one clear error for anything else."""

import pytest

from fixtures import PRESETS, parse_scale, parse_seed
from fixtures.errors import FixtureError


def test_presets_grow_and_large_is_about_a_million_jobs():
    sizes = [parse_scale(name).users for name in ("tiny", "small", "medium", "large")]
    assert sizes == sorted(sizes) and len(set(sizes)) == 4
    assert parse_scale("large").jobs == 1_000_000
    assert parse_scale("LARGE") == parse_scale("large")
    assert set(PRESETS) == {"tiny", "small", "medium", "large"}


def test_a_number_means_that_many_users():
    scale = parse_scale("1500")
    assert scale.users == 1500 and scale.jobs == 7500 and scale.name == "1500"
    assert parse_scale(300).users == 300


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("huge", "unknown scale 'huge'"),
        ("1.5", "unknown scale"),
        ("-5", "positive number of users"),
        ("0", "positive number of users"),
        ("3", "at least 10 users"),
    ],
)
def test_bad_scales_are_refused(value, message):
    with pytest.raises(FixtureError, match=message):
        parse_scale(value)


@pytest.mark.parametrize("value", ["abc", "-1", "4.2", ""])
def test_bad_seeds_are_refused(value):
    with pytest.raises(FixtureError, match="non-negative integer"):
        parse_seed(value)


def test_seeds_parse():
    assert parse_seed("7") == 7 and parse_seed(0) == 0

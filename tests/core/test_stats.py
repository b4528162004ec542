"""One quantile definition: medians, percentiles and IQRs all interpolate like numpy."""

import pytest

from analysis.stats import median, percentile, rounded, spread


def test_median_is_the_50th_percentile_of_the_present_values():
    assert median([3.0, None, 1.0, 2.0]) == 2.0
    assert median([1.0, 2.0, 3.0, 4.0]) == 2.5 == percentile([1.0, 2.0, 3.0, 4.0], 50)
    assert median([None]) is None and median([]) is None


def test_spread_uses_the_same_percentiles():
    runs = [5.0, 1.0, 4.0, 2.0, 3.0]
    s = spread(runs)
    assert (s["runs"], s["min"], s["max"]) == (5, 1.0, 5.0)
    assert s["iqr"] == pytest.approx(percentile(runs, 75) - percentile(runs, 25)) == 2.0
    assert s["stdev"] == pytest.approx(1.5811, abs=1e-4)
    assert spread([7.0]) == {"runs": 1, "min": 7.0, "max": 7.0, "stdev": 0.0, "iqr": 0.0}
    assert spread([]) == {}


def test_rounded_keeps_none():
    assert rounded(None) is None
    assert rounded(1.23456) == 1.235
